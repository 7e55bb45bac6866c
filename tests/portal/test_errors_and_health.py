from unittest import mock

import pytest
from django.db import DatabaseError
from django.urls import path

from portal import views as portal_views
from portal.urls import urlpatterns as portal_urlpatterns
from tests.helpers import assert_french_page, html

pytestmark = pytest.mark.django_db


def _boom(request):
    raise RuntimeError("internal detail that must never reach the page")


urlpatterns = [*portal_urlpatterns, path("boom/", _boom)]
handler404 = "portal.views.error_404"
handler500 = "portal.views.error_500"


def test_an_unknown_address_gets_a_french_404_page(client):
    response = client.get("/cette-page-n-existe-pas/")
    assert response.status_code == 404
    assert_french_page(response)
    assert "Cette page n’existe pas" in html(response)


@pytest.mark.urls(__name__)
def test_a_server_error_gets_a_french_500_page_without_details(client):
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    body = html(response)
    assert "Un problème est survenu de notre côté" in body
    assert "internal detail" not in body and "Traceback" not in body
    assert '<html lang="fr">' in body


def test_a_post_without_csrf_token_gets_a_french_403_page(client):
    client.handler.enforce_csrf_checks = True
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    response = csrf_client.post("/", {})
    # The home page only answers GET: the CSRF check runs first all the same.
    assert response.status_code == 403
    assert "Le formulaire a expiré" in html(response)


def test_healthz_answers_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_answers_503_when_the_database_does_not(client):
    with mock.patch.object(portal_views.connection, "cursor", side_effect=DatabaseError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "degraded"}


def test_error_templates_exist_for_429(client):
    from django.template.loader import render_to_string

    body = render_to_string("errors/429.html")
    assert "Trop de tentatives" in body
