"""The contact page: the Régie's details, and a form for accounts and visitors."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from inquiries.models import Attachment, Inquiry, InquiryKind
from tests.builders import PDF, jpeg_bytes, mails_to, upload
from tests.helpers import assert_french_page, html

pytestmark = pytest.mark.django_db
URL = reverse("contact")


def test_the_contact_page_keeps_the_regie_details_and_offers_a_form(client):
    response = client.get(URL)
    assert_french_page(response)
    body = html(response)
    assert "04 13 57 39 00" in body
    assert "Écrire à la Régie" in body
    assert 'enctype="multipart/form-data"' in body
    # A visitor gives an address; there is no contract to choose.
    assert 'name="email"' in body
    assert 'name="contract"' not in body


def test_a_subscriber_chooses_among_their_own_contracts_only(
    subscriber_client, contract, other_contract
):
    body = html(subscriber_client.get(URL))
    assert 'name="email"' not in body
    assert contract.number in body
    assert other_contract.number not in body


def test_a_subscriber_message_with_a_photo_gets_a_reference_and_emails(
    subscriber_client, subscriber, contract, settings
):
    settings.REGIE_REQUESTS_EMAIL = "accueil@eauxdupaysdaix.fr"
    response = subscriber_client.post(
        URL,
        {
            "subject": "meter",
            "contract": contract.number,
            "message": "Le compteur fuit, voici une photo.",
            "attachment": upload("compteur.jpg", jpeg_bytes()),
        },
        follow=True,
    )
    assert_french_page(response)
    year = timezone.localdate().year
    assert f"CT-{year}-000001" in html(response)
    inquiry = Inquiry.objects.get()
    assert inquiry.kind == InquiryKind.CONTACT
    assert inquiry.user == subscriber and inquiry.email == subscriber.email
    assert inquiry.contract == contract
    assert inquiry.get_subject_display() == "Compteur et relève"
    attachment = Attachment.objects.get()
    assert attachment.original_name == "compteur.jpg"
    assert attachment.content_type == "image/jpeg"
    assert len(mails_to(subscriber.email)) == 1
    assert len(mails_to("accueil@eauxdupaysdaix.fr")) == 1


def test_a_visitor_writes_with_their_email(client):
    response = client.post(
        URL,
        {"email": "Visiteur@Example.fr", "subject": "other", "message": "Bonjour"},
        follow=True,
    )
    assert "Votre demande a bien été reçue" in html(response)
    inquiry = Inquiry.objects.get()
    assert inquiry.user is None
    assert inquiry.reference.startswith("CT-")
    (confirmation,) = mails_to("Visiteur@Example.fr")
    # No account, so no link to "Mes demandes".
    assert "/demandes/" not in confirmation.body


def test_someone_elses_contract_cannot_be_chosen(subscriber_client, other_contract):
    response = subscriber_client.post(
        URL, {"subject": "invoice", "contract": other_contract.number, "message": "Bonjour"}
    )
    assert "Choisissez l’un de vos contrats dans la liste." in html(response)
    assert not Inquiry.objects.exists()


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"subject": "", "message": "Bonjour"}, "Ce champ est obligatoire."),
        ({"subject": "plainte", "message": "Bonjour"}, "Sélectionnez un choix valide."),
        ({"subject": "leak", "message": ""}, "Ce champ est obligatoire."),
        ({"subject": "leak", "message": "x" * 5001}, "au plus 5000 caractères"),
    ],
)
def test_bad_input_is_explained_in_french_and_nothing_is_saved(subscriber_client, data, error):
    response = subscriber_client.post(URL, data)
    assert response.status_code == 200
    assert error in html(response)
    assert not Inquiry.objects.exists()
    assert mail.outbox == []


def test_a_visitor_must_give_a_valid_email(client):
    response = client.post(URL, {"email": "nope", "subject": "leak", "message": "Fuite"})
    assert "Saisissez une adresse e-mail valide." in html(response)
    assert "Fuite" in html(response)
    assert not Inquiry.objects.exists()


def test_after_an_error_the_subscriber_is_asked_to_choose_the_file_again(subscriber_client):
    response = subscriber_client.post(
        URL, {"subject": "", "message": "Bonjour", "attachment": upload("facture.pdf", PDF)}
    )
    body = html(response)
    assert "le fichier n’a pas été conservé : choisissez-le à nouveau." in body
    assert "Bonjour" in body
    assert not Attachment.objects.exists()


def test_visitors_are_rate_limited_per_ip(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "inquiry_anonymous": "2/10m/ip"}
    data = {"email": "a@example.fr", "subject": "other", "message": "Bonjour"}
    assert client.post(URL, data).status_code == 302
    assert client.post(URL, {**data, "email": "b@example.fr"}).status_code == 302
    response = client.post(URL, {**data, "email": "c@example.fr"})
    assert response.status_code == 429
    assert "patientez quelques minutes" in html(response)
    assert Inquiry.objects.count() == 2


def test_the_form_needs_the_csrf_token(subscriber):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(subscriber)
    response = strict.post(URL, {"subject": "other", "message": "Bonjour"})
    assert response.status_code == 403
    assert not Inquiry.objects.exists()


def test_what_a_visitor_types_is_escaped_in_pages_and_emails(client, settings):
    settings.REGIE_REQUESTS_EMAIL = "accueil@eauxdupaysdaix.fr"
    payload = '<script>alert(1)</script>"><svg onload=alert(2)>'
    client.post(URL, {"email": "x@example.fr", "subject": "other", "message": payload})
    (to_regie,) = mails_to("accueil@eauxdupaysdaix.fr")
    html_body = to_regie.alternatives[0][0]
    assert "<script>" not in html_body and "<svg" not in html_body
    assert "&lt;script&gt;" in html_body
    # The plain-text part is text: shown as typed.
    assert payload in to_regie.body
