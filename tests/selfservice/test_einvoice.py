"""Facture électronique: the choice with its times, the CSV export, and the "Votre facture
est disponible" emails after an import (once per invoice and account, no amount, no
attachment, a signed opt-out link that changes nothing on GET)."""

import csv
import datetime
import io
import re

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.admin.sites import site
from django.core import mail
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from contracts.billing import import_billing
from contracts.models import Contract
from selfservice import einvoice
from selfservice.admin import PaperlessChoiceAdmin
from selfservice.models import InvoiceNotice, PaperlessChoice
from tests.builders import link, make_user
from tests.contracts.exports import GOOD, write_export
from tests.helpers import assert_french_page, html

pytestmark = pytest.mark.django_db


def choice_url(contract) -> str:
    return reverse("selfservice:einvoice", args=[contract.number])


def test_the_choice_records_consent_and_withdrawal_times(subscriber_client, subscriber, contract):
    response = subscriber_client.get(choice_url(contract))
    assert response.status_code == 200
    assert_french_page(response)
    assert "aucun choix fait sur le portail" in html(response)

    response = subscriber_client.post(choice_url(contract), {"paperless": "1"})
    assert response.status_code == 302
    choice = PaperlessChoice.objects.get(user=subscriber, contract=contract)
    assert choice.paperless and choice.consented_at and choice.withdrawn_at is None
    page = " ".join(html(subscriber_client.get(choice_url(contract))).split())
    assert "factures par e-mail uniquement (depuis le" in page
    assert "Pris en compte par la facturation</dt><dd>pas encore" in page

    consented = choice.consented_at
    subscriber_client.post(choice_url(contract), {"paperless": "0"})
    choice.refresh_from_db()
    assert not choice.paperless and choice.withdrawn_at >= consented
    assert choice.consented_at == consented


def test_the_page_says_when_the_billing_applies_it(subscriber_client, subscriber, contract):
    contract.paperless = True
    contract.save()
    einvoice.choose(subscriber, contract, True)
    page = " ".join(html(subscriber_client.get(choice_url(contract))).split())
    assert "Pris en compte par la facturation</dt><dd>oui" in page


def test_a_bad_choice_is_explained(subscriber_client, contract):
    response = subscriber_client.post(choice_url(contract), {"paperless": "maybe"})
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in html(response) or "Choisissez" in html(response)
    assert not PaperlessChoice.objects.exists()


def test_the_dashboard_lists_the_services_with_the_current_choice(
    subscriber_client, subscriber, contract
):
    dashboard = reverse("contracts:dashboard", args=[contract.number])
    page = html(subscriber_client.get(dashboard))
    assert "Attestation d’abonnement" in page
    assert "Choix actuel : factures papier par courrier" in page
    einvoice.choose(subscriber, contract, True)
    page = html(subscriber_client.get(dashboard))
    assert "Choix actuel : factures par e-mail uniquement" in page


def test_outsiders_get_404_and_visitors_the_login(client, outsider, contract):
    response = client.get(choice_url(contract))
    assert response.status_code == 302 and "next=" in response["Location"]
    client.force_login(outsider)
    assert client.get(choice_url(contract)).status_code == 404
    assert client.post(choice_url(contract), {"paperless": "1"}).status_code == 404
    assert not PaperlessChoice.objects.exists()


def test_staff_export_one_line_per_contract_with_french_headers(
    subscriber, second_subscriber, contract, other_contract, outsider
):
    einvoice.choose(subscriber, contract, True)
    einvoice.choose(second_subscriber, contract, False)  # the latest wins
    einvoice.choose(outsider, other_contract, True)
    request = RequestFactory().post("/")
    response = PaperlessChoiceAdmin(PaperlessChoice, site).export_csv(
        request, PaperlessChoice.objects.all()
    )
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == ["Numéro de contrat", "Choix", "Date du choix"]
    assert [row[:2] for row in rows[1:]] == [
        ["11301.11377.01", "papier"],
        ["22222.33333.44", "électronique"],
    ]
    assert re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d", rows[1][2])


# --- Emails after an import ---------------------------------------------------------------


