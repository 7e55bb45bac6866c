"""The logged-in account kept in the shared cache (accounts/usercache.py): read once, then
dropped on every change that matters, so that the next request sees the change.

The cache is on here whatever the backend (off by default with the database cache of the
SQLite pass); the two-process tests are in tests/multiprocess/test_user_cache.py.
"""

import pickle

import pytest
from allauth.account.models import EmailAddress
from allauth.usersessions.models import UserSession
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import usercache
from tests.builders import PASSWORD, login, make_user, reauthenticate

NEW = "Héron7!Tuile"


@pytest.fixture(autouse=True)
def kept(settings):
    settings.USER_CACHE_SECONDS = 60


def dashboard(contract) -> str:
    return reverse("contracts:dashboard", args=[contract.number])


def account_reads(client: Client, url: str) -> tuple[int, int]:
    """Status of GET ``url`` and how many times it read the account from the database."""
    with CaptureQueriesContext(connection) as captured:
        status = client.get(url).status_code
    reads = [
        q["sql"]
        for q in captured.captured_queries
        if 'FROM "accounts_user"' in q["sql"] and "portal_cache" not in q["sql"]
    ]
    return status, len(reads)


def entry(user):
    return cache.get(f"{usercache.PREFIX}{user.pk}")


def warmed(client: Client, contract) -> None:
    """Seen twice: the first visit remembers the contract on the account (and drops it)."""
    for _ in range(3):
        assert client.get(dashboard(contract)).status_code == 200
    assert account_reads(client, dashboard(contract)) == (200, 0)


def test_a_page_seen_again_does_not_read_the_account(subscriber_client, subscriber, contract):
    warmed(subscriber_client, contract)
    kept = entry(subscriber)[2]
    assert kept.pk == subscriber.pk and kept.email == subscriber.email


def test_the_password_hash_is_never_in_the_cache(subscriber_client, subscriber, contract):
    warmed(subscriber_client, contract)
    raw = pickle.dumps(entry(subscriber))
    assert subscriber.password.encode() not in raw
    assert "password" not in entry(subscriber)[2].__dict__
    # A page that needs it reads it from the database.
    assert entry(subscriber)[2].password == subscriber.password


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda u: setattr(u, "is_active", False), id="deactivated"),
        pytest.param(lambda u: u.set_password("Autre-Mot-de-passe9"), id="password changed"),
    ],
)
def test_a_changed_account_loses_access_on_its_next_request(
    subscriber_client, subscriber, contract, change
):
    warmed(subscriber_client, contract)
    change(subscriber)
    subscriber.save()  # as the admin, a management command or a form does
    response = subscriber_client.get(dashboard(contract))
    assert response.status_code == 302 and response["Location"].startswith("/?next=")


def test_a_password_changed_on_the_site_ends_the_other_sessions_only(
    client, subscriber, contract, settings
):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    subscriber.set_password(PASSWORD)
    subscriber.save()
    other = Client()
    for browser in (client, other):
        login(browser, subscriber.email)
        warmed(browser, contract)
    reauthenticate(client, subscriber)
    answer = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW, "password2": NEW},
    )
    assert answer.status_code == 302
    assert client.get(dashboard(contract)).status_code == 200
    assert other.get(dashboard(contract)).status_code == 302


def test_staff_are_never_kept(client, staff_agent):
    client.force_login(staff_agent)
    for _ in range(2):
        client.get("/mon-compte/")
    assert entry(staff_agent) is None
    assert account_reads(client, "/mon-compte/")[1] >= 1


def test_an_inactive_or_unknown_account_is_anonymous(client, subscriber, contract):
    client.force_login(subscriber)
    warmed(client, contract)
    type(subscriber).objects.filter(pk=subscriber.pk).update(is_active=False)
    usercache.forget(subscriber.pk)  # what code that writes without a signal must do
    assert client.get(dashboard(contract)).status_code == 302
    assert entry(subscriber) is None


def _drops(user, action) -> None:
    assert entry(user) is not None
    action()
    assert entry(user) is None


def test_every_change_that_matters_drops_the_kept_account(subscriber_client, subscriber, contract):
    group = Group.objects.create(name="Essai")
    actions = [
        lambda: subscriber.save(update_fields=["last_login"]),
        lambda: EmailAddress.objects.create(user=subscriber, email="autre@example.fr"),
        lambda: EmailAddress.objects.filter(email="autre@example.fr").get().delete(),
        lambda: subscriber.groups.add(group),
        lambda: group.user_set.remove(subscriber),
        lambda: subscriber.groups.add(group),
        lambda: group.user_set.clear(),
    ]
    for action in actions:
        warmed(subscriber_client, contract)
        _drops(subscriber, action)


