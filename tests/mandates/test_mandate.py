"""Signing a mandate online, its PDF, its page, stopping it, and the Régie's handling."""

import datetime
import hashlib
import logging

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse

from accounts.models import OutgoingEmail
from inquiries.models import Inquiry, InquiryKind, InquiryStatus
from mandates.models import Mandate, MandateState, MandateStop
from tests.builders import reauthenticate
from tests.demo.tagged_pdf import read
from tests.helpers import body, html

from .factories import IBAN_FR, IBAN_FR_MASKED, IBAN_FR_TYPED, IBAN_SECRET_PART, sign

pytestmark = pytest.mark.django_db

FORM = {
    "holder_name": "Marie  Dupont",
    "holder_address": "12 cours Mirabeau\n13100 Aix-en-Provence",
    "iban": IBAN_FR_TYPED,
    "bic": "agrifrpp",
    "plan": "monthly",
    "debit_day": "10",
    "consent": "on",
}


@pytest.fixture
def signer(subscriber_client, subscriber):
    reauthenticate(subscriber_client, subscriber)
    return subscriber_client


def sign_url(contract):
    return reverse("mandates:sign", args=[contract.number])


def test_anonymous_visitors_are_sent_to_the_login_page(client, contract):
    for url in (
        reverse("mandates:home", args=[contract.number]),
        sign_url(contract),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert "login" in response["Location"] or response["Location"].startswith("/?next=")


def test_an_outsider_gets_404_everywhere(client, contract, subscriber, outsider):
    mandate = sign(contract, subscriber)
    client.force_login(outsider)
    reauthenticate(client, outsider)
    urls = [
        reverse("mandates:home", args=[contract.number]),
        sign_url(contract),
        reverse("mandates:detail", args=[contract.number, mandate.rum]),
        reverse("mandates:pdf", args=[contract.number, mandate.rum]),
        reverse("mandates:stop", args=[contract.number, mandate.rum]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert client.post(urls[-1]).status_code == 404
    assert not MandateStop.objects.exists()


def test_the_password_is_asked_again_before_signing(subscriber_client, contract):
    # force_login leaves no recent password authentication: allauth asks for it.
    response = subscriber_client.get(sign_url(contract))
    assert response.status_code == 302
    assert response["Location"].startswith("/comptes/reauthenticate/?next=")
    response = subscriber_client.post(sign_url(contract), FORM)
    assert response["Location"].startswith("/comptes/reauthenticate/")
    assert not Mandate.objects.exists()


def test_the_form_shows_the_legal_wording_in_french(signer, contract):
    body = html(signer.get(sign_url(contract)))
    assert "Signer un mandat de prélèvement" in body
    assert "dans les 8 semaines suivant la date de débit" in body
    assert "dans les 13 mois en cas de prélèvement non autorisé" in body
    assert 'value="Marie Dupont"' in body  # the payer's name, to correct if needed


def test_signing_files_a_request_with_the_mandate_and_its_pdf(signer, contract, subscriber):
    response = signer.post(sign_url(contract), FORM)
    mandate = Mandate.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("mandates:detail", args=[contract.number, mandate.rum])
    assert mandate.rum == "REPA-11301.11377.01-001"
    assert mandate.state == MandateState.PENDING
    assert mandate.holder_name == "Marie Dupont"
    assert (mandate.plan, mandate.debit_day, mandate.bic) == ("monthly", 10, "AGRIFRPP")
    assert mandate.iban == IBAN_FR and mandate.iban_masked == IBAN_FR_MASKED
    assert mandate.signed_ip == "127.0.0.1"
    assert mandate.user == subscriber
    inquiry = mandate.inquiry
    assert inquiry.kind == InquiryKind.MANDATE
    assert inquiry.reference.startswith("MP-")
    assert inquiry.contract == contract and inquiry.user == subscriber
    data = mandate.pdf.read()
    assert hashlib.sha256(data).hexdigest() == mandate.pdf_sha256
    page = html(signer.get(response["Location"]))
    assert "Votre mandat est signé" in page and inquiry.reference in page
    assert IBAN_FR_MASKED in page and "En attente" in page


def test_a_second_mandate_gets_the_next_rum(contract, subscriber):
    first = sign(contract, subscriber)
    first.state = MandateState.ACTIVE
    first.save()
    assert sign(contract, subscriber).rum == "REPA-11301.11377.01-002"


def test_the_signed_pdf_is_tagged_french_and_carries_what_a_sepa_mandate_needs(
    signer, contract, settings
):
    settings.SEPA_CREDITOR_ID = "FR72ZZZ123456"
    signer.post(sign_url(contract), FORM)
    mandate = Mandate.objects.get()
    response = signer.get(reverse("mandates:pdf", args=[contract.number, mandate.rum]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"].startswith("private, no-store")
    pdf = read(body(response))
    assert pdf.reader.metadata.title == "Mandat de prélèvement SEPA"
    assert pdf.catalog["/Lang"] == "fr"
    assert pdf.catalog["/MarkInfo"]["/Marked"].value is True
    assert pdf.unmarked == []
    kinds = [kid.type for kid in pdf.root.elements()]
    assert kinds[0] == "/H1" and "/Table" in kinds and "/P" in kinds and "/H2" in kinds
    text = pdf.text(pdf.root)
    assert pdf.text(pdf.root.elements()[0]) == "Mandat de prélèvement SEPA"
    for expected in (
        "REPA-11301.11377.01-001",
        "FR72ZZZ123456",
        "Paiement récurrent / répétitif",
        "Régie des Eaux du Pays d'Aix",
        "Marie Dupont",
        # The full IBAN: a mandate must identify the account it authorises to debit.
        "FR76 3000 6000 0112 3456 7890 189",
        "AGRIFRPP",
        "dans les 8 semaines suivant la date de débit",
        "dans les 13 mois en cas de prélèvement non autorisé",
        "le 10 de chaque mois",
        "heure de Paris",
    ):
        assert expected in text, expected


def test_only_the_signer_opens_the_pdf_and_after_the_password(
    client, contract, subscriber, second_subscriber
):
    mandate = sign(contract, subscriber)
    url = reverse("mandates:pdf", args=[contract.number, mandate.rum])
    client.force_login(subscriber)
    assert client.get(url)["Location"].startswith("/comptes/reauthenticate/")
    client.force_login(second_subscriber)
    reauthenticate(client, second_subscriber)
    # Another account of the same payer sees the mandate (masked) but not the PDF.
    detail = client.get(reverse("mandates:detail", args=[contract.number, mandate.rum]))
    assert detail.status_code == 200
    assert IBAN_FR_MASKED in html(detail)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"iban": "FR7630006000011234567890188"}, "iban", "n’est pas valide"),
        ({"iban": "BR1800360305000010009795493C1"}, "iban", "hors de la zone SEPA"),
        ({"iban": ""}, "iban", "Ce champ est obligatoire"),
        ({"bic": "XX"}, "bic", "Ce BIC n’est pas valide"),
        ({"debit_day": ""}, "debit_day", "Choisissez le jour du prélèvement mensuel"),
        ({"debit_day": "20"}, "debit_day", "Sélectionnez un choix valide"),
        ({"consent": ""}, "consent", "Cochez cette case pour signer le mandat"),
        ({"holder_name": ""}, "holder_name", "Ce champ est obligatoire"),
    ],
)
def test_bad_input_is_refused_in_french_and_nothing_is_written(
    signer, contract, change, field, message
):
    response = signer.post(sign_url(contract), {**FORM, **change})
    assert response.status_code == 200
    body = html(response)
    assert message in body
    assert f'id="id_{field}_error"' in body or field == "plan"
    assert not Mandate.objects.exists() and not Inquiry.objects.exists()
    # The refused IBAN is not echoed back in clear either... except in its own field.
    assert body.count(IBAN_SECRET_PART) <= 1


def test_the_day_is_dropped_for_the_each_invoice_plan(signer, contract):
    signer.post(sign_url(contract), {**FORM, "plan": "invoice", "debit_day": "5"})
    assert Mandate.objects.get().debit_day is None


def test_a_pending_mandate_must_be_handled_before_signing_another(signer, contract, subscriber):
    mandate = sign(contract, subscriber)
    response = signer.get(sign_url(contract))
    assert response["Location"] == reverse("mandates:detail", args=[contract.number, mandate.rum])


def test_the_iban_is_never_in_emails_logs_or_pages(signer, contract, caplog):
    caplog.set_level(logging.DEBUG)
    signer.post(sign_url(contract), FORM)
    mandate = Mandate.objects.get()
    pages = [
        signer.get(reverse("mandates:home", args=[contract.number])),
        signer.get(reverse("mandates:detail", args=[contract.number, mandate.rum])),
        signer.get(reverse("inquiries:detail", args=[mandate.inquiry.reference])),
        signer.get(reverse("contracts:dashboard", args=[contract.number])),
        signer.get(reverse("my_data_page")),
        signer.get(reverse("my_data_json")),
    ]
    for response in pages:
        assert response.status_code == 200
        assert IBAN_SECRET_PART not in response.content.decode()
    assert IBAN_FR_MASKED in html(pages[4]) and IBAN_FR_MASKED in pages[5].content.decode()
    emails = list(OutgoingEmail.objects.all())
    assert len(emails) == 2  # to the subscriber and to the Régie
    for email in emails:
        assert IBAN_SECRET_PART not in email.text_body + email.html_body + email.subject
    # Sent emails keep no body (accounts.tasks); what left is in the outbox.
    assert len(mail.outbox) == 2
    to_regie = next(m for m in mail.outbox if m.to != ["abonne@example.fr"])
    assert IBAN_FR_MASKED in to_regie.body
    for message in mail.outbox:
        alternatives = "".join(str(a[0]) for a in message.alternatives)
        assert IBAN_SECRET_PART not in message.body + alternatives + message.subject
    assert IBAN_SECRET_PART not in caplog.text
    with connection.cursor() as cursor:
        cursor.execute("SELECT iban_encrypted FROM mandates_mandate")
        (stored,) = cursor.fetchone()
    assert IBAN_FR not in stored and IBAN_SECRET_PART not in stored


def test_the_dashboard_lists_direct_debit_and_moving(signer, contract, subscriber):
    url = reverse("contracts:dashboard", args=[contract.number])
    body = html(signer.get(url))
    assert "Prélèvement automatique" in body
    assert "signez un mandat en ligne" in body
    assert "Je déménage" in body and "J’emménage" in body
    sign(contract, subscriber)
    body = html(signer.get(url))  # the kept figures were retired by the signature
    assert "en cours de traitement par la Régie" in body


def test_handling_the_request_activates_the_mandate_and_a_stop_request_stops_it(
    signer, contract, subscriber
):
    old = sign(contract, subscriber)
    old.inquiry.status = InquiryStatus.DONE
    old.inquiry.save()
    old.refresh_from_db()
    assert old.state == MandateState.ACTIVE
    new = sign(contract, subscriber)
    new.inquiry.status = InquiryStatus.DONE
    new.inquiry.save()
    old.refresh_from_db()
    assert old.state == MandateState.STOPPED  # replaced by the new one
    body = html(signer.get(reverse("contracts:dashboard", args=[contract.number])))
    assert "chaque facture est prélevée" in body

    stop_url = reverse("mandates:stop", args=[contract.number, new.rum])
    confirm = html(signer.get(stop_url))
    assert "Voulez-vous arrêter le prélèvement" in confirm and IBAN_FR_MASKED in confirm
    response = signer.post(stop_url)
    assert response.status_code == 302
    stop = MandateStop.objects.get()
    assert stop.inquiry.kind == InquiryKind.MANDATE_STOP
    assert stop.inquiry.reference.startswith("AP-")
    new.refresh_from_db()
    assert new.state == MandateState.ACTIVE  # until the Régie handles the stop
    dashboard = signer.get(reverse("contracts:dashboard", args=[contract.number]))
    assert "Arrêt demandé" in html(dashboard)
    # A second stop is not filed.
    signer.post(stop_url)
    assert MandateStop.objects.count() == 1
    stop.inquiry.status = InquiryStatus.DONE
    stop.inquiry.save()
    new.refresh_from_db()
    assert new.state == MandateState.STOPPED


def test_a_refused_request_refuses_the_mandate(contract, subscriber):
    mandate = sign(contract, subscriber)
    mandate.inquiry.status = InquiryStatus.REFUSED
    mandate.inquiry.save()
    mandate.refresh_from_db()
    assert mandate.state == MandateState.REFUSED


def test_the_request_thread_shows_the_masked_iban(signer, contract, subscriber):
    mandate = sign(contract, subscriber)
    body = html(signer.get(reverse("inquiries:detail", args=[mandate.inquiry.reference])))
    assert IBAN_FR_MASKED in body and mandate.rum in body


def test_deleting_the_account_deletes_the_mandate_and_its_file(
    contract, subscriber, django_capture_on_commit_callbacks
):
    mandate = sign(contract, subscriber)
    storage, name = mandate.pdf.storage, mandate.pdf.name
    with django_capture_on_commit_callbacks(execute=True):
        subscriber.delete()
    assert not Mandate.objects.exists()
    assert not storage.exists(name)


def test_signing_counts_in_the_request_limits(signer, contract, settings, subscriber):
    from inquiries import services as inquiry_services

    settings.ACCOUNT_RATE_LIMITS = False
    for n in range(inquiry_services.DAILY_LIMIT):
        Inquiry.objects.create(
            kind=InquiryKind.CONTACT, reference=f"CT-X-{n}", user=subscriber, email="a@b.fr"
        )
    response = signer.post(sign_url(contract), FORM)
    assert response.status_code == 429
    assert "beaucoup de demandes" in html(response)
    assert not Mandate.objects.exists()


def test_signed_at_is_recorded_in_paris_time_on_the_pdf(contract, subscriber, time_machine):
    time_machine.move_to(datetime.datetime(2026, 7, 1, 10, 30, tzinfo=datetime.UTC))
    mandate = sign(contract, subscriber)
    text = read(mandate.pdf.read())
    assert "01/07/2026 à 12:30:00 (heure de Paris)" in text.text(text.root)


def test_the_file_name_on_disk_is_generated_and_the_download_is_named_by_the_rum(
    contract, subscriber
):
    mandate = sign(contract, subscriber)
    assert mandate.pdf.name.startswith("mandates/") and IBAN_SECRET_PART not in mandate.pdf.name
    assert mandate.filename == "mandat-REPA-11301.11377.01-001.pdf"
