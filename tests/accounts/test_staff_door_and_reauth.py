"""One door for staff (portal login + TOTP), re-authentication, the sessions list."""

import datetime

import pytest
import time_machine
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.test import Client

from accounts.mfa import fernet
from accounts.models import User
from contracts.models import Payer
from tests.builders import PASSWORD, CommittingClient, link, login, make_contract
from tests.helpers import assert_french_page, html

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def staff(db) -> User:
    user = User.objects.create_user("agent@eauxdupaysdaix.fr", PASSWORD, is_staff=True)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def current_code(secret: str) -> str:
    counter = int(datetime.datetime.now(tz=datetime.UTC).timestamp()) // 30
    return format_hotp_value(hotp_value(secret, counter))


# --- One door for staff ----------------------------------------------------------------


def test_the_admin_login_page_sends_visitors_to_the_portal_login(client):
    response = client.get("/gestion/login/?next=/gestion/")
    assert response.status_code == 302
    assert response["Location"] == "/?next=%2Fgestion%2F"


def test_the_admin_login_form_cannot_log_anyone_in(client, staff):
    response = client.post(
        "/gestion/login/", {"username": staff.email, "password": PASSWORD, "next": "/gestion/"}
    )
    assert response.status_code == 302 and response["Location"].startswith("/?next=")
    assert "_auth_user_id" not in client.session


def test_staff_without_totp_are_sent_to_set_it_up_before_any_admin_page(client, staff):
    login(client, staff.email)
    for path in ("/gestion/", "/gestion/accounts/user/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"] == "/comptes/2fa/totp/activate/"
    page = client.get("/comptes/2fa/totp/activate/")
    assert_french_page(page)
    body = html(page)
    assert "doivent utiliser l’authentification à deux facteurs" in body
    assert 'alt="QR code à scanner avec votre application d’authentification"' in body


def test_staff_set_up_totp_get_recovery_codes_and_then_reach_the_admin(client, staff):
    login(client, staff.email)
    page = client.get("/comptes/2fa/totp/activate/")
    secret = page.context["form"].secret
    response = client.post("/comptes/2fa/totp/activate/", {"code": current_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=staff, type=Authenticator.Type.TOTP).exists()
    assert Authenticator.objects.filter(user=staff, type=Authenticator.Type.RECOVERY_CODES).exists()
    assert client.get("/gestion/").status_code == 200


def test_staff_with_totp_need_the_code_after_the_password(staff):
    secret = generate_totp_secret()
    TOTP.activate(staff, secret)
    client = CommittingClient()
    response = login(client, staff.email)
    assert response.status_code == 302
    assert response["Location"].startswith("/comptes/2fa/authenticate/")
    assert "_auth_user_id" not in client.session
    assert client.get("/gestion/").status_code == 302
    wrong = client.post("/comptes/2fa/authenticate/", {"code": "000000"})
    assert wrong.status_code == 200 and "_auth_user_id" not in client.session
    client.post("/comptes/2fa/authenticate/", {"code": current_code(secret)})
    assert client.session["_auth_user_id"] == str(staff.pk)
    assert client.get("/gestion/").status_code == 200


def test_a_recovery_code_opens_the_door_once(staff):
    TOTP.activate(staff, generate_totp_secret())
    code = RecoveryCodes.activate(staff).get_unused_codes()[0]
    client = CommittingClient()
    login(client, staff.email)
    client.post("/comptes/2fa/authenticate/", {"code": code})
    assert client.session["_auth_user_id"] == str(staff.pk)
    again = CommittingClient()
    login(again, staff.email)
    again.post("/comptes/2fa/authenticate/", {"code": code})
    assert "_auth_user_id" not in again.session


def test_totp_secrets_are_encrypted_at_rest(staff):
    secret = generate_totp_secret()
    TOTP.activate(staff, secret)
    stored = Authenticator.objects.get(user=staff, type=Authenticator.Type.TOTP).data["secret"]
    assert secret not in stored
    assert fernet().decrypt(stored.encode()).decode() == secret


def test_the_staff_login_is_throttled_like_any_other(client, staff):
    for _ in range(5):
        login(client, staff.email, "Mauvais7!Code")
    response = login(client, staff.email)
    assert "la connexion est suspendue jusqu’à" in html(response)


def test_subscribers_can_turn_on_two_factor_from_my_account(client, new_subscriber):
    login(client, new_subscriber.email)
    body = html(client.get("/mon-compte/"))
    assert "Authentification à deux facteurs" in body and 'href="/comptes/2fa/"' in body
    assert client.get("/comptes/2fa/totp/activate/").status_code == 200
    # Subscribers are not forced: their pages open without it.
    assert client.get("/espace/").status_code == 200


# --- Re-authentication before sensitive changes --------------------------------------------

SENSITIVE = [
    "/comptes/password/change/",
    "/comptes/email/",
    "/mon-compte/supprimer/",
    "/comptes/2fa/totp/activate/",
]


@pytest.mark.parametrize("path", SENSITIVE)
def test_sensitive_pages_ask_for_the_password_again_after_10_minutes(client, new_subscriber, path):
    with time_machine.travel(START, tick=False) as clock:
        login(client, new_subscriber.email)
        assert client.get(path).status_code == 200
        clock.shift(datetime.timedelta(minutes=11))
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/comptes/reauthenticate/?next=")
        page = client.get(response["Location"])
        assert_french_page(page)
        assert "Confirmer l’accès" in html(page) or "Confirmer l'accès" in html(page)
        back = client.post(response["Location"], {"password": PASSWORD})
        assert back["Location"] == path
        assert client.get(path).status_code == 200


def test_unlinking_a_payer_asks_for_the_password_again_after_10_minutes(client, new_subscriber):
    payer = Payer.objects.create(reference="P1", name="M. Durand")
    make_contract(payer, "12345.67890.12")
    link(new_subscriber, payer)
    url = f"/espace/mes-contrats/{payer.pk}/delier/"
    with time_machine.travel(START, tick=False) as clock:
        login(client, new_subscriber.email)
        clock.shift(datetime.timedelta(minutes=11))
        response = client.post(url)
        assert response["Location"].startswith("/comptes/reauthenticate/")
        assert new_subscriber.payer_links.count() == 1
        # Once the password is typed, allauth carries out the interrupted request.
        done = client.post(response["Location"], {"password": PASSWORD})
        assert done["Location"] == "/espace/mes-contrats/"
        assert new_subscriber.payer_links.count() == 0


def test_a_wrong_password_at_reauthentication_is_refused_in_french(client, new_subscriber):
    with time_machine.travel(START, tick=False) as clock:
        login(client, new_subscriber.email)
        clock.shift(datetime.timedelta(minutes=11))
        response = client.post("/comptes/reauthenticate/", {"password": "Mauvais7!Code"})
        assert response.status_code == 200
        assert "aria-invalid" in html(response)
        assert client.get("/comptes/password/change/").status_code == 302


# --- Active sessions -----------------------------------------------------------------------

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0"
SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1"
)


