"""The tutorial's account steps in a real browser: sign up, activate, log in, reset,
"Se souvenir de moi". Elements are found as a subscriber finds them: by label and role."""

import re

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import Browser, Page, expect

from accounts.models import User
from tests.e2e.helpers import check_page, link_from_mail, log_in, tab_to

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Tortue&Violon9"


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

    page.get_by_label("Adresse e-mail").fill("nouvel.abonne@example.fr")
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_label("Confirmation du mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Valider").click()

    done = "Enregistrement effectué. Un e-mail de confirmation vous a été envoyé."
    expect(page.get_by_text(done)).to_be_visible()
    check_page(page, "signup-done")

    page.goto(link_from_mail(live_server.url, "nouvel.abonne@example.fr", ""))
    expect(page.get_by_role("heading", level=1)).to_have_text("Activez votre compte")
    check_page(page, "activation")
    page.get_by_role("button", name="Confirmer").click()

    expect(page.get_by_role("heading", name="Bienvenue sur votre espace abonné.")).to_be_visible()
    expect(page.get_by_role("link", name="Lier un contrat").first).to_be_visible()
    expect(page.get_by_role("link", name="Effectuer une demande d'abonnement")).to_be_visible()
    check_page(page, "welcome")


RULE_BREAKERS = [
    # (password, the rule it breaks as the checklist words it, the French error)
    ("Ro7!bin", None, None),  # exactly 7 characters: every rule met
    ("Rob7!n", "au moins 7 caractères", "Le mot de passe doit contenir au moins 7 caractères."),
    ("Robinet!", "au moins un chiffre", "Le mot de passe doit contenir au moins un chiffre."),
    (
        "ROBINET7!",
        "au moins une lettre minuscule",
        "Le mot de passe doit contenir au moins une lettre minuscule.",
    ),
    (
        "robinet7!",
        "au moins une lettre majuscule",
        "Le mot de passe doit contenir au moins une lettre majuscule.",
    ),
    (
        "Robinet77",
        "au moins un caractère spécial",
        "Le mot de passe doit contenir au moins un caractère spécial (par exemple ! ? * @ # %).",
    ),
    ("Robinet7!+", "ni « + » ni « - »", "Le mot de passe ne doit contenir ni « + » ni « - »."),
    ("Robi-net7!", "ni « + » ni « - »", "Le mot de passe ne doit contenir ni « + » ni « - »."),
]


def test_each_broken_password_rule_is_ticked_off_live_and_explained_in_french(
    page: Page, live_server
):
    page.goto(live_server.url + "/comptes/signup/")
    checklist = page.locator("[data-password-rules]")
    expect(checklist.locator("li")).to_have_count(6)
    password = page.get_by_label("Mot de passe", exact=True)
    # Screen readers get in words what the tick and the colour show: each rule's state,
    # hidden, and a polite summary once typing pauses (nothing is announced on load).
    summary = page.locator(".password-rules__status")
    expect(summary).to_have_attribute("role", "status")
    expect(summary).to_be_empty()
    unmet, met = re.compile(r"non respectée$"), re.compile(r"^\W*respectée$")
    for state in checklist.locator(".password-rules__state").all():
        expect(state).to_have_text(unmet)

    for typed, broken_rule, error in RULE_BREAKERS:
        password.fill("")
        password.press_sequentially(typed)
        # The live checklist: the broken rule stays open, every other one is ticked.
        for rule in checklist.locator("li").all():
            text = rule.inner_text()
            state = rule.locator(".password-rules__state")
            if broken_rule and broken_rule in text:
                expect(rule).not_to_have_class(re.compile("password-rules__rule--ok"))
                expect(state).to_have_text(unmet)
            else:
                expect(rule).to_have_class(re.compile("password-rules__rule--ok"))
                expect(state).to_have_text(met)
        rules_met = 5 if broken_rule else 6
        expect(summary).to_have_text(f"Règles du mot de passe respectées : {rules_met} sur 6")
        if error is None:
            continue

        page.get_by_label("Adresse e-mail").fill("regles@example.fr")
        page.get_by_label("Confirmation du mot de passe").fill(typed)
        page.get_by_role("button", name="Valider").click()

        expect(password).to_have_attribute("aria-invalid", "true")
        expect(password).to_have_accessible_description(re.compile(re.escape(error)))
        expect(page.get_by_text(error).first).to_be_visible()
        if broken_rule == "au moins un chiffre":
            check_page(page, "signup-password-error")

    assert not User.objects.filter(email="regles@example.fr").exists()


