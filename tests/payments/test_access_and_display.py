"""Who may pay, what each page shows, direct debits, the admin and the start-up checks."""

import datetime
import json
from decimal import Decimal

import pytest
from django.core.checks import run_checks
from django.urls import reverse
from django.utils import timezone

from contracts.models import Invoice, PaymentMethod
from payments.models import AttemptState, Instalment, PaymentAttempt
from tests.builders import add_attempt, add_invoice
from tests.helpers import html
from tests.payments.helpers import page_url_of

pytestmark = pytest.mark.django_db

PAY = "/contrats/11301.11377.01/factures/F2026-0042/payer/"


@pytest.fixture
def configured(settings):
    """PayFiP on, its web service at a closed port: pages that do not call it."""
    settings.PAYFIP_NUMCLI = "012345"
    settings.PAYFIP_URL = "http://127.0.0.1:9/tpa/services/securite"


def test_anonymous_visitors_are_sent_to_the_login_page(client, invoice, configured):
    for method in (client.get, client.post):
        response = method(PAY)
        assert response.status_code == 302
        assert "/?next=" in response["Location"] or "/comptes/login/" in response["Location"]
    assert not PaymentAttempt.objects.exists()


def test_a_subscriber_of_another_payer_gets_404_and_cannot_pay(
    client, invoice, outsider, configured
):
    client.force_login(outsider)
    assert client.get(PAY).status_code == 404
    assert client.post(PAY, {"email": "voisin@example.fr"}).status_code == 404
    assert not PaymentAttempt.objects.exists()


def test_an_invoice_of_another_contract_is_a_404_even_with_an_own_contract_number(
    client, subscriber, other_contract, configured, contract
):
    add_invoice(other_contract, "F-OTHER-1", "2026-01-20", "2026-02-20", "10.00", "10.00")
    client.force_login(subscriber)
    url = f"/contrats/{contract.number}/factures/F-OTHER-1/payer/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"email": "abonne@example.fr"}).status_code == 404


def test_every_subscriber_of_the_payer_may_pay(client, invoice, second_subscriber, payfip):
    client.force_login(second_subscriber)
    assert client.get(PAY).status_code == 200
    response = client.post(PAY, {"email": "conjoint@example.fr"})
    page_url_of(response)
    attempt = PaymentAttempt.objects.get()
    assert attempt.user == second_subscriber
    assert attempt.email == "conjoint@example.fr"


def test_a_paid_invoice_offers_no_payment(subscriber_client, invoice, payfip):
    Invoice.objects.filter(pk=invoice.pk).update(amount_due=Decimal("0"))
    page = html(subscriber_client.get(PAY))
    assert "Payer 84,50" not in page
    response = subscriber_client.post(PAY, {"email": "abonne@example.fr"})
    assert "Cette facture ne peut pas être payée en ligne." in html(response)
    assert not PaymentAttempt.objects.exists()


def test_the_invoices_page_the_invoice_and_the_dashboard_offer_the_button(
    subscriber_client, invoice, configured
):
    for url in (
        "/contrats/11301.11377.01/factures/",
        "/contrats/11301.11377.01/factures/F2026-0042/",
        "/contrats/11301.11377.01/",
    ):
        page = html(subscriber_client.get(url))
        assert f'href="{PAY}"' in page, url
        assert "Payer en ligne" in page, url


def test_a_contract_on_direct_debit_is_never_offered_to_pay_and_says_when(
    subscriber_client, invoice, contract, configured
):
    contract.payment_method = PaymentMethod.MONTHLY_PLAN
    contract.save()
    next_debit = timezone.localdate() + datetime.timedelta(days=12)
    Instalment.objects.create(contract=contract, due_date=next_debit, amount=Decimal("42.00"))
    page = html(subscriber_client.get("/contrats/11301.11377.01/factures/"))
    assert "Payer en ligne" not in page
    assert f"Réglée par prélèvement le {next_debit:%d/%m/%Y}" in page
    response = subscriber_client.post(PAY, {"email": "abonne@example.fr"})
    assert "ne peut pas être payée en ligne" in html(response)
    assert not PaymentAttempt.objects.exists()


