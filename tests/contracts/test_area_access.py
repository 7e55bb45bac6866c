"""The access rule on every URL of the subscriber area.

Subscriber of the payer and second subscriber of the same payer: 200; an outsider (linked to
another payer) and a staff agent: 404, never 403; anonymous: redirected to the login page.
"""

import datetime

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.urls import reverse

from contracts.models import Contract, DocumentKind, ServiceDocument
from tests.builders import PDF_BYTES, add_invoice, link, make_contract, make_user
from tests.helpers import assert_french_page, html

CONTRACT_PAGES = ["dashboard", "details", "consumption", "invoices", "invoice", "payments"]
CONTRACT_FILES = ["consumption_csv", "invoice_pdf", "regulations_pdf"]


@pytest.fixture
def documents(contract):
    add_invoice(contract, "F2026-0001", "2026-01-20", "2026-02-20", "150.00", "0", pdf=True)
    document = ServiceDocument(
        kind=DocumentKind.REGULATIONS,
        title="Règlement de service 2025",
        applies_from=datetime.date(2025, 1, 1),
    )
    document.pdf.save("reglement.pdf", ContentFile(PDF_BYTES), save=False)
    document.save()
    return contract


def url_of(name: str, contract: Contract) -> str:
    if name in ("invoice", "invoice_pdf"):
        return reverse(f"contracts:{name}", args=[contract.number, "F2026-0001"])
    return reverse(f"contracts:{name}", args=[contract.number])


ALL = CONTRACT_PAGES + CONTRACT_FILES


@pytest.mark.parametrize("name", ALL)
def test_the_subscriber_of_the_payer_sees_each_page(client, subscriber, documents, name):
    client.force_login(subscriber)
    response = client.get(url_of(name, documents))
    assert response.status_code == 200
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    if name in CONTRACT_PAGES:
        assert_french_page(response)


@pytest.mark.parametrize("name", ALL)
def test_a_second_subscriber_of_the_same_payer_sees_each_page(
    client, second_subscriber, documents, name
):
    client.force_login(second_subscriber)
    assert client.get(url_of(name, documents)).status_code == 200


@pytest.mark.parametrize("name", ALL)
def test_an_outsider_gets_a_french_404_on_each_page(client, outsider, documents, name):
    client.force_login(outsider)
    response = client.get(url_of(name, documents))
    assert response.status_code == 404
    assert "Cette page n’existe pas" in html(response) or "n'existe pas" in html(response)


@pytest.mark.parametrize("name", ALL)
def test_a_staff_agent_gets_a_404_too(client, staff_agent, documents, name):
    client.force_login(staff_agent)
    assert client.get(url_of(name, documents)).status_code == 404


@pytest.mark.parametrize("name", ALL)
def test_anonymous_visitors_are_sent_to_the_login_page(client, documents, name):
    response = client.get(url_of(name, documents))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("home") if settings.LOGIN_URL == "/" else "/")
    assert "next=" in response["Location"]


@pytest.mark.parametrize("name", ["area", "link", "my_contracts"])
def test_the_area_pages_need_a_login(client, db, name):
    response = client.get(reverse(f"contracts:{name}"))
    assert response.status_code == 302 and "next=" in response["Location"]


def test_the_unlink_page_needs_a_login(client, contract):
    url = reverse("contracts:unlink", args=[contract.payer_id])
    assert client.get(url).status_code == 302
    assert client.post(url).status_code == 302


def test_an_outsider_cannot_unlink_a_payer_it_is_not_linked_to(client, outsider, subscriber):
    client.force_login(outsider)
    url = reverse("contracts:unlink", args=[subscriber.payer_links.get().payer_id])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert subscriber.payer_links.count() == 1


def test_an_unknown_number_in_the_url_is_a_404(subscriber_client):
    response = subscriber_client.get("/contrats/99999.99999.99/factures/")
    assert response.status_code == 404


def test_a_number_in_another_form_in_the_url_is_a_404(subscriber_client, contract):
    assert subscriber_client.get("/contrats/113011137701/").status_code == 404


def test_an_invoice_of_another_contract_is_a_404_even_through_a_visible_contract(
    client, subscriber, documents, other_contract
):
    add_invoice(other_contract, "F2026-0999", "2026-01-20", "2026-02-20", "10", "0", pdf=True)
    client.force_login(subscriber)
    url = reverse("contracts:invoice_pdf", args=[documents.number, "F2026-0999"])
    assert client.get(url).status_code == 404


def test_an_inactive_account_sees_nothing(client, subscriber, contract):
    assert Contract.objects.for_user(subscriber).count() == 1
    subscriber.is_active = False
    subscriber.save()
    assert Contract.objects.for_user(subscriber).count() == 0


def test_a_contract_added_to_the_payer_later_becomes_visible(subscriber_client, contract):
    later = make_contract(contract.payer, "11301.11377.02", street="Chemin neuf")
    response = subscriber_client.get(reverse("contracts:dashboard", args=[later.number]))
    assert response.status_code == 200
    assert list(Contract.objects.for_user(response.wsgi_request.user)) == [contract, later]


def test_an_account_linked_to_two_payers_sees_both(client, contract, other_contract):
    user = make_user("gestionnaire@example.fr")
    link(user, contract.payer)
    link(user, other_contract.payer)
    client.force_login(user)
    for number in (contract.number, other_contract.number):
        assert client.get(reverse("contracts:dashboard", args=[number])).status_code == 200


def test_the_matrix_covers_every_contract_url():
    from contracts import urls

    with_number = {p.name for p in urls.urlpatterns if "<contract:number>" in str(p.pattern)}
    assert with_number == set(ALL)
