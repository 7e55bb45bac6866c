"""Sign-up, the activation email and the "Confirmer" page (tutorial, section 1)."""

from unittest import mock

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.contrib.auth import hashers
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from tests.builders import PASSWORD, link_in, login
from tests.helpers import assert_french_page, html

pytestmark = pytest.mark.django_db

SIGNUP = "/comptes/signup/"
DONE = "Enregistrement effectué. Un e-mail de confirmation vous a été envoyé."


def sign_up(client, email="nouvelle@example.fr", password=PASSWORD, confirmation=None):
    return client.post(
        SIGNUP,
        {"email": email, "password1": password, "password2": confirmation or password},
        follow=True,
    )


def test_the_home_page_leads_to_the_signup_page(client):
    body = html(client.get(reverse("home")))
    assert f'href="{SIGNUP}"' in body
    assert "S&#x27;inscrire" in body or "S’inscrire" in body or "S'inscrire" in body


def test_the_signup_page_has_the_tutorial_wording(client):
    response = client.get(SIGNUP)
    assert response.status_code == 200
    assert_french_page(response)
    body = html(response)
    assert "Veuillez indiquer l’adresse e-mail pour votre compte et un mot de passe." in body
    assert "redevable" in body
    for label in (">Adresse e-mail<", ">Mot de passe<", ">Confirmation du mot de passe<"):
        assert label in body
    assert ">Valider<" in body and ">Retour<" in body
    # The rule is shown before typing, and the script that ticks it is a static file.
    assert "au moins un caractère spécial" in body
    assert 'src="/static/js/password-rules.js"' in body
    assert 'autocomplete="new-password"' in body and 'autocomplete="email"' in body


def test_a_valid_signup_shows_the_green_message_and_sends_an_activation_email(client):
    response = sign_up(client)
    assert response.status_code == 200
    assert DONE in html(response)
    assert "message--success" in html(response)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nouvelle@example.fr"]
    assert message.subject == "Activez votre Espace abonné"
    assert "Régie des Eaux du Pays d'Aix" in message.body
    assert "valable 3 jours" in message.body
    html_body = message.alternatives[0][0]
    assert "Régie des Eaux" in html_body and "<img" not in html_body
    user = User.objects.get(email="nouvelle@example.fr")
    assert not EmailAddress.objects.get(user=user).verified


def test_a_signup_with_a_taken_address_looks_exactly_the_same(client, new_subscriber):
    new = sign_up(client, email="autre@example.fr")
    taken = sign_up(client, email=new_subscriber.email.upper())
    assert taken.status_code == new.status_code == 200
    assert taken.redirect_chain == new.redirect_chain
    assert html(taken).replace("autre@example.fr", "X") == html(new).replace(
        "autre@example.fr", "X"
    )
    assert DONE in html(taken)
    assert new_subscriber.email not in html(taken)
    # The owner of the address is told that they already have an account.
    already = mail.outbox[-1]
    assert already.to == [new_subscriber.email]
    assert already.subject == "Vous avez déjà un Espace abonné"
    assert User.objects.filter(email__iexact=new_subscriber.email).count() == 1


def test_a_taken_address_costs_as_much_work_as_a_new_one(client, new_subscriber):
    """Both paths hash the password once, so their timing cannot tell them apart.

    Counted, not timed: a timed assertion would be flaky on a loaded machine.
    """
    counts = []
    for email in ("chrono@example.fr", new_subscriber.email):
        spy = mock.Mock(wraps=hashers.make_password)
        with (
            mock.patch("django.contrib.auth.base_user.make_password", new=spy),
            mock.patch("accounts.views.make_password", new=spy),
        ):
            sign_up(client, email=email)
        counts.append(spy.call_count)
    assert counts[0] == counts[1] >= 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"email": "pas-une-adresse", "password1": PASSWORD, "password2": PASSWORD},
            "Saisissez une adresse e-mail valide.",
        ),
        (
            {"email": "a" * 250 + "@example.fr", "password1": PASSWORD, "password2": PASSWORD},
            "au plus 254 caractères",
        ),
        (
            {"email": "nul\x00@example.fr", "password1": PASSWORD, "password2": PASSWORD},
            "Le caractère nul n’est pas autorisé.",
        ),
        ({"email": "x" * 10000, "password1": "y" * 10000, "password2": "z" * 10000}, "au plus"),
        (
            {"email": "ok@example.fr", "password1": PASSWORD, "password2": PASSWORD + "x"},
            "Vous devez saisir deux fois le même mot de passe.",
        ),
        (
            {"email": "ok@example.fr", "password1": "robinet", "password2": "robinet"},
            "au moins une lettre majuscule",
        ),
    ],
    ids=["malformed", "too-long", "nul-byte", "10kB", "mismatch", "weak"],
)
def test_a_bad_signup_gets_french_errors_never_a_500(client, data, message):
    response = client.post(SIGNUP, data)
    assert response.status_code == 200
    body = html(response)
    assert message in body
    assert 'class="error-summary"' in body
    assert 'aria-invalid="true"' in body
    assert not User.objects.exists()
    assert mail.outbox == []