def test_a_forgotten_password_is_replaced_through_the_emailed_link(
    page: Page, live_server, active_subscriber
):
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Mot de passe oublié").click()
    check_page(page, "password-reset")
    page.get_by_label("Adresse e-mail").fill("abonne@example.fr")
    page.get_by_role("button", name="M’envoyer un lien").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Consultez votre messagerie")
    check_page(page, "password-reset-sent")

    page.goto(link_from_mail(live_server.url, "abonne@example.fr", "mot de passe"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Choisissez un nouveau mot de passe")
    check_page(page, "password-reset-new")
    new_password = "Gravier7!Ours"
    page.get_by_label("Nouveau mot de passe", exact=True).fill(new_password)
    page.get_by_label("Confirmation du nouveau mot de passe").fill(new_password)
    page.get_by_role("button", name="Valider").click()

    expect(page.get_by_text("Votre mot de passe a été changé.").first).to_be_visible()
    check_page(page, "password-reset-done")
    log_in(page, live_server.url, "abonne@example.fr", new_password)
    expect(page.get_by_role("heading", name="Bienvenue sur votre espace abonné.")).to_be_visible()


def _reopened_browser(browser: Browser, page: Page):
    """A new context holding only the cookies that outlive the browser (they have an
    expiry): what a subscriber finds after closing and reopening the browser."""
    state = page.context.storage_state()
    state["cookies"] = [c for c in state["cookies"] if c["expires"] != -1]
    return browser.new_context(storage_state=state, locale="fr-FR")


@pytest.mark.parametrize("remember", [True, False], ids=["ticked", "unticked"])
def test_se_souvenir_de_moi_keeps_the_login_after_the_browser_is_closed_only_when_ticked(
    page: Page, browser: Browser, live_server, active_subscriber, remember
):
    log_in(page, live_server.url, "abonne@example.fr", PASSWORD, remember=remember)
    expect(page.get_by_role("heading", name="Bienvenue sur votre espace abonné.")).to_be_visible()

    context = _reopened_browser(browser, page)
    try:
        reopened = context.new_page()
        reopened.goto(live_server.url + "/espace/")
        if remember:
            expect(reopened.get_by_role("heading", level=1)).to_have_text(
                "Bienvenue sur votre espace abonné."
            )
        else:
            expect(reopened.get_by_role("button", name="Se connecter")).to_be_visible()
            assert "/espace/" not in reopened.url.split("?")[0]
    finally:
        context.close()


def test_sign_up_and_login_work_with_the_keyboard_alone_and_the_focus_always_shows(
    page: Page, live_server, active_subscriber
):
    page.goto(live_server.url + "/")
    tab_to(page, "S’inscrire")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("S’inscrire")
    tab_to(page, "Adresse e-mail")
    page.keyboard.type("clavier@example.fr")
    tab_to(page, "Mot de passe")
    page.keyboard.type(PASSWORD)
    tab_to(page, "Confirmation du mot de passe")
    page.keyboard.type(PASSWORD)
    tab_to(page, "Valider")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Enregistrement effectué.")).to_be_visible()
    assert User.objects.filter(email="clavier@example.fr").exists()

    page.goto(link_from_mail(live_server.url, "clavier@example.fr", ""))
    tab_to(page, "Confirmer")
    page.keyboard.press("Space")
    expect(page.get_by_role("heading", name="Bienvenue sur votre espace abonné.")).to_be_visible()

    page.context.clear_cookies()
    page.goto(live_server.url + "/")
    tab_to(page, "Adresse e-mail")
    page.keyboard.type("abonne@example.fr")
    tab_to(page, "Mot de passe")
    page.keyboard.type(PASSWORD)
    tab_to(page, "Se souvenir de moi")
    page.keyboard.press("Space")
    expect(page.get_by_label("Se souvenir de moi")).to_be_checked()
    tab_to(page, "Se connecter")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Bienvenue sur votre espace abonné.")).to_be_visible()
