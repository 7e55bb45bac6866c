"""Per-account throttling: failed logins and reset requests, counted per address."""

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.test import RequestFactory
from django.utils import timezone

from accounts import throttle
from tests.builders import PASSWORD
from tests.helpers import html

pytestmark = pytest.mark.django_db

LOCKED = "la connexion est suspendue jusqu’à"
START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def attempt(client, email, password, ip):
    return client.post("/comptes/login/", {"login": email, "password": password}, REMOTE_ADDR=ip)


def scrub(page, email):
    """The page without what legitimately differs: the address typed, the CSRF token."""
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
    return page.replace(email, "ADDRESS")


def fail_from_many_ips(client, email, times):
    for n in range(times):
        response = attempt(client, email, "Mauvais7!Code", f"203.0.113.{n + 1}")
        assert response.status_code == 200


def test_five_failures_from_different_ips_lock_the_account_even_for_the_right_password(
    client, new_subscriber
):
    with time_machine.travel(START, tick=False):
        fail_from_many_ips(client, new_subscriber.email, 5)
        response = attempt(client, new_subscriber.email, PASSWORD, "198.51.100.7")
    assert response.status_code == 200
    assert LOCKED in html(response)
    assert "_auth_user_id" not in client.session


def test_the_owner_is_told_once_by_email_when_the_account_locks(client, new_subscriber):
    with time_machine.travel(START, tick=False):
        fail_from_many_ips(client, new_subscriber.email, 4)
        assert mail.outbox == []
        fail_from_many_ips(client, new_subscriber.email, 1)
        attempt(client, new_subscriber.email, "Encore7!Faux", "198.51.100.9")
    assert [m.to for m in mail.outbox] == [[new_subscriber.email]]
    message = mail.outbox[0]
    assert message.subject == "Tentatives de connexion répétées sur votre compte"
    assert "mauvais mots de passe" in message.body
    assert "Mauvais7!Code" not in message.body


def test_the_lock_lifts_by_itself(client, new_subscriber):
    with time_machine.travel(START, tick=False) as clock:
        fail_from_many_ips(client, new_subscriber.email, 5)
        assert LOCKED in html(attempt(client, new_subscriber.email, PASSWORD, "198.51.100.7"))
        # Ours lifts after a minute, and allauth's per-address limit is looser than ours.
        clock.shift(datetime.timedelta(minutes=1))
        response = attempt(client, new_subscriber.email, PASSWORD, "198.51.100.7")
        assert response.status_code == 302
        assert "_auth_user_id" in client.session


def test_an_unknown_address_gets_exactly_the_same_answers(client, new_subscriber):
    def answers(email):
        with time_machine.travel(START, tick=False):
            pages = [attempt(client, email, "Mauvais7!Code", f"192.0.2.{n}") for n in range(1, 8)]
        return [(p.status_code, scrub(html(p), email)) for p in pages]

    known = answers(new_subscriber.email)
    throttle.clear(throttle.LOGIN, new_subscriber.email)
    mail.outbox.clear()
    unknown = answers("personne@example.fr")
    assert known == unknown
    assert LOCKED in known[-1][1]
    assert mail.outbox == []


def test_delays_grow_and_no_more_than_25_failures_count_in_a_day():
    email = "cible@example.fr"
    with time_machine.travel(START, tick=False) as clock:
        delays = []
        for _ in range(25):
            until = throttle.locked_until(throttle.LOGIN, email)
            if until:
                delays.append(until - timezone.now())
                clock.move_to(until)
            throttle.record_failure(throttle.LOGIN, email)
        assert delays[:4] == [datetime.timedelta(minutes=m) for m in (1, 2, 4, 8)]
        assert max(delays) == datetime.timedelta(hours=1)
        # The 25th failure of the day locks the address until the first is a day old.
        assert throttle.locked_until(throttle.LOGIN, email) == START + datetime.timedelta(hours=24)
    with time_machine.travel(START + datetime.timedelta(hours=24, seconds=1), tick=False):
        assert throttle.locked_until(throttle.LOGIN, email) is None


def test_the_cache_never_holds_the_address_in_clear():
    throttle.record_failure(throttle.LOGIN, "Secret.Person@example.fr")
    key = throttle._key(throttle.LOGIN, "secret.person@example.fr ")
    assert "secret" not in key.lower() and "example" not in key
    assert throttle.locked_until(throttle.LOGIN, "SECRET.PERSON@example.fr") is None
    assert (
        len(throttle._state(throttle.LOGIN, "secret.person@example.fr", timezone.now())["failures"])
        == 1
    )


def test_a_completed_password_reset_lifts_the_lock(client, new_subscriber):
    with time_machine.travel(START, tick=False):
        fail_from_many_ips(client, new_subscriber.email, 5)
        assert throttle.locked_until(throttle.LOGIN, new_subscriber.email)
        from allauth.account.adapter import get_adapter

        request = RequestFactory().get("/")
        get_adapter()._delete_login_attempts_cached_email(request, email=new_subscriber.email)
        assert throttle.locked_until(throttle.LOGIN, new_subscriber.email) is None


def test_reset_requests_past_the_daily_allowance_send_nothing_but_look_the_same(
    client, new_subscriber
):
    with time_machine.travel(START, tick=False) as clock:
        pages = []
        for _ in range(5):
            response = client.post("/comptes/password/reset/", {"email": new_subscriber.email})
            pages.append((response.status_code, response["Location"]))
            clock.shift(datetime.timedelta(minutes=1))
    assert len(set(pages)) == 1 and pages[0][0] == 302
    # Three links, then the address pauses (5 minutes, then 10…): the rest are dropped.
    assert len(mail.outbox) == 3