def test_the_payments_page_shows_the_schedule_of_the_year(subscriber_client, contract):
    contract.payment_method = PaymentMethod.DIRECT_DEBIT
    contract.save()
    year = timezone.localdate().year
    Instalment.objects.create(
        contract=contract,
        due_date=datetime.date(year, 3, 10),
        amount=Decimal("42"),
        state="debited",
    )
    Instalment.objects.create(
        contract=contract,
        due_date=datetime.date(year, 4, 10),
        amount=Decimal("42"),
    )
    Instalment.objects.create(
        contract=contract,
        due_date=datetime.date(year - 1, 12, 10),
        amount=Decimal("40"),
    )
    page = html(subscriber_client.get("/contrats/11301.11377.01/paiements/"))
    assert f"Échéancier de prélèvement {year}" in page
    assert f"Prélèvement du 10/03/{year} : 42,00\xa0€ — prélevé" in page
    assert f"Prélèvement du 10/04/{year} : 42,00\xa0€ — prévu" in page
    assert f"10/12/{year - 1}" not in page


def test_the_admin_lists_online_payments_and_exports_them_for_the_accountant(
    client, staff_agent, invoice, contract
):
    paid = add_attempt(
        invoice,
        saisie="W",
        id_op="abc123",
        state=AttemptState.PAID_CARD,
        resultrans="P",
        numauto="654321",
        transaction_at=datetime.datetime(2026, 3, 2, 9, 15, tzinfo=datetime.UTC),
    )
    client.force_login(staff_agent)
    listing = client.get("/gestion/payments/paymentattempt/?state__exact=paid_card")
    assert listing.status_code == 200
    assert "F20260042" in html(listing)
    response = client.post(
        "/gestion/payments/paymentattempt/",
        {"action": "export_reconciliation", "_selected_action": [paid.pk]},
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Jour;Heure;REFDET;Numéro d’autorisation;Montant (€)")
    assert lines[1].startswith("02/03/2026;10:15;F20260042;654321;84,50;P;")
    assert "abonne@example.fr" not in response.content.decode("utf-8-sig")


def test_production_warns_about_test_mode_and_plain_http(settings):
    settings.DEBUG = False
    settings.PAYFIP_SIMULATOR = False
    settings.PAYFIP_NUMCLI = "012345"
    settings.PAYFIP_MODE = "T"
    settings.PAYFIP_URL = "http://payfip.example/tpa/services/securite"
    ids = {message.id for message in run_checks()}
    assert {"payments.W001", "payments.W002"} <= ids
    settings.PAYFIP_MODE = "W"
    settings.PAYFIP_URL = "https://www.payfip.gouv.fr/tpa/services/securite"
    settings.SITE_URL = "https://espace.example.fr"
    ids = {message.id for message in run_checks()}
    assert not {i for i in ids if i.startswith("payments.")}


def test_production_refuses_the_simulator(settings):
    settings.DEBUG = False
    settings.PAYFIP_SIMULATOR = True
    assert "payments.E001" in {message.id for message in run_checks()}


def test_the_simulator_is_a_404_when_off(client, settings):
    settings.PAYFIP_SIMULATOR = False
    assert client.get("/simulateur-payfip/tpa/paiementws.web?idop=x").status_code == 404


def test_my_data_lists_my_online_payments_and_nobody_elses(
    subscriber_client, subscriber, outsider, invoice, contract
):
    def attempt(user, id_op):
        return add_attempt(
            invoice,
            user=user,
            email=user.email,
            id_op=id_op,
            state=AttemptState.PAID_CARD,
            numauto="654321",
        )

    attempt(subscriber, "mine")
    attempt(outsider, "theirs")
    data = json.loads(subscriber_client.get(reverse("my_data_json")).content)
    assert [(p["invoice"], p["email"], p["authorisation"]) for p in data["online_payments"]] == [
        ("F2026-0042", "abonne@example.fr", "654321")
    ]
    page = subscriber_client.get(reverse("my_data_page")).content.decode()
    assert "F2026-0042, 84,50" in page and "voisin@example.fr" not in page


def test_an_invoice_paid_online_no_longer_says_pay_while_the_import_is_awaited(
    subscriber_client, invoice, contract, configured
):
    """The invoice (overdue in the fixture) is paid online: until the billing system
    records it, its status says so, and nothing on the page tells the subscriber to pay."""
    add_attempt(
        invoice,
        id_op="paid-1",
        state=AttemptState.PAID_CARD,
        numauto="123456",
        transaction_at=timezone.now(),
    )
    for url in ("/contrats/11301.11377.01/factures/", "/contrats/11301.11377.01/"):
        page = html(subscriber_client.get(url))
        assert "Payée en ligne le" in page and "autorisation 123456" in page, url
        assert "payez ou appelez" not in page and "Payer en ligne" not in page, url
        assert "Votre paiement en ligne a bien été reçu" in page, url
