"""allauth's per-address limit on login attempts, set for subscribers behind one address
(a library, a town hall, an office): 60 a minute, right or wrong (settings.py)."""

import datetime

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.test import Client

from tests.builders import PASSWORD, make_user
from tests.helpers import html

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
LIBRARY = "192.0.2.50"


def log_in(email: str, ip: str = LIBRARY):
    return Client().post("/comptes/login/", {"login": email, "password": PASSWORD}, REMOTE_ADDR=ip)


def test_sixty_subscribers_behind_one_address_log_in_within_a_minute_and_no_more(settings):
    assert settings.ACCOUNT_RATE_LIMITS["login"] == "60/m/ip"
    emails = []
    for n in range(61):
        user = make_user(f"lecteur{n}@example.fr")
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        emails.append(user.email)
    with time_machine.travel(START, tick=False):
        answers = [log_in(email) for email in emails[:60]]
        assert {a.status_code for a in answers} == {302}
        refused = log_in(emails[60])
        # Another address is not concerned.
        assert log_in(emails[60], ip="198.51.100.20").status_code == 302
    assert refused.status_code in (200, 429)
    assert "la connexion est suspendue" in html(refused)
    # A minute later the library's address may log in again.
    with time_machine.travel(START + datetime.timedelta(seconds=61), tick=False):
        assert log_in(emails[0]).status_code == 302
