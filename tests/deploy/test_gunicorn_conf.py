"""The gunicorn configuration: read from the environment, secrets kept out of access logs."""

import runpy
from pathlib import Path

import pytest

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


def load(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict:
    for name in ("PORT", "WEB_CONCURRENCY", "TRUSTED_PROXY_COUNT", "FORWARDED_ALLOW_IPS"):
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
