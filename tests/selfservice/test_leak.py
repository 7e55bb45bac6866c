"""Écrêtement pour fuite: the rule (twice the 3-year average, one month), the request with
its required plumber's attestation, duplicates, and access."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from inquiries.models import Attachment, Inquiry, InquiryKind, InquiryStatus
from selfservice import leaks
from selfservice.models import LeakRequest
from tests.builders import PDF, add_invoice, jpeg_bytes, upload
from tests.clamd import EICAR
from tests.helpers import assert_french_page, html

pytestmark = pytest.mark.django_db


def days_ago(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=n)


def bill(contract, number, issued: datetime.date, volume: str, days: int = 182):
    return add_invoice(
        contract,
        number,
        issued.isoformat(),
        (issued + datetime.timedelta(days=30)).isoformat(),
        "100.00",
        "100.00",
        volume_m3=Decimal(volume),
        period_start=issued - datetime.timedelta(days=days + 9),
        period_end=issued - datetime.timedelta(days=10),
    )


@pytest.fixture
def high(contract):
    """Six half-yearly invoices of 40 m³, then one of 100 m³ issued 5 days ago."""
    for n in range(1, 7):
        bill(contract, f"F-OLD-{n}", days_ago(5 + 182 * n), "40")
    return bill(contract, "F-HIGH", days_ago(5), "100")


def url(invoice) -> str:
    return reverse("selfservice:leak", args=[invoice.contract.number, invoice.number])


def form(**extra):
    return {
        "attestation": upload("plombier.pdf", PDF),
        "leak_location": "Canalisation enterrée dans le jardin",
        "repair_date": days_ago(2).isoformat(),
        "after_meter": "on",
        **extra,
    }


def test_the_rule_compares_with_twice_the_average_of_an_equivalent_period(high):
    assessment = leaks.assess_one(high)
    assert assessment.outcome is leaks.Outcome.ELIGIBLE
    assert assessment.reference == Decimal("40.000")
    assert assessment.cap == Decimal("80.000")


def test_exactly_twice_is_not_eligible_and_older_history_is_ignored(contract):
    bill(contract, "F-ANCIENT", days_ago(5 + 365 * 4), "1")  # more than three years before
    bill(contract, "F-1", days_ago(187), "40")
    invoice = bill(contract, "F-2", days_ago(5), "80")
    assert leaks.assess_one(invoice).outcome is leaks.Outcome.NOT_ELIGIBLE


def test_without_periods_the_average_is_per_invoice(contract):
    add_invoice(contract, "F-1", "2025-01-10", "2025-02-10", "1", "0", volume_m3=Decimal("30"))
    add_invoice(contract, "F-2", "2025-07-10", "2025-08-10", "1", "0", volume_m3=Decimal("50"))
    invoice = add_invoice(
        contract, "F-3", "2026-01-10", "2026-02-10", "1", "0", volume_m3=Decimal("81")
    )
    assessment = leaks.assess_one(invoice)
    assert (assessment.outcome, assessment.reference) == (leaks.Outcome.ELIGIBLE, Decimal("40"))


def test_a_first_invoice_has_no_history_and_the_regie_decides(contract):
    invoice = bill(contract, "F-FIRST", days_ago(3), "90")
    assert leaks.assess_one(invoice).outcome is leaks.Outcome.NO_HISTORY


def test_the_deadline_is_one_calendar_month_after_the_invoice():
    assert leaks.add_months(datetime.date(2026, 1, 31), 1) == datetime.date(2026, 2, 28)
    assert leaks.add_months(datetime.date(2026, 1, 20), 1) == datetime.date(2026, 2, 20)


def test_the_invoice_page_and_list_offer_the_request(subscriber_client, high):
    page = html(
        subscriber_client.get(
            reverse("contracts:invoice", args=[high.contract.number, high.number])
        )
    )
    assert "Demander un écrêtement pour fuite" in page
    assert url(high) in page
    listing = html(
        subscriber_client.get(reverse("contracts:invoices", args=[high.contract.number]))
    )
    assert listing.count(url(high)) == 1
    consumption = html(
        subscriber_client.get(reverse("contracts:consumption", args=[high.contract.number]))
    )
    assert "écrêtement" in consumption or "plafonnée" in consumption


def test_the_page_explains_the_rule_in_plain_french(subscriber_client, high):
    response = subscriber_client.get(url(high))
    assert response.status_code == 200
    assert_french_page(response)
    page = html(response)
    for words in (
        "après le compteur",
        "lave-linge",
        "lave-vaisselle",
        "chasse d’eau",
        "robinet",
        "chaudière",
        "chauffe-eau",
        "deux fois",
        "La Régie examine",
    ):
        assert words in page, words


def test_a_request_is_filed_with_its_attestation(subscriber_client, subscriber, high, mailoutbox):
    response = subscriber_client.post(url(high), form())
    assert response.status_code == 302
    inquiry = Inquiry.objects.get()
    assert inquiry.kind == InquiryKind.LEAK and inquiry.reference.startswith("EF-")
    assert inquiry.user == subscriber and inquiry.contract == high.contract
    details = LeakRequest.objects.get()
    assert (details.invoice, details.billed_volume, details.reference_volume) == (
        high,
        Decimal("100.000"),
        Decimal("40.000"),
    )
    assert Attachment.objects.get().inquiry == inquiry
    assert "Lieu de la fuite : Canalisation enterrée" in inquiry.messages.get().body
    # A second one while it is open: refused, nothing written.
    response = subscriber_client.post(url(high), form())
    assert response.status_code == 403
    assert "Vous avez déjà envoyé une demande pour cette facture" in html(response)
    assert Inquiry.objects.count() == 1
    # Once decided, the subscriber may ask again (e.g. with a better attestation).
    Inquiry.objects.update(status=InquiryStatus.REFUSED)
    assert subscriber_client.post(url(high), form()).status_code == 302


def test_an_image_attestation_is_reencoded(subscriber_client, high):
    data = form(attestation=upload("photo.jpg", jpeg_bytes(exif=True)))
    assert subscriber_client.post(url(high), data).status_code == 302
    stored = Attachment.objects.get().file.read()
    assert b"PhoneMaker" not in stored


def test_the_attestation_is_required(subscriber_client, high):
    data = form()
    del data["attestation"]
    response = subscriber_client.post(url(high), data)
    assert response.status_code == 200
    assert "Joignez l’attestation du plombier : elle est obligatoire." in html(response)
    assert not Inquiry.objects.exists()


def test_bad_input_is_explained_and_nothing_is_written(subscriber_client, high):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = subscriber_client.post(
        url(high), form(repair_date=tomorrow, leak_location="", after_meter="")
    )
    page = html(response)
    assert "La date de la réparation ne peut pas être dans le futur." in page
    assert "Indiquez où était la fuite." in page
    assert "Cochez la case pour certifier où était la fuite." in page
    assert "choisissez-le à nouveau" in page  # the file must be chosen again
    assert not Inquiry.objects.exists()


@pytest.mark.clamav
def test_an_infected_attestation_is_refused(scanning, subscriber_client, high):
    infected = PDF[:-6] + EICAR + b"\n%%EOF\n"
    response = subscriber_client.post(url(high), form(attestation=upload("plombier.pdf", infected)))
    assert "Ce fichier contient un virus" in html(response)
    assert not Inquiry.objects.exists() and not Attachment.objects.exists()


def test_after_one_month_the_request_is_refused_with_the_way_to_contact(
    subscriber_client, contract
):
    for n in range(1, 4):
        bill(contract, f"F-OLD-{n}", days_ago(40 + 182 * n), "40")
    late = bill(contract, "F-LATE", days_ago(40), "100")
    response = subscriber_client.get(url(late))
    assert "Contactez la Régie" in html(response)
    response = subscriber_client.post(url(late), form())
    assert response.status_code == 403
    assert not Inquiry.objects.exists()
    page = html(
        subscriber_client.get(reverse("contracts:invoice", args=[contract.number, late.number]))
    )
    assert "Demander un écrêtement" not in page


def test_a_normal_invoice_is_not_offered(subscriber_client, contract):
    bill(contract, "F-1", days_ago(187), "40")
    normal = bill(contract, "F-2", days_ago(5), "45")
    page = html(
        subscriber_client.get(reverse("contracts:invoice", args=[contract.number, normal.number]))
    )
    assert "Demander un écrêtement" not in page
    assert subscriber_client.post(url(normal), form()).status_code == 403
    assert "ne dépasse pas le double" in html(subscriber_client.get(url(normal)))


def test_outsiders_get_404_and_visitors_the_login(client, outsider, high):
    response = client.get(url(high))
    assert response.status_code == 302 and "next=" in response["Location"]
    client.force_login(outsider)
    assert client.get(url(high)).status_code == 404
    assert client.post(url(high), form()).status_code == 404
    assert not Inquiry.objects.exists()
