"""The gunicorn configuration: read from the environment, secrets kept out of access logs."""

import runpy
from pathlib import Path

import pytest

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


def load(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict:
    for name in (
        "PORT",
        "WEB_CONCURRENCY",
        "TRUSTED_PROXY_COUNT",
        "FORWARDED_ALLOW_IPS",
        "GUNICORN_ACCESS_LOG",
        "GUNICORN_MAX_REQUESTS",
        "GUNICORN_PRELOAD",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONF))


def test_it_binds_every_interface_on_port_from_the_environment(monkeypatch):
    assert load(monkeypatch)["bind"] == ["0.0.0.0:8000"]
    assert load(monkeypatch, PORT="9001")["bind"] == ["0.0.0.0:9001"]


def test_it_takes_the_worker_count_from_web_concurrency(monkeypatch):
    assert load(monkeypatch, WEB_CONCURRENCY="3")["workers"] == 3
    assert 1 <= load(monkeypatch)["workers"] <= 8


def test_it_refuses_a_malformed_worker_count(monkeypatch):
    with pytest.raises(SystemExit, match="WEB_CONCURRENCY"):
        load(monkeypatch, WEB_CONCURRENCY="many")


def test_it_disables_the_control_socket(monkeypatch):
    assert load(monkeypatch)["control_socket_disable"] is True


def test_it_trusts_forwarded_headers_only_behind_a_proxy(monkeypatch):
    assert load(monkeypatch)["forwarded_allow_ips"] == ""
    assert load(monkeypatch, TRUSTED_PROXY_COUNT="1")["forwarded_allow_ips"] == "*"
    conf = load(monkeypatch, TRUSTED_PROXY_COUNT="1", FORWARDED_ALLOW_IPS="")
    assert conf["forwarded_allow_ips"] == "*"
    conf = load(monkeypatch, TRUSTED_PROXY_COUNT="1", FORWARDED_ALLOW_IPS="10.0.0.0/8")
    assert conf["forwarded_allow_ips"] == "10.0.0.0/8"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "GET /comptes/password/reset/key/3-abc123-def/ HTTP/1.1",
            "GET /comptes/password/reset/key/***/ HTTP/1.1",
        ),
        (
            "GET /comptes/password/reset/key/3-abc/?next=/x HTTP/1.1",
            "GET /comptes/password/reset/key/***/ HTTP/1.1",
        ),
        (
            "POST /comptes/confirm-email/MTI:1x:abc/ HTTP/1.1",
            "POST /comptes/confirm-email/***/ HTTP/1.1",
        ),
        ("GET /contrats/?page=2 HTTP/1.1", "GET /contrats/?page=2 HTTP/1.1"),
    ],
)
def test_it_masks_keys_of_reset_and_confirmation_links(monkeypatch, line, expected):
    assert load(monkeypatch)["mask_secrets"](line) == expected


def test_access_lines_are_left_to_the_proxy_unless_asked_for(monkeypatch):
    assert load(monkeypatch)["accesslog"] is None
    assert load(monkeypatch, GUNICORN_ACCESS_LOG="0")["accesslog"] is None
    kept = load(monkeypatch, GUNICORN_ACCESS_LOG="1")
    assert kept["accesslog"] == "-"
    # Still masked when kept.
    assert kept["logger_class"].__name__ == "MaskingLogger"


def test_the_app_is_loaded_once_and_workers_are_replaced_rarely_and_apart(monkeypatch):
    conf = load(monkeypatch)
    assert conf["preload_app"] is True
    assert conf["max_requests"] == 100_000 and conf["max_requests_jitter"] == 10_000
    conf = load(monkeypatch, GUNICORN_MAX_REQUESTS="0", GUNICORN_PRELOAD="0")
    assert conf["max_requests"] == 0 and conf["max_requests_jitter"] == 0
    assert conf["preload_app"] is False


def test_a_kept_access_line_masks_the_reset_key(monkeypatch):
    """Through gunicorn's own logger: the request line, the path and the query string."""
    from types import SimpleNamespace

    conf = load(monkeypatch, GUNICORN_ACCESS_LOG="1")
    logger = conf["logger_class"](SimpleNamespace(**_gunicorn_cfg()))
    environ = {
        "PATH_INFO": "/comptes/password/reset/key/3-abc123-def/",
        "QUERY_STRING": "next=/x",
        "REQUEST_METHOD": "GET",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "RAW_URI": "/comptes/password/reset/key/3-abc123-def/?next=/x",
    }
    request = SimpleNamespace(
        method="GET",
        uri="/comptes/password/reset/key/3-abc123-def/?next=/x",
        path="/comptes/password/reset/key/3-abc123-def/",
        query="next=/x",
        version=(1, 1),
        headers=[],
    )
    response = SimpleNamespace(status="200 OK", sent=10, headers=[], response_length=10)
    atoms = logger.atoms(response, request, environ, __import__("datetime").timedelta(0))
    assert "3-abc123-def" not in atoms["r"] and atoms["q"] == ""


def _gunicorn_cfg() -> dict:
    from gunicorn.config import Config

    cfg = Config()
    return {name: setting.get() for name, setting in cfg.settings.items()}


def test_a_worker_forked_from_a_preloaded_master_makes_its_own_cache_clients(monkeypatch):
    from types import SimpleNamespace

    from django.core.cache import caches

    hook = load(monkeypatch)["post_fork"]
    before = caches["default"]
    hook(SimpleNamespace(cfg=SimpleNamespace(preload_app=True)), None)
    assert caches["default"] is not before
    # Without preload the hook runs before Django is loaded: it must not touch it.
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE", raising=False)
    hook(SimpleNamespace(cfg=SimpleNamespace(preload_app=False)), None)


def test_a_preloaded_master_builds_what_workers_need_first_without_a_connection(monkeypatch):
    """URLs, every template and the catalogue are built before the fork (portal/warmup.py):
    a replaced worker's first pages no longer pay for them. No query (this test has no
    database: any query would fail) and no cache access."""
    from types import SimpleNamespace
    from unittest import mock

    from django.core.cache import caches

    from portal.warmup import template_names

    hook = load(monkeypatch)["when_ready"]
    logged = []
    server = SimpleNamespace(
        cfg=SimpleNamespace(preload_app=True),
        log=SimpleNamespace(info=lambda message, *args: logged.append(message % args)),
    )
    with mock.patch.object(type(caches), "__getitem__", side_effect=AssertionError("cache")):
        hook(server)
    assert logged == [
        f"Warmed up: {len(template_names())} templates compiled ahead of the workers."
    ]
    assert len(template_names()) > 100
    hook(SimpleNamespace(cfg=SimpleNamespace(preload_app=False)))  # nothing loaded: nothing done


def test_what_a_preloaded_master_built_is_left_out_of_the_workers_collections(monkeypatch):
    """Frozen before the fork: a worker's full collection walks only what it made (it
    walked the master's ~160,000 objects too, 90-130 ms each time)."""
    import gc
    from types import SimpleNamespace

    hook = load(monkeypatch)["when_ready"]
    server = SimpleNamespace(
        cfg=SimpleNamespace(preload_app=True), log=SimpleNamespace(info=lambda *args: None)
    )
    try:
        hook(server)
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
