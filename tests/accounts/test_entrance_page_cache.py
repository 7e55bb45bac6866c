"""Entrance pages served from the process's copy: same page, fresh CSRF token, nothing personal."""

import re

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.session import SessionStorage
from django.test import Client

from tests.builders import PASSWORD
from tests.helpers import assert_french_page, html

pytestmark = pytest.mark.django_db

ENTRANCE = ["/", "/comptes/signup/", "/comptes/password/reset/"]


def token_in(body: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)


@pytest.mark.parametrize("path", ENTRANCE)
def test_a_second_visitor_gets_the_same_page_with_a_token_of_their_own(path):
    first, second = Client(), Client()
    page_one, page_two = first.get(path), second.get(path)

    assert_french_page(page_two)
    body_one, body_two = html(page_one), html(page_two)
    assert token_in(body_one) != token_in(body_two)
    assert body_one.replace(token_in(body_one), "") == body_two.replace(token_in(body_two), "")
    assert second.cookies["csrftoken"].value


def test_the_kept_login_page_still_logs_in_with_csrf_checks_on(new_subscriber):
    Client().get("/")  # the page is now kept
    browser = Client(enforce_csrf_checks=True)
    body = html(browser.get("/"))

    response = browser.post(
        "/comptes/login/",
        {
            "csrfmiddlewaretoken": token_in(body),
            "login": new_subscriber.email,
            "password": PASSWORD,
        },
    )

    assert response.status_code == 302


def test_a_kept_page_without_its_token_is_still_refused(new_subscriber):
    Client().get("/")
    browser = Client(enforce_csrf_checks=True)
    browser.get("/")
    response = browser.post(
        "/comptes/login/", {"login": new_subscriber.email, "password": PASSWORD}
    )
    assert response.status_code == 403


def test_a_waiting_message_is_shown_not_replaced_by_the_kept_page(client, new_subscriber):
    Client().get("/")
    session = client.session
    session[SessionStorage.session_key] = (
        '[["__json_message",0,' + str(constants.SUCCESS) + ',"Vous êtes déconnecté."]]'
    )
    session.save()
    assert "Vous êtes déconnecté." in html(client.get("/"))
    # Shown once, then the plain page again.
    assert "Vous êtes déconnecté." not in html(client.get("/"))


def test_the_return_address_in_the_query_string_is_kept_in_the_form():
    Client().get("/")
    body = html(Client().get("/?next=/espace/mes-contrats/"))
    assert 'name="next" value="/espace/mes-contrats/"' in body


def test_a_logged_in_subscriber_is_sent_to_their_area_not_the_kept_page(client, new_subscriber):
    Client().get("/")
    client.force_login(new_subscriber)
    assert client.get("/")["Location"] == "/espace/"


def test_a_form_with_errors_is_never_kept(client):
    client.post("/comptes/password/reset/", {"email": "pas-une-adresse"})
    body = html(Client().get("/comptes/password/reset/"))
    assert "pas-une-adresse" not in body
    assert "error-summary" not in body
