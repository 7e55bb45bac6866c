"""Self-services at 375 px: a subscriber downloads an attestation d'abonnement from the
dashboard's "Mes démarches en ligne", and its public check page confirms it (without an
account); the paper-free invoice page fits the screen too."""

import io
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from accounts.models import User
from contracts.models import AccountPayerLink, Contract
from demo.management.commands.seed_demo import DEMO_EMAIL, DEMO_PASSWORD
from tests.builders import add_invoice
from tests.e2e.helpers import check_page, log_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("demo")]

NUMBER = "11301.11377.01"


def fits(page: Page, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    scroll_width, inner_width = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert scroll_width <= inner_width, f"horizontal scroll at {width} px"


def test_a_subscriber_downloads_an_attestation_and_its_code_checks_out(page: Page, live_server):
    contract = Contract.objects.get(number=NUMBER)
    AccountPayerLink.objects.create(user=User.objects.get(email=DEMO_EMAIL), payer=contract.payer)
    page.set_viewport_size({"width": 375, "height": 812})
    log_in(page, live_server.url, DEMO_EMAIL, DEMO_PASSWORD)
    page.goto(f"{live_server.url}/contrats/{NUMBER}/")
    page.get_by_role("link", name="Attestation d’abonnement").click()
    expect(page.get_by_role("heading", name="Attestation d’abonnement")).to_be_visible()
    check_page(page, "attestation")
    page.set_viewport_size({"width": 375, "height": 812})
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Télécharger mon attestation (PDF)").click()
    download = download_info.value
    assert download.suggested_filename.startswith("attestation-abonnement-")
    with open(download.path(), "rb") as file:
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(file.read())).pages)
    code = re.search(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", text).group(0)
    assert contract.payer.name in text

    # A landlord, without an account, types the address printed on the paper.
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/verifier/{code}/")
    expect(page.get_by_role("heading", name="Attestation authentique")).to_be_visible()
    expect(page.get_by_text(f"à {contract.payer.name} pour")).to_be_visible()
    check_page(page, "attestation-verify")
    for width in (375, 320):
        fits(page, width)
    page.screenshot(path="tests/e2e/screenshots/attestation-verify-320.png", full_page=True)

    page.goto(f"{live_server.url}/verifier/")
    check_page(page, "attestation-verify-form")


def test_the_paper_free_invoice_page_fits_a_phone(page: Page, live_server):
    contract = Contract.objects.get(number=NUMBER)
    AccountPayerLink.objects.create(user=User.objects.get(email=DEMO_EMAIL), payer=contract.payer)
    log_in(page, live_server.url, DEMO_EMAIL, DEMO_PASSWORD)
    page.goto(f"{live_server.url}/contrats/{NUMBER}/facture-electronique/")
    page.get_by_label("Par e-mail uniquement").check()
    page.get_by_role("button", name="Enregistrer mon choix").click()
    expect(page.get_by_text("Votre choix est enregistré")).to_be_visible()
    check_page(page, "einvoice")
    for width in (375, 320):
        fits(page, width)
    page.screenshot(path="tests/e2e/screenshots/einvoice-320.png", full_page=True)


def test_the_leak_relief_page_fits_a_phone(page: Page, live_server):
    contract = Contract.objects.get(number=NUMBER)
    AccountPayerLink.objects.create(user=User.objects.get(email=DEMO_EMAIL), payer=contract.payer)
    today = timezone.localdate()
    add_invoice(
        contract,
        "F-LEAK",
        today.isoformat(),
        today.isoformat(),
        "300",
        "300",
        volume_m3=Decimal("900"),
    )
    log_in(page, live_server.url, DEMO_EMAIL, DEMO_PASSWORD)
    page.goto(f"{live_server.url}/contrats/{NUMBER}/factures/F-LEAK/")
    page.get_by_role("link", name="Demander un écrêtement pour fuite").click()
    expect(page.get_by_role("heading", name="Demander un écrêtement pour fuite")).to_be_visible()
    check_page(page, "leak")
    page.get_by_role("button", name="Envoyer ma demande").click()
    expect(page.get_by_text("Joignez l’attestation du plombier").first).to_be_visible()
    check_page(page, "leak-errors")
    for width in (375, 320):
        fits(page, width)
    page.screenshot(path="tests/e2e/screenshots/leak-errors-320.png", full_page=True)
