"""Login on the home page: remember me, one generic error, rate limits, welcome page."""

import pytest
from django.urls import reverse

from tests.builders import PASSWORD, login
from tests.helpers import assert_french_page, html

pytestmark = pytest.mark.django_db

GENERIC_ERROR = "L’adresse e-mail ou le mot de passe sont incorrects."


def test_the_home_page_has_the_tutorial_login_form(client):
    response = client.get(reverse("home"))
    assert_french_page(response)
    body = html(response)
    for text in (
        ">Adresse e-mail<",
        ">Mot de passe<",
        "Mot de passe oublié",
        "Se souvenir de moi",
        ">Se connecter<",
        "S’inscrire",
    ):
        assert text in body, text
    assert 'action="/comptes/login/"' in body
    assert 'autocomplete="email"' in body and 'autocomplete="current-password"' in body
    assert f'href="{reverse("account_reset_password")}"' in body


def test_a_subscriber_logs_in_and_lands_on_the_welcome_page(client, new_subscriber):
    response = login(client, new_subscriber.email)
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert_french_page(page)
    body = html(page)
    assert "Bienvenue sur votre espace abonné." in body
    assert "Pour lier un contrat d'eau à votre compte munissez-vous d'une facture." in body
    assert ">Mon compte<" in body
    assert ">Se déconnecter<" in body


def test_login_is_case_insensitive_on_the_email(client, new_subscriber):
    assert login(client, "ABONNE@Example.FR").status_code == 302


def test_remember_me_keeps_the_session_for_thirty_days(client, new_subscriber, settings):
    login(client, new_subscriber.email, remember=True)
    assert not client.session.get_expire_at_browser_close()
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE == 30 * 24 * 3600
    assert client.cookies["sessionid"]["max-age"]


def test_without_remember_me_the_session_ends_with_the_browser(client, new_subscriber):
    login(client, new_subscriber.email, remember=False)
    assert client.session.get_expire_at_browser_close()
    assert not client.cookies["sessionid"]["max-age"]


@pytest.mark.parametrize(
    ("email", "password"),
    [("abonne@example.fr", "Mauvais7!"), ("inconnu@example.fr", PASSWORD)],
    ids=["wrong-password", "unknown-email"],
)
def test_a_wrong_email_or_password_gets_one_generic_french_message(
    client, new_subscriber, email, password
):
    response = login(client, email, password)
    assert response.status_code == 200
    assert_french_page(response)
    assert GENERIC_ERROR in html(response)
    assert "_auth_user_id" not in client.session


def test_the_welcome_page_needs_a_login(client):
    response = client.get(reverse("contracts:area"))
    assert response.status_code == 302
    assert response["Location"] == "/?next=/espace/"


def test_after_login_the_subscriber_goes_back_where_they_were_heading(client, new_subscriber):
    body = html(client.get("/?next=/mon-compte/"))
    assert 'name="next" value="/mon-compte/"' in body
    response = client.post(
        "/comptes/login/",
        {"login": new_subscriber.email, "password": PASSWORD, "next": "/mon-compte/"},
    )
    assert response["Location"] == "/mon-compte/"


def test_a_logged_in_subscriber_visiting_home_goes_to_their_area(client, new_subscriber):
    client.force_login(new_subscriber)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("contracts:area")


def test_logout_is_a_post_from_the_header(client, new_subscriber):
    client.force_login(new_subscriber)
    body = html(client.get(reverse("contracts:area")))
    assert 'method="post" action="/comptes/logout/"' in body
    response = client.post("/comptes/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_repeated_failures_on_one_address_are_stopped(client, new_subscriber):
    for _ in range(5):
        login(client, new_subscriber.email, "Mauvais7!")
    response = login(client, new_subscriber.email, PASSWORD)
    # The per-account lock (tests/accounts/test_throttling.py) answers before allauth's.
    assert "la connexion est suspendue jusqu’à" in html(response)
    assert "_auth_user_id" not in client.session


def test_too_many_logins_from_one_address_get_a_french_429(client, new_subscriber, settings):
    # Production allows 30 a minute per IP; three keep the test quick.
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "3/m/ip"}
    for i in range(3):
        login(client, f"x{i}@example.fr", "Mauvais7!")
    response = login(client, new_subscriber.email, PASSWORD)
    assert response.status_code == 429
    assert_french_page(response)
    body = html(response)
    assert "Trop de tentatives" in body
    # The real minute allauth's limit lifts, and the Régie's phone (tests/accounts/test_lockout.py).
    assert "la connexion est suspendue jusqu’à" in body
    assert "04 13 57 39 00" in body
    assert 0 < int(response["Retry-After"]) <= 120


def test_the_client_ip_comes_from_our_proxy_only(rf, settings):
    from allauth.account.adapter import get_adapter

    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9", REMOTE_ADDR="10.0.0.2")
    assert get_adapter().get_client_ip(request) == "203.0.113.9"


def test_rate_limits_use_a_cache_shared_by_every_process(settings):
    # The database cache by default, Redis when CACHE_URL says so (CI's second pass);
    # never a per-process cache, which would let each gunicorn worker count apart.
    backend = settings.CACHES["default"]["BACKEND"]
    assert backend.endswith(("DatabaseCache", "RedisCache"))
    assert not backend.endswith(("LocMemCache", "DummyCache"))
    assert settings.ACCOUNT_RATE_LIMITS["login_failed"]
