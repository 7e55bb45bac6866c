"""Forgotten password, changing the password and the email address (Mon compte)."""

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from tests.builders import PASSWORD, link_in, login
from tests.helpers import assert_french_page, html

pytestmark = pytest.mark.django_db

RESET = "/comptes/password/reset/"
NEW = "Héron7!Tuile"


def test_the_forgotten_password_page_is_in_french(client):
    response = client.get(RESET)
    assert_french_page(response)
    body = html(response)
    assert "Mot de passe oublié" in body and ">Adresse e-mail<" in body


def test_the_reset_answer_is_the_same_whether_or_not_the_address_exists(client, new_subscriber):
    known = client.post(RESET, {"email": new_subscriber.email}, follow=True)
    unknown = client.post(RESET, {"email": "inconnu@example.fr"}, follow=True)
    assert known.redirect_chain == unknown.redirect_chain
    assert html(known) == html(unknown)
    assert "Si un compte utilise cette adresse" in html(known)
    # The new_subscriber gets a link; the unknown address is told no area uses it.
    assert mail.outbox[0].to == [new_subscriber.email]
    assert mail.outbox[0].subject == "Choisissez un nouveau mot de passe"
    assert "valable 24 heures" in mail.outbox[0].body
    assert mail.outbox[1].to == ["inconnu@example.fr"]
    assert "aucun Espace abonné ne l’utilise" in mail.outbox[1].body


def test_the_full_reset_flow_under_the_rule(client, new_subscriber):
    client.post(RESET, {"email": new_subscriber.email})
    page = client.get(link_in(mail.outbox[0]), follow=True)
    form_url = page.redirect_chain[-1][0]
    assert "Choisissez un nouveau mot de passe" in html(page)
    assert "au moins un caractère spécial" in html(page)
    weak = client.post(form_url, {"password1": "robi-net", "password2": "robi-net"})
    assert "ni « + » ni « - »" in html(weak)
    done = client.post(form_url, {"password1": NEW, "password2": NEW}, follow=True)
    assert done.redirect_chain[-1][0] == reverse("home")
    assert "Votre mot de passe a été changé." in html(done)
    assert ">Se connecter<" in html(done)
    assert login(client, new_subscriber.email, NEW).status_code == 302


def test_a_used_reset_link_says_so(client, new_subscriber):
    client.post(RESET, {"email": new_subscriber.email})
    link = link_in(mail.outbox[0])
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(form_url, {"password1": NEW, "password2": NEW})
    response = client.get(link, follow=True)
    assert "Ce lien ne fonctionne plus" in html(response)
    assert reverse("account_reset_password") in html(response)


def test_a_reset_link_expires_after_24_hours(client, new_subscriber):
    client.post(RESET, {"email": new_subscriber.email})
    link = link_in(mail.outbox[0])
    # Django's reset tokens count in local naive time, which time_machine shifts by the
    # UTC offset: travel well past the 24 hours.
    with time_machine.travel(timezone.now() + timezone.timedelta(hours=26)):
        response = client.get(link, follow=True)
    assert "Ce lien ne fonctionne plus" in html(response)
    assert "24 heures" in html(response)


@pytest.mark.real_password_hashers
def test_changing_the_password_needs_the_current_one_and_the_rule(client, new_subscriber):
    # A real login (not force_login): it counts as a recent authentication.
    login(client, new_subscriber.email)
    url = reverse("account_change_password")
    assert_french_page(client.get(url))
    wrong = client.post(url, {"oldpassword": "Mauvais7!", "password1": NEW, "password2": NEW})
    assert "Merci d&#x27;indiquer votre mot de passe actuel." in html(wrong)
    weak = client.post(
        url, {"oldpassword": PASSWORD, "password1": "abcdefg", "password2": "abcdefg"}
    )
    assert "au moins une lettre majuscule" in html(weak)
    mail.outbox.clear()
    client.post(url, {"oldpassword": PASSWORD, "password1": NEW, "password2": NEW})
    new_subscriber.refresh_from_db()
    assert new_subscriber.check_password(NEW)
    assert new_subscriber.password.startswith("argon2")
    # A security notification goes to the new_subscriber.
    assert [m.subject for m in mail.outbox] == ["Votre mot de passe a été changé"]


def test_a_new_email_address_replaces_the_old_one_only_once_confirmed(client, new_subscriber):
    # A real login (not force_login): it counts as a recent authentication.
    login(client, new_subscriber.email)
    url = reverse("account_email")
    assert_french_page(client.get(url))
    client.post(url, {"action_add": "", "email": "Nouvelle@Example.fr"})
    new_subscriber.refresh_from_db()
    assert new_subscriber.email == "abonne@example.fr"
    confirmation = mail.outbox[-1]
    assert confirmation.to == ["nouvelle@example.fr"]
    assert confirmation.subject == "Confirmez votre adresse e-mail"
    client.post(link_in(confirmation))
    new_subscriber.refresh_from_db()
    assert new_subscriber.email == "nouvelle@example.fr"
    assert list(
        EmailAddress.objects.filter(user=new_subscriber).values_list("email", flat=True)
    ) == ["nouvelle@example.fr"]
    # The old address is told.
    notice = mail.outbox[-1]
    assert notice.to == ["abonne@example.fr"]
    assert notice.subject == "Votre adresse e-mail a été changée"
    assert "nouvelle@example.fr" in notice.body


def test_the_account_page_offers_the_changes_and_deletion(client, new_subscriber):
    client.force_login(new_subscriber)
    response = client.get(reverse("accounts:account"))
    assert_french_page(response)
    body = html(response)
    for text in (
        "Changer mon mot de passe",
        "Changer mon adresse e-mail",
        "Supprimer mon compte",
        "Se déconnecter",
    ):
        assert text in body
    assert reverse("account_change_password") in body