def export_with_new_invoice(tmp_path, name: str, issued: datetime.date, number="F-NEW-1"):
    invoices = GOOD["invoices.csv"] + (
        f"{number};11301.11377.01;{issued.isoformat()};"
        f"{(issued + datetime.timedelta(days=30)).isoformat()};;;12;;123,45;123,45;\n"
    )
    return write_export(tmp_path / name, invoices_csv=invoices)


@pytest.fixture
def holders(tmp_path):
    """The export's paperless contract (P001), two verified accounts and an unverified one."""
    import_billing(write_export(tmp_path / "first"))
    payer = Contract.objects.get(number="11301.11377.01").payer
    users = []
    for address, verified in (
        ("marie@example.fr", True),
        ("paul@example.fr", True),
        ("new@example.fr", False),
    ):
        user = make_user(address)
        EmailAddress.objects.create(user=user, email=address, verified=verified, primary=True)
        link(user, payer)
        users.append(user)
    return users


def test_a_new_invoice_is_announced_once_per_account(
    tmp_path, holders, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        report = import_billing(export_with_new_invoice(tmp_path, "two", today))
    assert report.ok
    sent = sorted(m.to[0] for m in mail.outbox)
    assert sent == ["marie@example.fr", "paul@example.fr"]
    message = mail.outbox[0]
    assert message.subject == "Votre facture est disponible"
    assert "€" not in message.subject and "123" not in message.subject
    assert not message.attachments
    assert "F-NEW-1" in message.body
    assert f"{settings.SITE_URL}/contrats/11301.11377.01/factures/F-NEW-1/" in message.body
    assert "/facture-electronique/arret/" in message.body
    assert InvoiceNotice.objects.count() == 2

    # The same export again: nothing more.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        import_billing(export_with_new_invoice(tmp_path, "three", today))
    assert mail.outbox == []
    assert InvoiceNotice.objects.count() == 2


def test_a_dry_run_and_old_invoices_send_nothing(
    tmp_path, holders, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        import_billing(export_with_new_invoice(tmp_path, "dry", timezone.localdate()), dry_run=True)
        # The export's own invoices are from 2023 and 2024: never announced.
        import_billing(write_export(tmp_path / "again"))
    assert mail.outbox == []
    assert not InvoiceNotice.objects.exists()


def test_an_account_that_chose_paper_is_not_emailed(
    tmp_path, holders, django_capture_on_commit_callbacks
):
    contract = Contract.objects.get(number="11301.11377.01")
    einvoice.choose(holders[1], contract, False)
    with django_capture_on_commit_callbacks(execute=True):
        import_billing(export_with_new_invoice(tmp_path, "two", timezone.localdate()))
    assert [m.to[0] for m in mail.outbox] == ["marie@example.fr"]


def test_the_opt_out_link_asks_before_changing_anything(
    client, tmp_path, holders, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        import_billing(export_with_new_invoice(tmp_path, "two", timezone.localdate()))
    message = next(m for m in mail.outbox if m.to == ["marie@example.fr"])
    path = re.search(r"https?://[^/\s]+(/facture-electronique/arret/\S+)", message.body).group(1)
    response = client.get(path)
    assert response.status_code == 200
    assert_french_page(response)
    assert "Oui, factures papier par courrier" in html(response)
    assert not PaperlessChoice.objects.exists()  # a GET changes nothing

    response = client.post(path)
    assert response.status_code == 200
    assert "Votre choix est enregistré" in html(response)
    choice = PaperlessChoice.objects.get()
    assert (choice.user, choice.paperless) == (holders[0], False)
    assert choice.withdrawn_at is not None


def test_a_forged_or_altered_opt_out_link_is_refused(client, holders):
    contract = Contract.objects.get(number="11301.11377.01")
    token = einvoice.opt_out_token(holders[0], contract)
    for bad in (token[:-2] + "xx", "nonsense", token.replace(token[0], "Z", 1)):
        response = client.post(reverse("selfservice:opt_out", args=[bad]))
        assert response.status_code == 404
        assert "Ce lien ne fonctionne pas" in html(response)
    assert not PaperlessChoice.objects.exists()
