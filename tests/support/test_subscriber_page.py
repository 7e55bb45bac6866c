"""The subscriber page for staff and the support actions: who may, what is audited."""

from zoneinfo import ZoneInfo

import pytest
from allauth.account.models import EmailAddress
from allauth.usersessions.models import UserSession
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts import throttle
from audit.models import AuditEvent, AuditKind
from contracts import services as linking
from contracts.models import LinkAttempt, LinkAttemptResult
from tests.builders import make_user

pytestmark = pytest.mark.django_db


def page_url(user):
    return reverse("admin:support_subscriber_change", args=[user.pk])


def action_url(user, action):
    return reverse("admin:support_subscriber_action", args=[user.pk, action])


@pytest.fixture
def agent_client(client, staff_agent):
    client.force_login(staff_agent)
    return client


@pytest.fixture
def unconfirmed(db):
    user = make_user("nouveau@example.fr")
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    return user


def test_the_agent_finds_a_subscriber_by_contract_number_in_any_spelling(
    agent_client, subscriber, contract
):
    response = agent_client.get(
        reverse("admin:support_subscriber_changelist"), {"q": "11301 11377 01"}
    )
    assert response.status_code == 200
    assert subscriber.email in response.content.decode()


@pytest.mark.parametrize("term", ["Marie Dupont", "P0001", "abonne@"])
def test_the_agent_finds_a_subscriber_by_name_payer_reference_or_email(
    agent_client, subscriber, contract, term
):
    response = agent_client.get(reverse("admin:support_subscriber_changelist"), {"q": term})
    assert subscriber.email in response.content.decode()


def test_staff_accounts_are_not_subscribers(agent_client, staff_agent):
    response = agent_client.get(reverse("admin:support_subscriber_changelist"), {"q": "agent"})
    assert page_url(staff_agent) not in response.content.decode()
    assert agent_client.get(page_url(staff_agent)).status_code in (302, 404)


def test_the_page_shows_the_account_state_payers_attempts_emails_and_events(
    agent_client, subscriber, contract
):
    EmailAddress.objects.filter(user=subscriber).update(verified=False)
    LinkAttempt.objects.create(user=subscriber, number="99999.99999.99", result="failed")
    for _ in range(5):
        throttle.record_failure(throttle.LOGIN, subscriber.email)
    html = agent_client.get(page_url(subscriber)).content.decode()
    assert "Non confirmée" in html or "non confirmée" in html
    assert "bloquée jusqu’au" in html or "bloqué jusqu’au" in html
    assert contract.number in html and "Marie Dupont" in html
    assert "99999.99999.99" in html


def test_the_agent_resends_the_activation_link_and_it_is_audited(agent_client, unconfirmed):
    response = agent_client.post(
        action_url(unconfirmed, "resend_activation"), {"reason": "Appel : e-mail pas reçu"}
    )
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [[unconfirmed.email]]
    assert "/comptes/confirm-email/" in mail.outbox[0].body
    event = AuditEvent.objects.get(kind=AuditKind.ACTIVATION_RESENT)
    assert event.subject == unconfirmed and event.user.email == "agent@eauxdupaysdaix.fr"
    assert event.reason == "Appel : e-mail pas reçu"


def test_an_action_without_a_reason_does_nothing(agent_client, unconfirmed):
    agent_client.post(action_url(unconfirmed, "resend_activation"), {"reason": ""})
    assert not mail.outbox
    assert not AuditEvent.objects.filter(kind=AuditKind.ACTIVATION_RESENT).exists()


def test_resending_to_a_confirmed_address_says_so_and_sends_nothing(agent_client, subscriber):
    assert EmailAddress.objects.get(user=subscriber).verified
    response = agent_client.post(
        action_url(subscriber, "resend_activation"), {"reason": "appel"}, follow=True
    )
    assert not mail.outbox
    assert "déjà confirmée" in response.content.decode()


def test_the_agent_sends_a_password_reset_link(agent_client, subscriber):
    agent_client.post(action_url(subscriber, "send_password_reset"), {"reason": "oubli"})
    assert [m.to for m in mail.outbox] == [[subscriber.email]]
    assert "/comptes/password/reset/key/" in mail.outbox[0].body
    assert AuditEvent.objects.get(kind=AuditKind.RESET_SENT).subject == subscriber