def test_errors_are_tied_to_their_fields(client):
    body = html(client.post(SIGNUP, {"email": "x", "password1": "a", "password2": "b"}))
    assert 'aria-describedby="id_email_error"' in body
    assert 'id="id_email_error"' in body
    assert 'href="#id_email"' in body


def test_the_activation_link_shows_a_confirm_button_and_a_get_does_not_activate(client):
    sign_up(client)
    link = link_in(mail.outbox[0])
    response = client.get(link)
    assert response.status_code == 200
    assert_french_page(response)
    assert ">Confirmer<" in html(response)
    client.get(link)
    assert not EmailAddress.objects.get(email="nouvelle@example.fr").verified


def test_the_full_journey_signup_email_confirm_then_login(client):
    sign_up(client)
    link = link_in(mail.outbox[0])
    response = client.post(link, follow=True)
    assert EmailAddress.objects.get(email="nouvelle@example.fr").verified
    # Confirming logs in, in the browser that signed up, and leads to the welcome page.
    assert response.redirect_chain[-1][0] == reverse("contracts:area")
    assert "Bienvenue sur votre espace abonné." in html(response)
    client.post("/comptes/logout/")
    response = login(client, "nouvelle@example.fr")
    assert response.status_code == 302
    assert response["Location"] == reverse("contracts:area")


def test_a_used_link_says_so_and_offers_a_new_one(client):
    sign_up(client)
    link = link_in(mail.outbox[0])
    client.post(link)
    for response in (client.get(link), client.post(link)):
        assert response.status_code == 200
        body = html(response)
        assert "Ce lien ne fonctionne plus" in body
        assert reverse("accounts:resend_activation") in body


def test_an_expired_link_says_so_and_offers_a_new_one(client):
    sign_up(client)
    link = link_in(mail.outbox[0])
    with time_machine.travel(timezone.now() + timezone.timedelta(days=3, minutes=1)):
        response = client.get(link)
        assert "Ce lien ne fonctionne plus" in html(response)
        client.post(link)
    assert not EmailAddress.objects.get(email="nouvelle@example.fr").verified


def test_a_link_is_still_valid_after_two_days(client):
    sign_up(client)
    link = link_in(mail.outbox[0])
    with time_machine.travel(timezone.now() + timezone.timedelta(days=2)):
        client.post(link)
    assert EmailAddress.objects.get(email="nouvelle@example.fr").verified


def test_a_forged_link_says_so(client):
    response = client.get("/comptes/confirm-email/forged-key:xyz/")
    assert response.status_code == 200
    assert "Ce lien ne fonctionne plus" in html(response)


def test_logging_in_before_activation_resends_the_email_and_offers_another(
    client, inactive_subscriber
):
    response = login(client, inactive_subscriber.email)
    assert response.status_code == 302
    page = client.get(response["Location"])
    body = html(page)
    assert "Activez votre compte" in body
    assert reverse("accounts:resend_activation") in body
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [inactive_subscriber.email]
    assert "_auth_user_id" not in client.session


def test_a_new_activation_link_can_be_asked_for_and_is_rate_limited(client, inactive_subscriber):
    url = reverse("accounts:resend_activation")
    assert_french_page(client.get(url))
    response = client.post(url, {"email": inactive_subscriber.email}, follow=True)
    assert "un nouvel e-mail d’activation vient de lui être envoyé" in html(response)
    assert len(mail.outbox) == 1
    # A second request within the cooldown gets the same answer but no second email.
    response = client.post(url, {"email": inactive_subscriber.email}, follow=True)
    assert "un nouvel e-mail d’activation vient de lui être envoyé" in html(response)
    assert len(mail.outbox) == 1
    # An unknown address gets the same answer and no email.
    response = client.post(url, {"email": "inconnu@example.fr"}, follow=True)
    assert "un nouvel e-mail d’activation vient de lui être envoyé" in html(response)
    assert len(mail.outbox) == 1
