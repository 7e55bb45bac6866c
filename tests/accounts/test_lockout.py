"""One pause, one message: the lock and allauth's limits announce the same, real minute."""

import datetime
import re
import time
import zoneinfo

import pytest
import time_machine
from allauth.core.internal.ratelimit import apply_rate, parse_rates
from django.conf import settings as django_settings

from accounts import throttle
from tests.builders import PASSWORD
from tests.helpers import html

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
# Half past a minute, so that announcing the minute means rounding up.
START = datetime.datetime(2026, 3, 2, 19, 12, 30, tzinfo=PARIS)
PAUSED = re.compile(r"la connexion est suspendue jusqu’à (\d\d):(\d\d) \(heure de Paris\)")
PHONE = "04 13 57 39 00"


def attempt(client, email, password, ip="198.51.100.7"):
    return client.post("/comptes/login/", {"login": email, "password": password}, REMOTE_ADDR=ip)


def announced_minute(response) -> datetime.datetime:
    body = html(response).replace("'", "’")
    found = PAUSED.search(body)
    assert found, body
    assert PHONE in body
    now = datetime.datetime.now(PARIS)
    return now.replace(hour=int(found[1]), minute=int(found[2]), second=0, microsecond=0)


def test_the_lock_is_walked_to_its_end_and_the_announced_minute_lets_the_owner_in(
    client, new_subscriber
):
    with time_machine.travel(START, tick=False) as clock:
        for n in range(5):
            assert attempt(client, new_subscriber.email, "Mauvais7!Code", f"203.0.113.{n}")
        # Each further failure doubles the pause; eight failures in all put more of them
        # in five minutes than allauth's own per-address limit would ever let through,
        # if it were tighter than the lock.
        for n in range(3):
            minute = announced_minute(attempt(client, new_subscriber.email, PASSWORD))
            assert minute > datetime.datetime.now(PARIS)
            clock.move_to(minute)
            attempt(client, new_subscriber.email, "Mauvais7!Code", f"203.0.113.{10 + n}")
        response = attempt(client, new_subscriber.email, PASSWORD)
        assert "_auth_user_id" not in client.session
        minute = announced_minute(response)
        clock.move_to(minute - datetime.timedelta(seconds=1))
        assert announced_minute(attempt(client, new_subscriber.email, PASSWORD)) == minute
        clock.move_to(minute)
        response = attempt(client, new_subscriber.email, PASSWORD)
        assert response.status_code == 302
        assert "_auth_user_id" in client.session


def test_the_first_pause_is_announced_at_the_next_whole_minute(client, new_subscriber):
    with time_machine.travel(START, tick=False):
        for _ in range(5):
            attempt(client, new_subscriber.email, "Mauvais7!Code")
        minute = announced_minute(attempt(client, new_subscriber.email, PASSWORD))
    # Locked at 19:12:30 for one minute: free at 19:13:30, announced 19:14.
    assert (minute.hour, minute.minute) == (19, 14)


def test_allauths_limit_per_ip_speaks_the_same_words_and_lifts_at_its_minute(
    client, new_subscriber
):
    with time_machine.travel(START, tick=False) as clock:
        for n in range(10):
            attempt(client, f"inconnu{n}@example.fr", "Mauvais7!Code")
        response = attempt(client, new_subscriber.email, PASSWORD)
        assert "_auth_user_id" not in client.session
        minute = announced_minute(response)
        clock.move_to(minute)
        response = attempt(client, new_subscriber.email, PASSWORD)
        assert response.status_code == 302
        assert "_auth_user_id" in client.session


def test_allauths_429_on_the_login_page_gives_the_minute_and_the_phone(
    client, new_subscriber, settings
):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "3/m/ip"}
    with time_machine.travel(START, tick=False) as clock:
        for n in range(3):
            attempt(client, f"x{n}@example.fr", "Mauvais7!Code")
        response = attempt(client, new_subscriber.email, PASSWORD)
        assert response.status_code == 429
        minute = announced_minute(response)
        assert 0 < int(response["Retry-After"]) <= 90
        clock.move_to(minute)
        response = attempt(client, new_subscriber.email, PASSWORD)
        assert response.status_code == 302


def test_allauths_limit_per_address_never_outlasts_the_lock():
    """Failures at the earliest moments the lock allows never fill allauth's per-key rate."""
    (rate,) = [
        r
        for r in parse_rates(django_settings.ACCOUNT_RATE_LIMITS["login_failed"])
        if r.per == "key"
    ]
    email = "cible@example.fr"
    history: list[float] = []
    with time_machine.travel(START, tick=False) as clock:
        for _ in range(throttle.LOGIN.cap):
            until = throttle.locked_until(throttle.LOGIN, email)
            if until:
                clock.move_to(until)
            allowed, history = apply_rate(history, time.time(), rate)
            assert allowed
            throttle.record_failure(throttle.LOGIN, email)
