"""'Transmettre mon index' on a phone, against the demo data (the period `seed_demo` opens
for Aix-en-Provence): dashboard → the service → a high index to confirm → the request in
"Mes demandes" → "Auto-relevé en attente" on the consumption page; and the alerts page."""

import pytest
from playwright.sync_api import Page, expect

from contracts.models import AccountPayerLink, Contract, Payer
from demo.management.commands.seed_demo import DEMO_EMAIL, DEMO_PASSWORD
from readings.models import SelfReading, SelfReadingState
from tests.e2e.helpers import SCREENSHOTS, check_page, log_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("demo")]

NUMBER = "11301.11377.01"


def fits_320(page: Page, name: str) -> None:
    page.set_viewport_size({"width": 320, "height": 640})
    scroll_width, inner_width = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]"
    )
    page.screenshot(path=SCREENSHOTS / f"{name}-320.png", full_page=True)
    assert scroll_width <= inner_width, f"{name}: horizontal scroll at 320 px"
    page.set_viewport_size({"width": 375, "height": 800})


def test_a_subscriber_sends_the_index_on_a_phone_and_sees_it_awaiting(page: Page, live_server):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(email=DEMO_EMAIL)
    AccountPayerLink.objects.create(user=user, payer=Payer.objects.get(reference="DEMO-001"))
    contract = Contract.objects.get(number=NUMBER)
    last = int(contract.readings.order_by("-date").first().index)

    page.set_viewport_size({"width": 375, "height": 800})
    log_in(page, live_server.url, DEMO_EMAIL, DEMO_PASSWORD)
    page.goto(f"{live_server.url}/contrats/{NUMBER}/")
    services = page.locator("ul.services")
    expect(services).to_contain_text("Ouvert jusqu’au")
    services.get_by_role("link", name="Transmettre mon index").click()

    expect(page.get_by_role("heading", name="Transmettre mon index", level=1)).to_be_visible()
    check_page(page, "self-reading-form")
    fits_320(page, "self-reading-form")

    # Far above the usual: the page asks to confirm and keeps the value.
    page.get_by_label("Index de votre compteur (m³)").fill(str(last + 900))
    page.get_by_role("button", name="Envoyer mon index").click()
    expect(page.locator(".error-summary")).to_contain_text("Cochez cette case pour confirmer")
    expect(page.get_by_label("Index de votre compteur (m³)")).to_have_value(str(last + 900))
    expect(page.get_by_label("Photo du compteur (facultatif)")).to_be_visible()
    check_page(page, "self-reading-confirm")
    fits_320(page, "self-reading-confirm")
    assert not SelfReading.objects.exists()

    # Corrected to a usual index, then sent.
    page.get_by_label("Index de votre compteur (m³)").fill(str(last + 5))
    page.get_by_role("button", name="Envoyer mon index").click()
    expect(page.get_by_text("Merci : votre index de")).to_be_visible()
    reading = SelfReading.objects.get()
    assert reading.index == last + 5 and reading.state == SelfReadingState.PENDING
    reference = reading.inquiry.reference
    expect(page.get_by_text(reference).first).to_be_visible()
    check_page(page, "self-reading-sent")

    page.goto(f"{live_server.url}/demandes/")
    expect(page.get_by_text(reference)).to_be_visible()
    expect(page.get_by_text("Transmission d’index").first).to_be_visible()

    page.goto(f"{live_server.url}/contrats/{NUMBER}/consommations/")
    awaiting = page.locator("section", has_text="Index transmis par vous")
    expect(awaiting).to_contain_text("Auto-relevé en attente")
    expect(awaiting).to_contain_text(f"index {last + 5} m³ transmis le")
    check_page(page, "consumption-awaiting")
    fits_320(page, "consumption-awaiting")

    awaiting.get_by_role("link", name="Alertes de consommation").click()
    expect(page.get_by_role("heading", name="Alertes de consommation", level=1)).to_be_visible()
    page.get_by_label("Me prévenir par e-mail").check()
    page.get_by_label("Mon propre seuil, en litres par jour (facultatif)").fill("500")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Enregistré : vous serez prévenu par e-mail")).to_be_visible()
    check_page(page, "consumption-alerts")
    fits_320(page, "consumption-alerts")


def test_a_high_consumption_shows_on_the_dashboard_until_hidden(page: Page, live_server):
    from django.contrib.auth import get_user_model

    from readings.models import ConsumptionAlert

    user = get_user_model().objects.get(email=DEMO_EMAIL)
    AccountPayerLink.objects.create(user=user, payer=Payer.objects.get(reference="DEMO-001"))
    contract = Contract.objects.get(number=NUMBER)
    last, previous = contract.readings.order_by("-date")[:2]
    ConsumptionAlert.objects.create(
        contract=contract,
        reading_date=last.date,
        previous_date=previous.date,
        litres_per_day=812,
        usual_litres_per_day=262,
    )

    page.set_viewport_size({"width": 375, "height": 800})
    log_in(page, live_server.url, DEMO_EMAIL, DEMO_PASSWORD)
    page.goto(f"{live_server.url}/contrats/{NUMBER}/")
    expect(page.locator("ul.services")).to_contain_text("Ouvert jusqu’au")
    banner = page.locator(".message--warning", has_text="Consommation élevée.")
    expect(banner).to_contain_text("812 litres d’eau par jour (d’habitude 262 litres par jour)")
    check_page(page, "dashboard-alert")
    fits_320(page, "dashboard-alert")

    banner.get_by_role("link", name="Masquer cette alerte ou régler mes alertes").click()
    page.get_by_role("button", name="J’ai compris : masquer cette alerte").click()
    expect(
        page.get_by_text("L’alerte n’est plus affichée sur votre tableau de bord.")
    ).to_be_visible()
    page.goto(f"{live_server.url}/contrats/{NUMBER}/")
    expect(page.get_by_text("Consommation élevée.")).to_have_count(0)
