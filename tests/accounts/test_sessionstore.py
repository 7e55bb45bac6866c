"""Session keys that name their account (accounts.sessionstore), and what is read with them."""

from importlib import import_module
from unittest import mock

import pytest
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.sessionstore import KEY_LENGTH, MIN_RANDOM, owner_of
from contracts import fragments
from core import prefetch
from tests.builders import login


def store(key=None):
    return import_module(settings.SESSION_ENGINE).SessionStore(key)


def session_key(client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


class Reads:
    """The cache's reads of several keys: ``get_many``, and with Redis ``get_many_near``
    (the same read, served from the process's copies where current: core.nearcache)."""

    def __init__(self) -> None:
        self.asked: list[list[str]] = []

    def __enter__(self) -> "Reads":
        self._patches = [
            mock.patch.object(cache, name, side_effect=self._recording(getattr(cache, name)))
            for name in ("get_many", "get_many_near")
            if hasattr(cache, name)
        ]
        for patch in self._patches:
            patch.start()
        return self

    def __exit__(self, *exc) -> None:
        for patch in self._patches:
            patch.stop()

    def _recording(self, read):
        def recorded(keys, *args, **kwargs):
            keys = list(keys)
            self.asked.append(keys)
            return read(keys, *args, **kwargs)

        return recorded


@pytest.fixture
def md5(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_a_login_gives_a_key_naming_the_account_that_the_sessions_list_records(
    client, subscriber, md5
):
    subscriber.set_password("Tortue&Violon9")
    subscriber.save()
    client.get("/")
    before = session_key(client) if settings.SESSION_COOKIE_NAME in client.cookies else None
    assert login(client, subscriber.email).status_code == 302
    key = session_key(client)
    assert key != before and owner_of(key) == str(subscriber.pk)
    assert len(key) == KEY_LENGTH and len(key.partition(".")[2]) >= MIN_RANDOM
    # allauth recorded the final key: "log out everywhere" ends this very session.
    assert list(
        UserSession.objects.filter(user=subscriber).values_list("session_key", flat=True)
    ) == [key]
    assert store(key).get(SESSION_KEY) == str(subscriber.pk)


def test_logging_out_gives_an_anonymous_key(client, subscriber, md5):
    subscriber.set_password("Tortue&Violon9")
    subscriber.save()
    login(client, subscriber.email)
    logged_in = session_key(client)
    client.post(reverse("account_logout"))
    assert not store(logged_in).exists(logged_in)
    after = client.cookies.get(settings.SESSION_COOKIE_NAME)
    assert after is None or not after.value or owner_of(after.value) is None


@pytest.mark.parametrize(
    ("key", "owner"),
    [("12.abc", "12"), ("abc", None), ("x1.abc", None), (".abc", None), ("", None), (None, None)],
)
def test_the_account_a_key_names(key, owner):
    assert owner_of(key) == owner


def test_an_account_id_too_long_for_a_safe_key_gets_a_plain_one(db):
    session = store()
    session._owner = "9" * (KEY_LENGTH - MIN_RANDOM)
    assert owner_of(session._get_new_session_key()) is None


def test_loading_a_logged_in_session_reads_what_the_page_needs_in_one_round_trip(
    subscriber_client, subscriber, contract
):
    url = reverse("contracts:dashboard", args=[contract.number])
    for _ in range(2):
        subscriber_client.get(url)
    key = session_key(subscriber_client)
    assert owner_of(key) == str(subscriber.pk)
    session = store(key)
    with Reads() as reads:
        assert session.get(SESSION_KEY) == str(subscriber.pk)
    assert len(reads.asked) == 1
    asked = reads.asked[0]
    assert asked[0].endswith(key) and set(prefetch.keys_for(str(subscriber.pk))) <= set(asked)
    assert "contracts:billing-generation" in asked


def test_a_key_naming_another_account_brings_nothing_it_could_use(subscriber, second_subscriber):
    """The id in the key is a hint: a session whose account is not the one the key names
    (which no login makes) reads nothing ahead for anybody."""
    session = store()
    session.create()
    forged = f"{second_subscriber.pk}.{'a' * 38}"[:KEY_LENGTH]
    data = {SESSION_KEY: str(subscriber.pk)}
    cache.set(session.cache_key_prefix + forged, data)
    prefetch.reset()
    assert store(forged).get(SESSION_KEY) == str(subscriber.pk)
    assert prefetch._current.get() is None


@pytest.mark.parametrize("name", ["dashboard", "invoices", "consumption", "payments", "details"])
def test_a_contract_page_seen_again_makes_one_cache_read_and_no_query(
    subscriber_client, contract, settings, name
):
    """Session, account, generation, contract list, selector and figures: one ``get_many``
    (one round trip to Redis), nothing from the database."""
    settings.USER_CACHE_SECONDS = 60
    url = reverse(f"contracts:{name}", args=[contract.number])
    for _ in range(3):  # the first view remembers the contract on the account
        assert subscriber_client.get(url).status_code == 200
    for kept_here in (False, True):
        if not kept_here:
            fragments._local.clear()  # as a process that never served this page
        with (
            mock.patch.object(cache, "get", wraps=cache.get) as get,
            Reads() as reads,
            CaptureQueriesContext(connection) as queries,
        ):
            response = subscriber_client.get(url)
        # (The tests' cache is a database table: its own queries are not data queries.)
        assert [q for q in queries.captured_queries if "portal_cache" not in q["sql"]] == []
        assert response.status_code == 200 and contract.number in response.content.decode()
        assert len(reads.asked) == 1 and get.call_count == 0
        asked = reads.asked[0]
        figures = [k for k in asked if k.startswith("contracts:page:") and f":{name}:" in k]
        # Read ahead by a process that does not keep them already; not by one that does.
        assert len(figures) == (0 if kept_here else 1)


def test_figures_come_with_the_session_but_are_not_copied_by_the_process(
    subscriber_client, contract, settings
):
    """The figures are kept by the page in each process (contracts.fragments): read with
    the session, they are asked as ``once``, which the near cache neither copies nor
    decodes for later (core.nearcache), so they cannot push out the small values."""
    settings.USER_CACHE_SECONDS = 60
    url = reverse("contracts:invoices", args=[contract.number])
    for _ in range(2):
        assert subscriber_client.get(url).status_code == 200
    fragments._local.clear()  # as a process that never served this page
    calls = []

    class Near:
        """A cache with near copies, as Redis's: what it is asked, answered by the tests'."""

        def get_many_near(self, keys, once=()):
            calls.append((list(keys), list(once)))
            return cache.get_many(keys)

        def __getattr__(self, name):
            return getattr(cache, name)

    sessions = {settings.SESSION_CACHE_ALIAS: Near()}
    with mock.patch("django.contrib.sessions.backends.cached_db.caches", sessions):
        response = subscriber_client.get(url)
    assert response.status_code == 200 and contract.number in response.content.decode()
    [(asked, once)] = calls
    assert asked[0].endswith(session_key(subscriber_client))
    figures = [k for k in asked if k.startswith("contracts:page:")]
    assert len(figures) == 1 and once == figures
