"""The tutorial's contract steps in a real browser (§2 and §3): link a contract with the
number and key of an invoice, link a second payer's contract from "Mon compte", switch
contract with the selector at the top, read and download invoices.

The data is `seed_demo`'s (what `make run` shows): the demo account starts with no link.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from demo.management.commands.seed_demo import DEMO_EMAIL, DEMO_PASSWORD
from tests.e2e.helpers import check_page, log_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("demo")]

LINKED = "Liaison enregistrée."


def link_contract(page: Page, number: str, key: str) -> None:
    page.get_by_label("Numéro de contrat").fill(number)
    page.get_by_label("Clé").fill(key)
    page.get_by_role("button", name="Lier un contrat").click()


def test_a_subscriber_links_a_contract_typed_without_dots_and_sees_its_dashboard(
    page: Page, live_server
):
    log_in(page, live_server.url, DEMO_EMAIL, DEMO_PASSWORD)
    expect(page.get_by_role("heading", name="Bienvenue sur votre espace abonné.")).to_be_visible()
    page.get_by_role("main").get_by_role("link", name="Lier un contrat").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lier un contrat")
    check_page(page, "link")

    link_contract(page, "113011137701", "DEMO-XXXX")
    summary = page.get_by_role("alert", name="Veuillez corriger les points suivants :")
    expect(summary).to_contain_text("Le numéro de contrat ou la clé est incorrect.")
    check_page(page, "link-error")

    link_contract(page, "113011137701", "DEMO-AIX1")

    expect(page.get_by_text(LINKED)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/contrats/11301\.11377\.01/$"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator(".switcher__current")).to_contain_text("12 cours Mirabeau")
    check_page(page, "dashboard")

    # The contract's other pages, as the tabs under the selector open them.
    tabs = page.get_by_role("navigation", name="Pages de ce contrat")
    for tab, name in [("Mon contrat", "details"), ("Consommations", "consumption")]:
        tabs.get_by_role("link", name=tab).click()
        expect(tabs.get_by_role("link", name=tab)).to_have_attribute("aria-current", "page")
        expect(page.locator("h1")).to_have_count(1)
        check_page(page, name)
    tabs.get_by_role("link", name="Paiements").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Paiements")
    check_page(page, "payments")

    # "Mon compte": the list of linked contracts and the account settings.
    for item, name in [("Mes contrats", "my-contracts"), ("Paramètres du compte", "account")]:
        page.get_by_text("Mon compte").click()
        page.get_by_role("navigation", name="Menu principal").get_by_role("link", name=item).click()
        expect(page.locator("h1")).to_have_count(1)
        check_page(page, name)


def test_a_second_payers_contract_joins_the_selector_which_switches_to_its_invoices(
    page: Page, live_server
):
    log_in(page, live_server.url, DEMO_EMAIL, DEMO_PASSWORD)
    page.get_by_role("main").get_by_role("link", name="Lier un contrat").click()
    link_contract(page, "11301.11377.01", "DEMO-AIX1")
    expect(page.get_by_text(LINKED)).to_be_visible()

    page.get_by_text("Mon compte").click()
    menu = page.get_by_role("navigation", name="Menu principal")
    check_page(page, "account-menu-open")
    menu.get_by_role("link", name="Lier un contrat").click()
    link_contract(page, "21304.20511.01", "DEMO-GAR1")
    expect(page.get_by_text(LINKED)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/contrats/21304\.20511\.01/$"))

    # The selector shows the current contract; its list holds both payers' contracts.
    selector = page.locator(".switcher__summary")
    expect(selector).to_contain_text("21304.20511.01")
    expect(selector).to_contain_text("8 boulevard Carnot")
    selector.click()
    contracts = page.get_by_role("navigation", name="Vos contrats")
    for number, address in [
        ("11301.11377.01", "12 cours Mirabeau"),
        ("11301.11377.02", "Chemin de la Colline"),
        ("21304.20511.01", "8 boulevard Carnot"),
    ]:
        expect(contracts.get_by_role("link", name=re.compile(re.escape(number)))).to_contain_text(
            address
        )
    check_page(page, "selector-open")

    contracts.get_by_role("link", name=re.compile(r"11301\.11377\.01")).click()
    expect(page).to_have_url(re.compile(r"/contrats/11301\.11377\.01/$"))
    expect(page.locator(".switcher__current")).to_contain_text("12 cours Mirabeau")
    page.get_by_role("navigation", name="Pages de ce contrat").get_by_role(
        "link", name="Factures"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Factures")
    check_page(page, "invoices")

    download = page.get_by_role("link", name=re.compile(r"Télécharger la facture")).first
    expect(download).to_contain_text("11301")
    # The PDF opens in the browser's own viewer (it is served inline, with a file name).
    with page.expect_response(re.compile(r"\.pdf$")) as opened:
        download.click()
    pdf = opened.value
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert 'filename="facture-F' in pdf.headers["content-disposition"]
    # The viewer replaces the body Playwright sees; fetch the file with the same cookies.
    assert page.request.get(pdf.url).body().startswith(b"%PDF")