def test_the_agent_lifts_the_login_lock(agent_client, subscriber):
    for _ in range(6):
        throttle.record_failure(throttle.LOGIN, subscriber.email)
    assert throttle.locked_until(throttle.LOGIN, subscriber.email)
    agent_client.post(action_url(subscriber, "lift_login_lock"), {"reason": "appel"})
    assert throttle.locked_until(throttle.LOGIN, subscriber.email) is None
    assert AuditEvent.objects.get(kind=AuditKind.ACCOUNT_UNLOCKED).subject == subscriber


def test_the_agent_lifts_the_contract_link_lock(agent_client, subscriber, contract):
    for _ in range(linking.ACCOUNT_LIMIT):
        LinkAttempt.objects.create(user=subscriber, number=contract.number, result="failed")
    assert linking.locked_until(subscriber, contract.number)
    agent_client.post(
        action_url(subscriber, "lift_link_lock"), {"reason": "appel", "number": "113011137701"}
    )
    assert linking.locked_until(subscriber, contract.number) is None
    # The attempts stay in the log.
    assert LinkAttempt.objects.filter(result=LinkAttemptResult.FAILED).count() == 5
    event = AuditEvent.objects.get(kind=AuditKind.LINK_UNLOCKED)
    assert event.subject == subscriber and contract.number in event.detail


def test_a_new_key_is_shown_once_lifts_the_lock_and_links(agent_client, client, contract):
    newcomer = make_user("nouvel.abonne@example.fr")
    for _ in range(linking.ACCOUNT_LIMIT):
        LinkAttempt.objects.create(user=newcomer, number=contract.number, result="failed")
    response = agent_client.post(
        action_url(newcomer, "new_contract_key"),
        {"reason": "clé perdue", "number": contract.number},
        follow=True,
    )
    html = response.content.decode()
    key = html.split(f"Nouvelle clé du contrat {contract.number} : ")[1].split(" ")[0]
    outcome = linking.link_contract(newcomer, contract.number, key, "127.0.0.1")
    assert outcome.ok
    event = AuditEvent.objects.get(kind=AuditKind.KEY_GENERATED)
    assert event.subject == newcomer and key not in event.detail + event.reason


def test_the_agent_ends_the_subscribers_sessions(agent_client, client, subscriber):
    other = type(client)()
    other.force_login(subscriber)
    UserSession.objects.create(
        user=subscriber,
        session_key=other.session.session_key,
        ip="127.0.0.1",
        user_agent="test",
        created_at=timezone.now(),
        last_seen_at=timezone.now(),
    )
    agent_client.post(action_url(subscriber, "end_sessions"), {"reason": "téléphone volé"})
    assert not UserSession.objects.filter(user=subscriber).exists()
    assert other.get("/mon-compte/").status_code == 302
    assert AuditEvent.objects.get(kind=AuditKind.SESSIONS_ENDED).subject == subscriber


@pytest.mark.parametrize(
    "action",
    [
        "resend_activation",
        "send_password_reset",
        "lift_login_lock",
        "lift_link_lock",
        "new_contract_key",
        "end_sessions",
    ],
)
def test_a_subscriber_cannot_take_a_support_action(client, subscriber, outsider, action):
    client.force_login(outsider)
    response = client.post(action_url(subscriber, action), {"reason": "x", "number": ""})
    assert response.status_code in (302, 403)
    assert not AuditEvent.objects.filter(subject=subscriber).exists()
    assert not mail.outbox


def test_a_staff_member_outside_the_group_cannot_take_support_actions(client, subscriber):
    from tests.builders import with_totp

    clerk = with_totp(make_user("stagiaire@eauxdupaysdaix.fr", is_staff=True))
    client.force_login(clerk)
    response = client.post(action_url(subscriber, "send_password_reset"), {"reason": "x"})
    assert response.status_code == 403
    assert not mail.outbox


def test_the_agent_group_has_support_rights_but_no_user_administration(staff_agent):
    group = Group.objects.get(name="Régie agent")
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {"view_subscriber", "resend_activation", "end_sessions"} <= codenames
    assert not group.permissions.filter(content_type__app_label="accounts").exists()


def test_a_lock_end_is_shown_in_paris_time(agent_client, subscriber):
    start = timezone.now().replace(microsecond=0)
    for _ in range(linking.ACCOUNT_LIMIT):
        LinkAttempt.objects.create(
            user=subscriber, number="11301.11377.01", result="failed", created_at=start
        )
    html = agent_client.get(page_url(subscriber)).content.decode()
    end = timezone.localtime(start + linking.ACCOUNT_WINDOW, ZoneInfo("Europe/Paris"))
    assert f"{end:%H:%M}" in html