def test_my_account_lists_active_sessions_and_ends_the_others(new_subscriber):
    phone = CommittingClient(HTTP_USER_AGENT=SAFARI, REMOTE_ADDR="198.51.100.20")
    login(phone, new_subscriber.email)
    desk = CommittingClient(HTTP_USER_AGENT=FIREFOX, REMOTE_ADDR="203.0.113.5")
    login(desk, new_subscriber.email)
    page = desk.get("/comptes/sessions/")
    assert_french_page(page)
    body = html(page)
    assert "Firefox sur Windows" in body and "Safari sur iPhone" in body
    assert "198.51.100.20" in body and "203.0.113.5" in body
    assert "cet appareil" in body
    assert "Mettre fin aux autres sessions" in body
    desk.post("/comptes/sessions/")
    assert phone.get("/mon-compte/").status_code == 302
    assert desk.get("/mon-compte/").status_code == 200


def test_the_sessions_list_needs_a_login_and_csrf(new_subscriber):
    assert Client().get("/comptes/sessions/").status_code == 302
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(new_subscriber)
    assert strict.post("/comptes/sessions/").status_code == 403


def test_the_sessions_list_follows_activity_at_most_once_a_minute(new_subscriber):
    from allauth.usersessions.models import UserSession

    with time_machine.travel(START, tick=False) as clock:
        client = CommittingClient(REMOTE_ADDR="198.51.100.20")
        login(client, new_subscriber.email)
        client.get("/mon-compte/", REMOTE_ADDR="203.0.113.9")
        session = UserSession.objects.get(user=new_subscriber)
        assert session.ip == "198.51.100.20"  # within the minute: nothing written
        clock.shift(datetime.timedelta(minutes=2))
        client.get("/mon-compte/", REMOTE_ADDR="203.0.113.9")
        session.refresh_from_db()
        assert session.ip == "203.0.113.9"
        assert session.last_seen_at == START + datetime.timedelta(minutes=2)


def test_activity_from_the_same_device_and_address_is_one_update(new_subscriber):
    from allauth.usersessions.models import UserSession
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with time_machine.travel(START, tick=False) as clock:
        client = CommittingClient(REMOTE_ADDR="198.51.100.20")
        login(client, new_subscriber.email)
        clock.shift(datetime.timedelta(minutes=2))
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/mon-compte/").status_code == 200
        session = UserSession.objects.get(user=new_subscriber)
        assert session.last_seen_at == START + datetime.timedelta(minutes=2)
        assert session.ip == "198.51.100.20"
        touching = [q["sql"] for q in captured if "usersessions_usersession" in q["sql"]]
        assert len(touching) == 1 and touching[0].startswith("UPDATE"), touching


def test_the_second_factor_page_is_french_and_labelled(staff):
    TOTP.activate(staff, generate_totp_secret())
    client = CommittingClient()
    login(client, staff.email)
    page = client.get("/comptes/2fa/authenticate/")
    assert_french_page(page)
    body = html(page)
    assert "Code affiché par votre application, ou code de récupération" in body
    assert 'autocomplete="one-time-code"' in body and "placeholder" not in body
