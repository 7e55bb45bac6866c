"""The public body's duties in a real browser: the accessibility declaration reached from
every footer, the site map, the privacy page, an invoice read without its PDF, and the
subscriber's data read and downloaded. check_page runs the scripted RGAA criteria."""

import json
import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from demo.management.commands.seed_demo import DEMO_EMAIL, DEMO_PASSWORD
from tests.e2e.helpers import check_page, log_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("url_name", ["accessibility", "privacy", "site_map"])
def test_public_service_page_is_accessible_and_fits_a_phone(page: Page, live_server, url_name):
    response = page.goto(live_server.url + reverse(url_name))
    assert response is not None and response.status == 200
    expect(page.locator("h1")).to_have_count(1)
    check_page(page, url_name.replace("_", "-"))


def test_the_home_footer_mention_leads_to_the_declaration_and_its_recourse(page: Page, live_server):
    page.goto(live_server.url + "/")
    footer = page.get_by_role("contentinfo")
    footer.get_by_role("link", name="Accessibilité : non conforme").click()
    expect(page).to_have_url(re.compile(r"/accessibilite/$"))
    expect(page.get_by_role("heading", name="Voies de recours")).to_be_visible()
    expect(page.get_by_text("Libre réponse 71120")).to_be_visible()
    page.get_by_role("main").get_by_role("link", name="formulaire de contact").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Contacter")


@pytest.mark.usefixtures("demo")
def test_a_subscriber_reads_an_invoice_without_the_pdf_and_downloads_their_data(
    page: Page, live_server
):
    log_in(page, live_server.url, DEMO_EMAIL, DEMO_PASSWORD)
    page.get_by_role("main").get_by_role("link", name="Lier un contrat").click()
    page.get_by_label("Numéro de contrat").fill("11301.11377.01")
    page.get_by_label("Clé").fill("DEMO-AIX1")
    page.get_by_role("button", name="Lier un contrat").click()
    expect(page.get_by_text("Liaison enregistrée.")).to_be_visible()

    page.goto(live_server.url + "/contrats/11301.11377.01/factures/")
    page.get_by_role("link", name=re.compile(r"^Voir la facture .+$")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Facture "))
    expect(page.get_by_text("Montant TTC")).to_be_visible()
    check_page(page, "invoice-page")

    page.get_by_text("Mon compte").click()
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Mes données"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes données")
    check_page(page, "my-data")

    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger mes données (fichier JSON)").click()
    data = json.loads(download.value.path().read_text(encoding="utf-8"))
    assert data["account"]["email"] == DEMO_EMAIL
    assert [c["number"] for p in data["payers"] for c in p["contracts"]]

    page.get_by_role("link", name="Lire mes données sous forme de page").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Toutes mes données")
    expect(page.get_by_text(DEMO_EMAIL).first).to_be_visible()
    check_page(page, "my-data-export")
