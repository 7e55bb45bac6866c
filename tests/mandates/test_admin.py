"""Staff: mandates and moves out in the admin, the IBAN masked, the signed PDF recorded."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from audit.models import AuditEvent, AuditKind
from inquiries.models import InquiryStatus
from mandates.models import Mandate, MandateState
from tests.helpers import html

from .factories import IBAN_DE, IBAN_FR_MASKED, IBAN_SECRET_PART, move_out, sign

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent_client(client, staff_agent):
    client.force_login(staff_agent)
    return client


def test_agents_may_read_mandates_set_their_state_and_open_the_signed_pdf():
    perms = set(
        Group.objects.get(name="Régie agent")
        .permissions.filter(content_type__app_label="mandates")
        .values_list("codename", flat=True)
    )
    assert {"view_mandate", "change_mandate", "open_signed_mandate", "view_moveout"} <= perms
    assert "delete_mandate" not in perms and "add_mandate" not in perms


def test_the_lists_and_pages_show_the_iban_masked(agent_client, contract, subscriber):
    mandate = sign(contract, subscriber)
    move = move_out(contract, subscriber, iban=IBAN_DE)
    pages = [
        reverse("admin:mandates_mandate_changelist"),
        reverse("admin:mandates_mandate_change", args=[mandate.pk]),
        reverse("admin:mandates_moveout_changelist"),
        reverse("admin:mandates_moveout_change", args=[move.pk]),
        reverse("admin:inquiries_inquiry_change", args=[mandate.inquiry.pk]),
    ]
    for url in pages:
        response = agent_client.get(url)
        assert response.status_code == 200, url
        body = html(response)
        assert IBAN_SECRET_PART not in body and "370400440532013" not in body, url
    assert IBAN_FR_MASKED in html(agent_client.get(pages[0]))
    change = html(agent_client.get(pages[1]))
    assert mandate.rum in change and mandate.inquiry.reference in change
    assert "203.0.113.7" in change and mandate.pdf_sha256 in change


def test_opening_the_signed_pdf_is_recorded(agent_client, contract, subscriber, staff_agent):
    mandate = sign(contract, subscriber)
    response = agent_client.get(reverse("admin:mandates_mandate_pdf", args=[mandate.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    event = AuditEvent.objects.get(kind=AuditKind.STAFF_CHANGE, user=staff_agent)
    assert mandate.rum in event.detail and event.subject == subscriber


def test_an_agent_without_the_permission_cannot_open_it(agent_client, contract, subscriber):
    mandate = sign(contract, subscriber)
    group = Group.objects.get(name="Régie agent")
    group.permissions.remove(Permission.objects.get(codename="open_signed_mandate"))
    response = agent_client.get(reverse("admin:mandates_mandate_pdf", args=[mandate.pk]))
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(detail__contains=mandate.rum).exists()


def test_subscribers_never_reach_the_admin_pdf(client, contract, subscriber):
    mandate = sign(contract, subscriber)
    client.force_login(subscriber)
    response = client.get(reverse("admin:mandates_mandate_pdf", args=[mandate.pk]))
    assert response.status_code == 302


def test_answering_the_request_in_the_admin_activates_the_mandate(
    agent_client, contract, subscriber
):
    mandate = sign(contract, subscriber)
    inquiry = mandate.inquiry
    payload = {
        "status": InquiryStatus.DONE,
        "reply": "Votre prélèvement commencera à la prochaine facture.",
        "messages-TOTAL_FORMS": "0",
        "messages-INITIAL_FORMS": str(inquiry.messages.count()),
        "messages-MIN_NUM_FORMS": "0",
        "messages-MAX_NUM_FORMS": "1000",
    }
    url = reverse("admin:inquiries_inquiry_change", args=[inquiry.pk])
    assert agent_client.post(url, payload).status_code == 302
    mandate.refresh_from_db()
    assert mandate.state == MandateState.ACTIVE


def test_an_agent_sets_the_state_in_the_mandate_admin(agent_client, contract, subscriber):
    mandate = sign(contract, subscriber)
    url = reverse("admin:mandates_mandate_change", args=[mandate.pk])
    payload = {
        "state": MandateState.STOPPED,
        "stops-TOTAL_FORMS": "0",
        "stops-INITIAL_FORMS": "0",
        "stops-MIN_NUM_FORMS": "0",
        "stops-MAX_NUM_FORMS": "1000",
    }
    response = agent_client.post(url, payload)
    assert response.status_code == 302, html(response)
    mandate = Mandate.objects.get()
    assert mandate.state == MandateState.STOPPED and mandate.state_changed_at is not None
    assert mandate.iban_masked == IBAN_FR_MASKED  # nothing else changed
