"""Paying an overdue invoice online on a phone, end to end against the PayFiP simulator:
invoices page → "Payer en ligne" → confirmation → the simulator's page → its notification
to the portal → back to the portal, which shows the payment."""

import datetime
import re
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone
from playwright.sync_api import Page, expect

from contracts.models import Invoice
from payments.models import AttemptState, PaymentAttempt
from payments.simulator import store
from tests.builders import PASSWORD, link, make_contract, make_user
from tests.e2e.helpers import check_page, log_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def overdue(transactional_db):
    from contracts.models import Payer

    payer = Payer.objects.create(reference="P0001", name="Marie Dupont")
    contract = make_contract(payer, "11301.11377.01", street="12 cours Mirabeau", city="Aix")
    user = make_user("abonne@example.fr")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    link(user, payer)
    today = timezone.localdate()
    return Invoice.objects.create(
        number="F2026-0042",
        contract=contract,
        issue_date=today - datetime.timedelta(days=60),
        due_date=today - datetime.timedelta(days=30),
        amount_incl_tax=Decimal("84.50"),
        amount_due=Decimal("84.50"),
    )


@pytest.fixture
def simulator(settings, live_server):
    store.reset()
    settings.PAYFIP_SIMULATOR = True
    settings.PAYFIP_NUMCLI = "012345"
    settings.PAYFIP_MODE = "T"
    settings.PAYFIP_URL = f"{live_server.url}/simulateur-payfip/tpa/services/securite"
    settings.SITE_URL = live_server.url
    yield
    store.reset()


def test_a_subscriber_pays_an_overdue_invoice_on_a_phone(
    page: Page, live_server, overdue, simulator
):
    page.set_viewport_size({"width": 375, "height": 800})
    log_in(page, live_server.url, "abonne@example.fr", PASSWORD)
    page.goto(f"{live_server.url}/contrats/11301.11377.01/factures/")
    button = page.get_by_role("link", name=re.compile("^Payer en ligne"))
    expect(button).to_be_visible()
    box = button.bounding_box()
    assert box and box["height"] >= 44
    check_page(page, "invoices-pay-button")

    button.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Payer la facture F2026-0042 en ligne"
    )
    expect(page.get_by_label("Adresse e-mail pour le ticket de paiement")).to_have_value(
        "abonne@example.fr"
    )
    check_page(page, "online-payment-confirmation")
    page.get_by_role("button", name=re.compile("Payer 84,50")).click()

    # The simulator's page (PayFiP's, in production).
    expect(page.get_by_role("heading", level=1)).to_have_text("Simulateur PayFiP")
    check_page(page, "payfip-simulator")
    page.get_by_role("button", name="Payer (P)").click()
    # The simulator has notified the portal, which has asked the web service already.
    attempt = PaymentAttempt.objects.get()
    assert attempt.state == AttemptState.PAID_CARD
    page.get_by_role("button", name="Retour au site de la Régie").click()

    expect(page.get_by_text(re.compile(r"Payée en ligne le \d\d/\d\d/\d{4}"))).to_be_visible()
    expect(page.get_by_text(f"autorisation {attempt.numauto}")).to_be_visible()
    check_page(page, "online-payment-paid")

    page.goto(f"{live_server.url}/contrats/11301.11377.01/paiements/")
    expect(page.get_by_text("Payé en ligne, en cours d’enregistrement")).to_be_visible()
