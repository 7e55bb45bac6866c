"""Sessions not remembered end after 30 minutes without activity; remembered ones last."""

import datetime

import pytest
import time_machine
from django.test import Client

from tests.builders import login
from tests.helpers import html

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
LOGGED_OUT = "déconnecté après 30 minutes sans activité"


def later(clock, minutes):
    clock.move_to(START + datetime.timedelta(minutes=minutes))


def test_a_session_not_remembered_ends_after_30_idle_minutes(client, new_subscriber):
    with time_machine.travel(START, tick=False) as clock:
        login(client, new_subscriber.email)
        later(clock, 31)
        response = client.get("/mon-compte/")
        assert response.status_code == 302
        assert response["Location"] == "/?next=/mon-compte/"
        assert "_auth_user_id" not in client.session
        assert LOGGED_OUT in html(client.get(response["Location"]))


def test_activity_keeps_the_session_alive(client, new_subscriber):
    with time_machine.travel(START, tick=False) as clock:
        login(client, new_subscriber.email)
        later(clock, 25)
        assert client.get("/mon-compte/").status_code == 200
        later(clock, 50)
        assert client.get("/mon-compte/").status_code == 200


def test_a_remembered_session_survives_idle_hours_and_lasts_30_days(client, new_subscriber):
    with time_machine.travel(START, tick=False) as clock:
        login(client, new_subscriber.email, remember=True)
        assert client.session.get_expiry_age() == 30 * 24 * 3600
        later(clock, 6 * 60)
        assert client.get("/mon-compte/").status_code == 200


def test_pages_warn_before_the_idle_logout_with_a_stay_logged_in_button(client, new_subscriber):
    login(client, new_subscriber.email)
    body = html(client.get("/mon-compte/"))
    assert 'role="alertdialog"' in body
    assert 'data-idle-timeout="1800"' in body and 'data-idle-warning="120"' in body
    assert ">Rester connecté<" in body
    assert "Êtes-vous toujours là ?" in body
    assert "/static/js/idle.js" in body


def test_remembered_sessions_and_visitors_get_no_warning(client, new_subscriber):
    assert "alertdialog" not in html(client.get("/"))
    login(client, new_subscriber.email, remember=True)
    assert "alertdialog" not in html(client.get("/mon-compte/"))


def test_stay_logged_in_restarts_the_clock(client, new_subscriber):
    with time_machine.travel(START, tick=False) as clock:
        login(client, new_subscriber.email)
        later(clock, 28)
        response = client.post(
            "/session/prolonger/", {"next": "/mon-compte/"}, HTTP_X_REQUESTED_WITH="fetch"
        )
        assert response.status_code == 204
        later(clock, 50)
        assert client.get("/mon-compte/").status_code == 200


def test_stay_logged_in_without_the_script_goes_back_to_the_page(client, new_subscriber):
    login(client, new_subscriber.email)
    response = client.post("/session/prolonger/", {"next": "/mon-compte/"})
    assert response["Location"] == "/mon-compte/"
    elsewhere = client.post("/session/prolonger/", {"next": "https://evil.example/"})
    assert elsewhere["Location"] == "/espace/"


def test_keep_alive_needs_a_post_with_csrf_and_a_session(new_subscriber):
    anonymous = Client()
    assert anonymous.post("/session/prolonger/")["Location"].startswith("/?next=")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(new_subscriber)
    assert strict.post("/session/prolonger/").status_code == 403
    assert strict.get("/session/prolonger/").status_code == 405
