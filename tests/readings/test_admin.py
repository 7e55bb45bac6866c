"""Staff: reading periods, validating or refusing the indexes sent, the alerts (read only)."""

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse

from inquiries.models import InquiryStatus
from readings.models import ReadingWindow, SelfReading, SelfReadingState
from tests.builders import CommittingClient, mails_to, make_user, with_totp
from tests.helpers import html

from .helpers import a_year_of_history, open_window

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent_client(client, staff_agent):
    client.force_login(staff_agent)
    return client


@pytest.fixture
def sent(subscriber, contract):
    a_year_of_history(contract)
    open_window()
    own = CommittingClient()  # not ``client``: that one is the agent's
    own.force_login(subscriber)
    own.post(reverse("readings:self_reading", args=[contract.number]), {"index": "1050"})
    mail.outbox.clear()
    return SelfReading.objects.get()


def act(client, action, reading):
    return client.post(
        reverse("admin:readings_selfreading_changelist"),
        {"action": action, "_selected_action": [reading.pk]},
        follow=True,
    )


def test_an_agent_sees_the_indexes_sent_with_their_request(agent_client, sent):
    page = html(agent_client.get(reverse("admin:readings_selfreading_changelist")))
    assert sent.inquiry.reference in page
    assert "En attente" in page
    assert "Valider les index sélectionnés" in page


def test_an_agent_validates_an_index_and_the_subscriber_is_told(agent_client, sent, subscriber):
    response = act(agent_client, "validate", sent)
    assert "1 index validé ; l’abonné a été prévenu." in html(response)
    sent.refresh_from_db()
    assert sent.state == SelfReadingState.VALIDATED
    assert sent.inquiry.status == InquiryStatus.DONE
    assert len(mails_to(subscriber.email)) == 1


def test_an_agent_refuses_an_index(agent_client, sent, subscriber):
    act(agent_client, "refuse", sent)
    sent.refresh_from_db()
    assert sent.state == SelfReadingState.REFUSED
    assert sent.inquiry.status == InquiryStatus.REFUSED
    assert "n’a pas pu être accepté" in mails_to(subscriber.email)[0].body


def test_an_index_already_decided_is_left_alone(agent_client, sent):
    act(agent_client, "validate", sent)
    response = act(agent_client, "refuse", sent)
    assert "n’était plus en attente" in html(response)
    sent.refresh_from_db()
    assert sent.state == SelfReadingState.VALIDATED


def test_staff_without_the_right_cannot_validate(client, sent):
    clerk = with_totp(make_user("clerk@eauxdupaysdaix.fr", is_staff=True))
    group = Group.objects.create(name="Lecture")
    group.permissions.add(
        *Group.objects.get(name="Régie agent").permissions.filter(codename="view_selfreading")
    )
    clerk.groups.add(group)
    client.force_login(clerk)
    page = html(client.get(reverse("admin:readings_selfreading_changelist")))
    assert sent.inquiry.reference in page
    assert "Valider les index sélectionnés" not in page
    act(client, "validate", sent)
    sent.refresh_from_db()
    assert sent.state == SelfReadingState.PENDING


def test_an_agent_opens_a_reading_period(agent_client, contract):
    from inquiries.models import Commune

    commune = Commune.objects.get(postcode="13100", name="Aix-en-Provence")
    response = agent_client.post(
        reverse("admin:readings_readingwindow_add"),
        {"commune": commune.pk, "opens_on": "2026-12-01", "closes_on": "2026-12-31"},
    )
    assert response.status_code == 302, html(response)
    assert ReadingWindow.objects.get().commune == commune


def test_a_period_cannot_end_before_it_starts(agent_client):
    from inquiries.models import Commune

    commune = Commune.objects.get(postcode="13100", name="Aix-en-Provence")
    response = agent_client.post(
        reverse("admin:readings_readingwindow_add"),
        {"commune": commune.pk, "opens_on": "2026-12-31", "closes_on": "2026-12-01"},
    )
    assert response.status_code == 200
    assert not ReadingWindow.objects.exists()


@pytest.mark.parametrize(
    "name", ["readingwindow", "selfreading", "alertsetting", "consumptionalert"]
)
def test_the_agent_opens_each_list(agent_client, name):
    assert agent_client.get(reverse(f"admin:readings_{name}_changelist")).status_code == 200
