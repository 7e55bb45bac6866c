"""?next= never leads to another site; the session key changes at login; logout is POST."""

import pytest
from django.test import Client

from tests.builders import PASSWORD, login
from tests.helpers import html

pytestmark = pytest.mark.django_db

FOREIGN = [
    "https://evil.example/",
    "//evil.example/",
    "http:evil.example",
    "/\\evil.example/",
    "\\\\evil.example",
    "https:/evil.example",
    " //evil.example",
    "javascript:alert(1)",
]


@pytest.mark.parametrize("target", FOREIGN)
def test_login_never_redirects_to_another_site(client, new_subscriber, target):
    response = client.post(
        "/comptes/login/", {"login": new_subscriber.email, "password": PASSWORD, "next": target}
    )
    assert response.status_code == 302
    assert response["Location"] == "/espace/"


@pytest.mark.parametrize("target", FOREIGN)
def test_the_home_page_drops_a_foreign_next_from_its_login_form(client, target):
    body = html(client.get("/", {"next": target}))
    assert "evil.example" not in body and "javascript:" not in body


def test_login_follows_a_next_on_this_site(client, new_subscriber):
    response = client.post(
        "/comptes/login/",
        {"login": new_subscriber.email, "password": PASSWORD, "next": "/mon-compte/"},
    )
    assert response["Location"] == "/mon-compte/"


@pytest.mark.parametrize("target", FOREIGN)
def test_logout_never_redirects_to_another_site(client, new_subscriber, target):
    client.force_login(new_subscriber)
    response = client.post("/comptes/logout/", {"next": target})
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]
    assert response["Location"].startswith("/") and not response["Location"].startswith("//")


def test_the_session_key_changes_at_login(client, new_subscriber):
    client.get("/")
    session = client.session
    session["marker"] = "before"
    session.save()
    before = session.session_key
    assert client.cookies["sessionid"].value == before
    login(client, new_subscriber.email)
    after = client.cookies["sessionid"].value
    assert after and after != before


def test_logout_by_get_only_asks_for_confirmation(client, new_subscriber):
    client.force_login(new_subscriber)
    response = client.get("/comptes/logout/")
    assert response.status_code == 200
    assert client.get("/espace/").status_code == 200  # still logged in


def test_logout_without_csrf_token_is_refused(new_subscriber):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(new_subscriber)
    response = csrf_client.post("/comptes/logout/")
    assert response.status_code == 403
    assert csrf_client.get("/espace/").status_code == 200
