"""Every account page: the portal's layout, French, one <h1>, nothing inline (CSP)."""

import re

import pytest

from tests.builders import login
from tests.helpers import assert_french_page, html

pytestmark = pytest.mark.django_db

ANONYMOUS_PAGES = [
    "/",
    "/comptes/login/",
    "/comptes/signup/",
    "/comptes/password/reset/",
    "/comptes/password/reset/done/",
    "/comptes/confirm-email/",
    "/comptes/confirm-email/not-a-key/",
    "/comptes/password/reset/key/1-not-a-key/",
    "/comptes/activation/renvoyer/",
]
SUBSCRIBER_PAGES = [
    "/espace/",
    "/mon-compte/",
    "/mon-compte/supprimer/",
    "/comptes/password/change/",
    "/comptes/email/",
    "/comptes/logout/",
    "/comptes/reauthenticate/",
]
ENGLISH = re.compile(
    r">\s*(Sign In|Sign Up|Sign Out|Password|Email address|Remember Me|Forgot|Submit|"
    r"Change Password|Confirm|Back)\s*<"
)


def assert_portal_page(response) -> None:
    assert response.status_code == 200
    assert_french_page(response)
    body = html(response)
    assert 'href="/static/css/portal.css"' in body
    assert not re.search(r"<script(?![^>]*\ssrc=)", body), "inline script"
    assert " style=" not in body, "inline style"
    assert not ENGLISH.search(body), ENGLISH.search(body)


@pytest.mark.parametrize("url", ANONYMOUS_PAGES)
def test_each_entrance_page_is_a_french_portal_page(client, url):
    assert_portal_page(client.get(url))


@pytest.mark.parametrize("url", SUBSCRIBER_PAGES)
def test_each_subscriber_page_is_a_french_portal_page(client, new_subscriber, url):
    # A real login: it counts as recent authentication for the pages that ask for one.
    login(client, new_subscriber.email)
    assert_portal_page(client.get(url))


@pytest.mark.parametrize("url", ["/espace/", "/mon-compte/", "/mon-compte/supprimer/"])
def test_subscriber_pages_need_a_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/?next=")


def test_form_targets_are_labelled_inputs(client):
    body = html(client.get("/comptes/signup/"))
    for field in ("id_email", "id_password1", "id_password2"):
        assert f'<label for="{field}">' in body
        assert f'id="{field}"' in body
    assert 'aria-describedby="id_password1_helptext"' in body
