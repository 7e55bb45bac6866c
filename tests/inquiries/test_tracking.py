"""“Mes demandes”: the list, one request's thread, follow-up messages, and who sees what."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from inquiries.models import InquiryStatus, Message, MessageAuthor
from tests.builders import mails_to
from tests.helpers import assert_french_page, html

from .factories import contact_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def inquiry(subscriber):
    return contact_request(subscriber)


def detail_url(inquiry) -> str:
    return reverse("inquiries:detail", args=[inquiry.reference])


def test_the_menu_leads_to_my_requests(subscriber_client):
    body = html(subscriber_client.get(reverse("contracts:link")))
    assert f'href="{reverse("inquiries:list")}"' in body
    assert "Mes demandes" in body


def test_my_requests_lists_each_request_with_reference_date_subject_and_status(
    subscriber_client, inquiry, outsider
):
    contact_request(outsider, body="Pas à vous")
    response = subscriber_client.get(reverse("inquiries:list"))
    assert_french_page(response)
    body = html(response)
    assert inquiry.reference in body
    # The page shows the Régie's date (Europe/Paris): past 23:00 UTC it is already tomorrow.
    assert timezone.localtime(inquiry.created_at).strftime("%d/%m/%Y") in body
    assert "Facture" in body
    assert "Reçue" in body
    assert body.count("/demandes/CT-") == 1


def test_an_empty_list_says_so(subscriber_client):
    assert "Vous n’avez encore envoyé aucune demande." in html(
        subscriber_client.get(reverse("inquiries:list"))
    )


def test_the_list_costs_the_same_few_queries_with_many_requests(
    subscriber_client, subscriber, django_assert_max_num_queries
):
    for _ in range(15):
        contact_request(subscriber)
    with django_assert_max_num_queries(6):
        subscriber_client.get(reverse("inquiries:list"))


def test_the_owner_reads_the_thread(subscriber_client, inquiry):
    Message.objects.create(inquiry=inquiry, author=MessageAuthor.REGIE, body="Nous vérifions.")
    response = subscriber_client.get(detail_url(inquiry))
    assert_french_page(response)
    body = html(response)
    assert "Ma facture semble trop élevée." in body
    assert "Nous vérifions." in body
    assert "Régie des Eaux du Pays d" in body
    assert "Ajouter un message" in body


def test_others_requests_do_not_exist_for_an_outsider(client, outsider, inquiry):
    client.force_login(outsider)
    assert client.get(detail_url(inquiry)).status_code == 404
    assert client.post(detail_url(inquiry), {"message": "intrus"}).status_code == 404
    assert inquiry.messages.count() == 1


def test_a_second_account_of_the_same_payer_does_not_see_the_request(
    client, second_subscriber, inquiry
):
    client.force_login(second_subscriber)
    assert client.get(detail_url(inquiry)).status_code == 404


def test_an_unknown_reference_is_a_404(subscriber_client, inquiry):
    url = reverse("inquiries:detail", args=["CT-2026-999999"])
    assert subscriber_client.get(url).status_code == 404


@pytest.mark.parametrize("name", ["inquiries:list", "inquiries:subscription"])
def test_anonymous_visitors_are_asked_to_log_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and response["Location"].startswith("/?next=")


def test_anonymous_visitors_cannot_read_a_request(client, inquiry):
    response = client.get(detail_url(inquiry))
    assert response.status_code == 302 and response["Location"].startswith("/?next=")


def test_the_subscriber_adds_a_message_and_the_regie_is_told(subscriber_client, inquiry, settings):
    settings.REGIE_REQUESTS_EMAIL = "accueil@eauxdupaysdaix.fr"
    mail.outbox.clear()
    response = subscriber_client.post(
        detail_url(inquiry), {"message": "J’ajoute une précision."}, follow=True
    )
    body = html(response)
    assert "Votre message a été envoyé à la Régie." in body
    assert "J’ajoute une précision." in body
    assert inquiry.messages.count() == 2
    (to_regie,) = mails_to("accueil@eauxdupaysdaix.fr")
    assert inquiry.reference in to_regie.subject


def test_an_empty_follow_up_is_refused_in_french(subscriber_client, inquiry):
    response = subscriber_client.post(detail_url(inquiry), {"message": ""})
    assert "Ce champ est obligatoire." in html(response)
    assert inquiry.messages.count() == 1


def test_a_closed_request_takes_no_more_messages(subscriber_client, inquiry):
    inquiry.status = InquiryStatus.DONE
    inquiry.save()
    body = html(subscriber_client.get(detail_url(inquiry)))
    assert "Cette demande est close." in body
    assert 'name="message"' not in body
    response = subscriber_client.post(detail_url(inquiry), {"message": "Encore"}, follow=True)
    assert "Cette demande est close : écrivez plutôt un nouveau message." in html(response)
    assert inquiry.messages.count() == 1


def test_the_confirmation_page_needs_a_request_just_filed(client):
    response = client.get(reverse("inquiries:confirmation"))
    assert response.status_code == 302
    assert response["Location"] == reverse("contact")