def test_the_sessions_activity_record_keeps_it(client, subscriber, contract, settings):
    """Once a minute the sessions list records the session's activity: nothing of the
    account changes, so its kept copy stays (a read of the account every minute and
    session otherwise)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    subscriber.set_password(PASSWORD)
    subscriber.save()
    login(client, subscriber.email)
    warmed(client, contract)
    for session in UserSession.objects.filter(user=subscriber):
        session.ip = "203.0.113.9"
        session.save()
    assert entry(subscriber) is not None
    assert account_reads(client, dashboard(contract)) == (200, 0)


def test_logout_and_the_end_of_a_session_drop_it(client, subscriber, contract, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    subscriber.set_password(PASSWORD)
    subscriber.save()
    login(client, subscriber.email)
    warmed(client, contract)
    # "Log out everywhere" from the sessions list ends each recorded session.
    _drops(subscriber, lambda: [s.end() for s in UserSession.objects.filter(user=subscriber)])
    assert client.get(dashboard(contract)).status_code == 302
    login(client, subscriber.email)
    warmed(client, contract)
    _drops(subscriber, lambda: client.post(reverse("account_logout")))


def test_an_account_read_before_a_change_is_never_served_after_it(
    subscriber_client, subscriber, contract
):
    """A request that read the account, then a change, then that request keeping what it
    read: the kept copy carries the old version and is refused."""
    warmed(subscriber_client, contract)
    stale = entry(subscriber)
    subscriber.is_active = False
    subscriber.save()
    cache.set(f"{usercache.PREFIX}{subscriber.pk}", stale, 60)
    assert subscriber_client.get(dashboard(contract)).status_code == 302


def test_the_last_contract_written_without_a_signal_is_not_served_stale(
    subscriber_client, subscriber, contract, other_contract
):
    from tests.builders import link

    link(subscriber, other_contract.payer)
    warmed(subscriber_client, contract)
    subscriber_client.get(dashboard(other_contract))
    assert subscriber_client.get(reverse("contracts:area"))["Location"] == dashboard(other_contract)


def test_off_when_the_timeout_is_zero(subscriber_client, subscriber, contract, settings):
    settings.USER_CACHE_SECONDS = 0
    subscriber_client.get(dashboard(contract))
    assert account_reads(subscriber_client, dashboard(contract)) == (200, 1)
    assert entry(subscriber) is None


def test_a_new_user_is_kept_after_login(db):
    user = make_user("neuf@example.fr")
    browser = Client()
    browser.force_login(user)
    browser.get("/mon-compte/")
    assert entry(user) is not None


def test_the_async_accessor_gives_the_kept_account(rf, subscriber, subscriber_client, contract):
    """request.auser() (async views, Django's own helpers) reads what request.user reads."""
    from asgiref.sync import async_to_sync
    from django.contrib.sessions.middleware import SessionMiddleware

    warmed(subscriber_client, contract)
    request = rf.get("/")
    request.COOKIES = {name: morsel.value for name, morsel in subscriber_client.cookies.items()}
    SessionMiddleware(lambda r: None).process_request(request)
    usercache.CachedAuthenticationMiddleware(lambda r: None).process_request(request)
    assert async_to_sync(request.auser)().pk == subscriber.pk == request.user.pk


def test_an_expired_account_keeps_its_contract_selectors(
    subscriber_client, subscriber, contract, other_contract, monkeypatch
):
    """When a kept account expires, its contract list is read again; the same list keeps
    its selectors (not rendered again), a new list gets new ones."""
    from contracts import pageparts
    from tests.builders import link

    warmed(subscriber_client, contract)
    rendered = []
    render = pageparts._render
    monkeypatch.setattr(
        pageparts, "_render", lambda *args: rendered.append(args[0].number) or render(*args)
    )
    cache.delete(f"{usercache.VERSION_PREFIX}{subscriber.pk}")  # expired
    assert account_reads(subscriber_client, dashboard(contract)) == (200, 1)
    assert rendered == []
    link(subscriber, other_contract.payer)  # a new list: a new selector, with both
    body = subscriber_client.get(dashboard(contract)).content.decode()
    assert rendered == [contract.number] and other_contract.number in body
