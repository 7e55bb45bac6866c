"""Each invoice as an HTML page: everything the PDF says, readable without the PDF."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.builders import add_invoice, add_payment
from tests.helpers import assert_french_page, html

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice(contract):
    invoice = add_invoice(
        contract,
        "F2026-0042",
        "2026-01-20",
        "2026-02-20",
        "150.00",
        "50.00",
        pdf=True,
        period_start=datetime.date(2025, 7, 1),
        period_end=datetime.date(2025, 12, 31),
        volume_m3=Decimal("42.5"),
        amount_excl_tax=Decimal("136.36"),
    )
    add_payment(contract, "R0042", "2026-02-01", "100.00", invoice=invoice)
    return invoice


def test_the_invoice_page_gives_every_figure_of_the_invoice(subscriber_client, invoice):
    response = subscriber_client.get(
        reverse("contracts:invoice", args=[invoice.contract.number, invoice.number])
    )
    assert response.status_code == 200
    assert_french_page(response)
    body = html(response)
    assert "Facture F2026-0042" in body
    for figure in ("01/07/2025", "31/12/2025", "42,5", "136,36", "150,00", "50,00", "20/02/2026"):
        assert figure in body, figure
    assert "100,00" in body and "01/02/2026" in body  # the payment received
    assert "À payer" in body or "En retard" in body  # the status in words
    assert reverse("contracts:invoice_pdf", args=[invoice.contract.number, invoice.number]) in body


def test_the_invoice_list_links_each_invoice_page_next_to_its_pdf(subscriber_client, invoice):
    body = html(
        subscriber_client.get(reverse("contracts:invoices", args=[invoice.contract.number]))
    )
    page_url = reverse("contracts:invoice", args=[invoice.contract.number, invoice.number])
    assert f'href="{page_url}"' in body
    assert 'Voir<span class="visually-hidden"> la facture F2026-0042</span>' in body


def test_an_invoice_of_another_contract_is_a_404_even_for_a_subscriber(
    subscriber_client, invoice, other_contract
):
    add_invoice(other_contract, "F2026-0099", "2026-01-20", "2026-02-20", "80.00", "0")
    url = reverse("contracts:invoice", args=[invoice.contract.number, "F2026-0099"])
    assert subscriber_client.get(url).status_code == 404


def test_the_invoice_page_costs_a_bounded_number_of_queries(
    subscriber_client, invoice, django_assert_max_num_queries
):
    for n in range(5):
        add_payment(invoice.contract, f"R9{n}", "2026-02-02", "1.00", invoice=invoice)
    url = reverse("contracts:invoice", args=[invoice.contract.number, invoice.number])
    subscriber_client.get(url)
    with django_assert_max_num_queries(8):
        subscriber_client.get(url)
