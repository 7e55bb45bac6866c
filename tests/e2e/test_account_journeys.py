"""The tutorial's account steps in a real browser: sign up, activate, log in, reset,
"Se souvenir de moi". Elements are found as a subscriber finds them: by label and role."""

import re

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import Browser, Page, expect

from accounts.models import User
from tests.e2e.helpers import check_page, link_from_mail, log_in

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Robinet7!"


@pytest.fixture
def active_subscriber(transactional_db) -> User:
    user = User.objects.create_user("abonne@example.fr", PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def test_a_newcomer_signs_up_activates_by_email_and_is_logged_in(page: Page, live_server):
    page.goto(live_server.url + "/")
    check_page(page, "home-anonymous")
    page.get_by_role("link", name="S’inscrire").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("S’inscrire")
    check_page(page, "signup")

    page.get_by_label("Email").fill("nouvel.abonne@example.fr")
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_label("Confirmation du mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Valider").click()

    message = page.get_by_text("Enregistrement effectué. Un email de confirmation vous a été envoyé.")
    expect(message).to_be_visible()
    check_page(page, "signup-done")

    page.goto(link_from_mail(live_server.url, "nouvel.abonne@example.fr", ""))
    expect(page.get_by_role("heading", level=1)).to_have_text("Activez votre compte")
    check_page(page, "activation")
    page.get_by_role("button", name="Confirmer").click()

    expect(page.get_by_role("heading", name="Bienvenue sur votre espace abonné.")).to_be_visible()
    expect(page.get_by_role("link", name="Lier un contrat").first).to_be_visible()
    expect(page.get_by_role("link", name="Effectuer une demande d'abonnement")).to_be_visible()
    check_page(page, "welcome")
