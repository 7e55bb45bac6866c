""" "Je déménage": the request DM-…, its checks, its photo, its confirmation."""

import datetime
import logging

import pytest
from django.urls import reverse
from django.utils import timezone

from inquiries.models import Attachment, Inquiry, InquiryKind
from mandates.models import MoveOut
from tests.builders import PDF, jpeg_bytes, upload
from tests.helpers import html

from .factories import IBAN_FR_MASKED, IBAN_FR_TYPED, IBAN_SECRET_PART, move_out

pytestmark = pytest.mark.django_db


def url(contract):
    return reverse("mandates:move_out", args=[contract.number])


def form(**change):
    data = {
        "leaving_date": (timezone.localdate() + datetime.timedelta(days=20)).isoformat(),
        "meter_index": "251",
        "forwarding_address": "3 rue des Lilas\n13090 Aix-en-Provence",
        "refund_iban": "",
    }
    return {**data, **change}


def test_anonymous_visitors_are_sent_to_the_login_page(client, contract):
    response = client.get(url(contract))
    assert response.status_code == 302 and "next=" in response["Location"]


def test_an_outsider_gets_404(client, contract, subscriber, outsider):
    move = move_out(contract, subscriber)
    client.force_login(outsider)
    assert client.get(url(contract)).status_code == 404
    assert client.post(url(contract), form()).status_code == 404
    filed = reverse("mandates:move_out_filed", args=[contract.number, move.inquiry.reference])
    assert client.get(filed).status_code == 404
    assert MoveOut.objects.count() == 1


def test_the_form_says_the_last_known_index(subscriber_client, history):
    body = html(subscriber_client.get(url(history)))
    assert "Je déménage" in body
    assert "Dernier index connu : 200 m³ le 10/01/2024" in body


def test_a_move_out_is_filed_with_its_photo_and_confirmed(
    subscriber_client, history, subscriber, caplog
):
    caplog.set_level(logging.DEBUG)
    data = form(refund_iban=IBAN_FR_TYPED, attachment=upload("compteur.jpg", jpeg_bytes(exif=True)))
    response = subscriber_client.post(url(history), data)
    move = MoveOut.objects.get()
    inquiry = move.inquiry
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "mandates:move_out_filed", args=[history.number, inquiry.reference]
    )
    assert inquiry.kind == InquiryKind.MOVE_OUT and inquiry.reference.startswith("DM-")
    assert inquiry.contract == history and inquiry.user == subscriber
    assert move.meter_index == 251 and move.iban_masked == IBAN_FR_MASKED
    assert IBAN_SECRET_PART not in move.iban_encrypted
    attachment = Attachment.objects.get(inquiry=inquiry)
    assert attachment.content_type == "image/jpeg"
    assert b"PhoneMaker" not in attachment.file.read()  # EXIF dropped
    page = html(subscriber_client.get(response["Location"]))
    assert "Votre déclaration de départ a bien été reçue" in page
    assert inquiry.reference in page and IBAN_FR_MASKED in page
    assert reverse("inquiries:subscription") in page and "J’emménage" in page
    thread = html(subscriber_client.get(reverse("inquiries:detail", args=[inquiry.reference])))
    assert "Index du compteur ce jour-là : 251 m³" in thread
    assert IBAN_SECRET_PART not in thread + caplog.text
    dashboard = html(subscriber_client.get(reverse("contracts:dashboard", args=[history.number])))
    assert inquiry.reference in dashboard


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"leaving_date": "2020-01-01"}, "leaving_date", "remonte à plus de 7 jours"),
        ({"leaving_date": "2099-01-01"}, "leaving_date", "dans plus de 3 mois"),
        ({"leaving_date": "31/02/2026"}, "leaving_date", "Saisissez une date valide"),
        ({"meter_index": "199"}, "meter_index", "ne peut pas être inférieur au dernier index"),
        ({"meter_index": "12.5"}, "meter_index", "Saisissez un nombre entier"),
        ({"meter_index": "-1"}, "meter_index", "supérieure ou égale à 0"),
        ({"forwarding_address": ""}, "forwarding_address", "Ce champ est obligatoire"),
        ({"forwarding_address": "Aix"}, "forwarding_address", "adresse complète"),
        ({"refund_iban": "FR7630006000011234567890188"}, "refund_iban", "n’est pas valide"),
        ({"refund_iban": "BR1800360305000010009795493C1"}, "refund_iban", "hors de la zone SEPA"),
        ({"attachment": upload("compteur.svg", b"<svg/>")}, "attachment", "Seuls les fichiers"),
        ({"attachment": upload("compteur.png", PDF)}, "attachment", "ne correspond pas"),
    ],
)
def test_bad_input_is_refused_in_french_and_nothing_is_written(
    subscriber_client, history, change, field, message
):
    response = subscriber_client.post(url(history), form(**change))
    assert response.status_code == 200
    body = html(response)
    assert message in body, body
    assert f'id="id_{field}_error"' in body
    assert not MoveOut.objects.exists() and not Inquiry.objects.exists()
    assert not Attachment.objects.exists()


def test_a_chosen_photo_must_be_chosen_again_after_an_error(subscriber_client, history):
    data = form(meter_index="1", attachment=upload("compteur.jpg", jpeg_bytes()))
    body = html(subscriber_client.post(url(history), data))
    assert "le fichier n’a pas été conservé" in body


def test_the_confirmation_is_only_the_filers(client, contract, subscriber, second_subscriber):
    move = move_out(contract, subscriber)
    client.force_login(second_subscriber)
    filed = reverse("mandates:move_out_filed", args=[contract.number, move.inquiry.reference])
    assert client.get(filed).status_code == 404
