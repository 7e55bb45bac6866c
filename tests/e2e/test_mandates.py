"""Signing a direct debit mandate and declaring a move out on a phone, as a subscriber:
dashboard → "Prélèvement automatique" → sign (after the password) → the mandate's page;
dashboard → "Je déménage" → the confirmation with "J'emménage". Each page is checked
(axe, width at 375, 320 and 1280 px, 44 px targets) and photographed."""

import datetime
import re

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone
from playwright.sync_api import Page, expect

from contracts.models import MeterReading, Payer
from mandates.models import Mandate, MoveOut
from tests.builders import PASSWORD, link, make_contract, make_user
from tests.e2e.helpers import SCREENSHOTS, check_page, log_in

pytestmark = pytest.mark.django_db(transaction=True)

CONTRACT = "11301.11377.01"


@pytest.fixture
def subscriber(transactional_db):
    payer = Payer.objects.create(reference="P0001", name="Marie Dupont")
    contract = make_contract(payer, CONTRACT, street="12 cours Mirabeau", city="Aix")
    MeterReading.objects.create(contract=contract, date=datetime.date(2026, 1, 10), index=200)
    user = make_user("abonne@example.fr")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    link(user, payer)
    return user


def narrow(page: Page, name: str) -> None:
    """At 320 px too: nothing wider than the screen."""
    page.set_viewport_size({"width": 320, "height": 640})
    width, scroll = page.evaluate("() => [innerWidth, document.documentElement.scrollWidth]")
    page.screenshot(path=SCREENSHOTS / f"{name}-320.png", full_page=True)
    assert scroll <= width, f"{name} scrolls sideways at 320 px: {scroll} > {width}"
    page.set_viewport_size({"width": 375, "height": 800})


def test_a_subscriber_signs_a_mandate_on_a_phone(page: Page, live_server, subscriber):
    page.set_viewport_size({"width": 375, "height": 800})
    log_in(page, live_server.url, "abonne@example.fr", PASSWORD)
    page.goto(f"{live_server.url}/contrats/{CONTRACT}/")
    page.get_by_role("link", name="Prélèvement automatique").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Prélèvement automatique")
    check_page(page, "mandate-home")
    narrow(page, "mandate-home")
    page.get_by_role("link", name="Signer un mandat de prélèvement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Signer un mandat de prélèvement")
    check_page(page, "mandate-sign")
    narrow(page, "mandate-sign")

    # A wrong IBAN first: a French message tied to the field.
    page.get_by_label("Adresse du titulaire du compte").fill("12 cours Mirabeau, 13100 Aix")
    page.get_by_label("IBAN", exact=True).fill("FR76 3000 6000 0112 3456 7890 188")
    page.get_by_label("Mensualisation").check()
    page.get_by_label("Jour du prélèvement mensuel").select_option("10")
    page.get_by_label(re.compile("^Je suis titulaire de ce compte")).check()
    page.get_by_role("button", name="Signer le mandat").click()
    expect(page.locator(".error-summary")).to_contain_text("Cet IBAN n’est pas valide")
    check_page(page, "mandate-sign-error")

    page.get_by_label("IBAN", exact=True).fill("fr76 3000 6000 0112 3456 7890 189")
    page.get_by_label(re.compile("^Je suis titulaire de ce compte")).check()
    page.get_by_role("button", name="Signer le mandat").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^Mandat REPA-"))
    expect(page.locator("main")).to_contain_text("FR76 •••• •••• •••• •••• •••• 189")
    expect(page.locator("main")).not_to_contain_text("0112 3456")
    check_page(page, "mandate-detail")
    narrow(page, "mandate-detail")
    mandate = Mandate.objects.get()
    assert mandate.debit_day == 10

    page.get_by_role("link", name="Arrêter ce prélèvement").click()
    check_page(page, "mandate-stop")
    narrow(page, "mandate-stop")
    page.get_by_role("button", name="Oui, arrêter le prélèvement").click()
    expect(page.locator("main")).to_contain_text("Vous avez demandé l’arrêt de ce prélèvement")


def test_a_subscriber_declares_a_move_out_on_a_phone(page: Page, live_server, subscriber):
    page.set_viewport_size({"width": 375, "height": 800})
    log_in(page, live_server.url, "abonne@example.fr", PASSWORD)
    page.goto(f"{live_server.url}/contrats/{CONTRACT}/")
    page.get_by_role("link", name="Je déménage").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Je déménage")
    check_page(page, "move-out")
    narrow(page, "move-out")
    leaving = timezone.localdate() + datetime.timedelta(days=20)
    page.get_by_label("Date de votre départ").fill(leaving.isoformat())
    page.get_by_label("Index du compteur ce jour-là, en m³").fill("150")
    page.get_by_label("Votre nouvelle adresse, pour la facture de clôture").fill(
        "3 rue des Lilas, 13090 Aix-en-Provence"
    )
    page.get_by_role("button", name="Envoyer ma déclaration de départ").click()
    expect(page.locator(".error-summary")).to_contain_text("dernier index connu (200 m³)")
    page.get_by_label("Index du compteur ce jour-là, en m³").fill("251")
    page.get_by_role("button", name="Envoyer ma déclaration de départ").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Votre déclaration de départ a bien été reçue"
    )
    check_page(page, "move-out-filed")
    narrow(page, "move-out-filed")
    assert MoveOut.objects.get().meter_index == 251
    page.get_by_role("link", name="J’emménage").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("abonnement"))
