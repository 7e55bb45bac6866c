"""Fixtures for the account tests: a client whose requests commit, and subscribers."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from django.test import Client, TestCase

from accounts.models import User

PASSWORD = "Tortue&Violon9"


class CommittingClient(Client):
    """Runs each request's on-commit callbacks when it ends, as in production.

    Tests run inside a transaction that never commits; without this, emails queued in
    ``transaction.on_commit`` would never be sent.
    """

    def request(self, **request):  # type: ignore[no-untyped-def]
        with TestCase.captureOnCommitCallbacks(execute=True):
            return super().request(**request)


@pytest.fixture
def client(db) -> Client:
    # Rate limit counters live in the (database) cache; each test starts from zero.
    cache.clear()
    return CommittingClient()


@pytest.fixture
def subscriber(db) -> User:
    user = User.objects.create_user("abonne@example.fr", PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@pytest.fixture
def inactive_subscriber(db) -> User:
    user = User.objects.create_user("nouveau@example.fr", PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    return user


def link_in(message: mail.EmailMessage) -> str:
    """The portal link in an email (path only), taken from the plain-text body."""
    match = re.search(r"https?://[^/\s]+(/\S+)", message.body)
    assert match, message.body
    return match.group(1)


def login(client: Client, email: str, password: str = PASSWORD, remember: bool = False):
    data = {"login": email, "password": password}
    if remember:
        data["remember"] = "on"
    return client.post("/comptes/login/", data)
