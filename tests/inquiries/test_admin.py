"""Staff in the admin: lists and filters, replies and status changes that reach the subscriber."""

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse

from inquiries.models import Commune, Inquiry, InquiryKind, InquiryStatus, MessageAuthor
from inquiries.services import file_inquiry
from tests.builders import PDF, mails_to
from tests.helpers import html

from .factories import contact_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent_client(client, staff_agent):
    client.force_login(staff_agent)
    return client


@pytest.fixture
def inquiry(subscriber):
    return contact_request(subscriber, file=("facture.pdf", PDF))


def change_url(inquiry) -> str:
    return reverse("admin:inquiries_inquiry_change", args=[inquiry.pk])


def post_change(client, inquiry, **data):
    mail.outbox.clear()
    payload = {
        "status": inquiry.status,
        "reply": "",
        "messages-TOTAL_FORMS": "0",
        "messages-INITIAL_FORMS": str(inquiry.messages.count()),
        "messages-MIN_NUM_FORMS": "0",
        "messages-MAX_NUM_FORMS": "1000",
        **data,
    }
    return client.post(change_url(inquiry), payload, follow=True)


def test_the_regie_agent_group_may_see_and_change_requests_and_communes():
    perms = set(
        Group.objects.get(name="Régie agent")
        .permissions.filter(content_type__app_label="inquiries")
        .values_list("codename", flat=True)
    )
    assert {"view_inquiry", "change_inquiry", "view_attachment", "change_commune"} <= perms
    assert "delete_inquiry" not in perms


def test_the_list_filters_by_status_kind_and_commune(agent_client, inquiry, subscriber):
    gardanne = Commune.objects.get(name="Gardanne")
    file_inquiry(
        InquiryKind.SUBSCRIPTION,
        {"last_name": "Durand", "email": "d@example.fr", "commune": gardanne, "postcode": "13120"},
        "",
        user=subscriber,
    )
    url = reverse("admin:inquiries_inquiry_changelist")
    body = html(agent_client.get(url))
    assert inquiry.reference in body and "DA-" in body
    for query in (
        "?status__exact=received",
        "?kind__exact=contact",
        f"?commune__id__exact={gardanne.pk}",
    ):
        assert agent_client.get(url + query).status_code == 200
    by_commune = html(agent_client.get(url + f"?commune__id__exact={gardanne.pk}"))
    assert "DA-" in by_commune and inquiry.reference not in by_commune
    by_kind = html(agent_client.get(url + "?kind__exact=contact"))
    assert inquiry.reference in by_kind and "DA-" not in by_kind


def test_the_change_page_shows_the_thread_and_the_attachment_link(agent_client, inquiry):
    body = html(agent_client.get(change_url(inquiry)))
    assert "Ma facture semble trop élevée." in body
    attachment = inquiry.attachments.get()
    assert reverse("inquiries:attachment", args=[inquiry.reference, attachment.pk]) in body


def test_a_reply_is_emailed_and_appears_in_my_requests(agent_client, inquiry, subscriber, client):
    response = post_change(agent_client, inquiry, reply="Votre relevé a été corrigé.")
    assert response.status_code == 200
    assert "Votre réponse a été envoyée à abonne@example.fr." in html(response)
    reply = inquiry.messages.get(author=MessageAuthor.REGIE)
    assert reply.body == "Votre relevé a été corrigé."
    (email,) = mails_to(subscriber.email)
    assert email.subject == f"La Régie a répondu à votre demande {inquiry.reference}"
    assert "Votre relevé a été corrigé." in email.body
    assert f"/demandes/{inquiry.reference}/" in email.body

    client.force_login(subscriber)
    page = html(client.get(reverse("inquiries:detail", args=[inquiry.reference])))
    assert "Votre relevé a été corrigé." in page


def test_a_status_change_tells_the_subscriber(agent_client, inquiry, subscriber):
    post_change(agent_client, inquiry, status=InquiryStatus.IN_PROGRESS)
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.IN_PROGRESS
    (email,) = mails_to(subscriber.email)
    assert email.subject == f"Votre demande {inquiry.reference} : En cours"
    assert "est désormais : En cours." in email.body


def test_a_reply_and_a_status_change_make_one_email(agent_client, inquiry, subscriber):
    post_change(agent_client, inquiry, status=InquiryStatus.DONE, reply="C’est réglé.")
    (email,) = mails_to(subscriber.email)
    assert "C’est réglé." in email.body and "Traitée" in email.body


def test_saving_without_change_sends_nothing(agent_client, inquiry):
    post_change(agent_client, inquiry)
    assert mail.outbox == []
    assert inquiry.messages.count() == 1


def test_an_anonymous_visitor_gets_the_reply_by_email_without_a_link(agent_client):
    inquiry = contact_request(None, email="visiteur@example.fr")
    post_change(agent_client, inquiry, reply="Bonjour, voici notre réponse.")
    (email,) = mails_to("visiteur@example.fr")
    assert "Bonjour, voici notre réponse." in email.body
    assert "/demandes/" not in email.body


def test_agents_cannot_create_or_delete_requests(agent_client, inquiry):
    assert agent_client.get(reverse("admin:inquiries_inquiry_add")).status_code == 403
    url = reverse("admin:inquiries_inquiry_delete", args=[inquiry.pk])
    assert agent_client.get(url).status_code == 403
    assert Inquiry.objects.filter(pk=inquiry.pk).exists()


def test_agents_edit_the_list_of_communes(agent_client):
    response = agent_client.post(
        reverse("admin:inquiries_commune_add"),
        {"name": "Lambesc", "postcode": "13410", "active": "on"},
    )
    assert response.status_code == 302
    assert Commune.objects.filter(name="Lambesc", active=True).exists()


def test_what_a_subscriber_typed_is_escaped_in_the_admin(agent_client, subscriber):
    inquiry = contact_request(subscriber, body="<script>alert(1)</script>")
    body = html(agent_client.get(change_url(inquiry)))
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_a_reply_is_in_the_audit_trail_in_words(agent_client, inquiry):
    from audit.models import AuditEvent, AuditKind

    post_change(agent_client, inquiry, status=InquiryStatus.DONE, reply="C’est réglé.")
    details = list(
        AuditEvent.objects.filter(kind=AuditKind.STAFF_CHANGE).values_list("detail", flat=True)
    )
    assert details == [f"Réponse à {inquiry.reference} (état : {InquiryStatus.DONE.label})"]
