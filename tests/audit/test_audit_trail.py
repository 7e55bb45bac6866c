"""Logins, failures, logouts, key generation and account deletion leave a trace for staff."""

import datetime
import io
import re

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from audit.models import AuditEvent, AuditKind
from contracts.models import AccountPayerLink, LinkAttempt, LinkAttemptResult, Payer
from tests.builders import PASSWORD, login, with_totp

pytestmark = pytest.mark.django_db


def events(kind):
    return list(AuditEvent.objects.filter(kind=kind))


def test_a_login_is_recorded_with_the_account_and_ip(client, subscriber):
    login(client, subscriber.email)
    (event,) = events(AuditKind.LOGIN)
    assert event.user == subscriber
    assert event.ip == "127.0.0.1"
    assert timezone.now() - event.at < datetime.timedelta(minutes=1)


def test_a_failed_login_is_recorded_with_the_account_but_not_the_password(client, subscriber):
    login(client, subscriber.email, password="Mauvais!Mot9")
    (event,) = events(AuditKind.LOGIN_FAILED)
    assert event.user == subscriber and event.ip == "127.0.0.1"
    assert "Mauvais" not in event.detail


def test_a_failed_login_on_an_unknown_address_keeps_no_address(client, db):
    login(client, "inconnu@example.fr", password="Mauvais!Mot9")
    (event,) = events(AuditKind.LOGIN_FAILED)
    assert event.user is None and event.detail == ""


def test_a_logout_is_recorded(client, subscriber):
    login(client, subscriber.email)
    client.post("/comptes/logout/")
    (event,) = events(AuditKind.LOGOUT)
    assert event.user == subscriber


def test_a_key_generated_by_staff_is_recorded_without_the_key(client, contract):
    agent = User.objects.create_user("agent@example.fr", PASSWORD, is_staff=True)
    agent.groups.add(Group.objects.get(name="Régie agent"))
    client.force_login(with_totp(agent))
    response = client.post(
        reverse("admin:contracts_contract_changelist"),
        {"action": "generate_keys", "_selected_action": [contract.pk]},
        follow=True,
    )
    message = next(str(m) for m in response.context["messages"])
    key = re.search(r"11301\.11377\.01 : ([A-Z0-9]{8})", message).group(1)
    (event,) = events(AuditKind.KEY_GENERATED)
    assert (event.user, event.detail, event.ip) == (agent, "11301.11377.01", "127.0.0.1")
    assert key not in event.detail


def test_an_account_deletion_is_recorded_without_the_address(client, subscriber):
    login(client, subscriber.email)
    user_id = subscriber.pk
    client.post(reverse("accounts:delete"), {"password": PASSWORD})
    assert not User.objects.filter(pk=user_id).exists()
    (event,) = events(AuditKind.ACCOUNT_DELETED)
    assert event.detail == f"#{user_id}" and event.ip == "127.0.0.1"
    assert "abonne" not in event.detail
    # Earlier events of the account stay, detached from it.
    assert AuditEvent.objects.get(kind=AuditKind.LOGIN).user is None


def test_staff_read_the_audit_trail_but_cannot_change_it(client, subscriber):
    login(client, subscriber.email)
    admin = with_totp(User.objects.create_superuser("chef@example.fr", PASSWORD))
    client.force_login(admin)
    changelist = client.get(reverse("admin:audit_auditevent_changelist"))
    assert changelist.status_code == 200
    assert "abonne@example.fr" in changelist.content.decode()
    assert client.get(reverse("admin:audit_auditevent_add")).status_code == 403
    event = AuditEvent.objects.filter(user=subscriber).first()
    delete_url = reverse("admin:audit_auditevent_delete", args=[event.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_subscribers_cannot_read_the_audit_trail(client, subscriber):
    client.force_login(subscriber)
    response = client.get(reverse("admin:audit_auditevent_changelist"))
    assert response.status_code == 302


def test_purge_deletes_only_what_is_past_the_retention_period(subscriber, settings):
    settings.AUDIT_RETENTION_DAYS = 30
    old = timezone.now() - datetime.timedelta(days=31)
    recent = timezone.now() - datetime.timedelta(days=29)
    AuditEvent.objects.create(kind=AuditKind.LOGIN, user=subscriber, ip="10.0.0.1", at=old)
    AuditEvent.objects.create(kind=AuditKind.LOGIN, user=subscriber, ip="10.0.0.2", at=recent)
    for at in (old, recent):
        LinkAttempt.objects.create(
            user=subscriber,
            number="x",
            ip="10.0.0.3",
            result=LinkAttemptResult.FAILED,
            created_at=at,
        )

    out = io.StringIO()
    call_command("purge_audit", "--dry-run", stdout=out)
    assert "1 audit event(s) and 1 link attempt(s) older than 30 days" in out.getvalue()
    assert AuditEvent.objects.count() == 2 and LinkAttempt.objects.count() == 2

    call_command("purge_audit", stdout=io.StringIO())
    assert list(AuditEvent.objects.values_list("ip", flat=True)) == ["10.0.0.2"]
    assert LinkAttempt.objects.get().created_at == recent


def _agent(email="agent@example.fr"):
    agent = User.objects.create_user(email, PASSWORD, is_staff=True)
    agent.groups.add(Group.objects.get(name="Régie agent"))
    return with_totp(agent)


def test_a_regie_agent_reads_the_audit_trail(client, subscriber):
    login(client, subscriber.email)
    client.force_login(_agent())
    changelist = client.get(reverse("admin:audit_auditevent_changelist"))
    assert changelist.status_code == 200
    assert "abonne@example.fr" in changelist.content.decode()


def test_a_change_made_in_the_admin_is_recorded_with_the_staff_ip(client, subscriber):
    agent = _agent()
    client.force_login(agent)
    link = AccountPayerLink.objects.create(
        user=subscriber, payer=Payer.objects.create(reference="R-AUDIT", name="Redevable audité")
    )
    delete_url = reverse("admin:contracts_accountpayerlink_delete", args=[link.pk])
    response = client.post(delete_url, {"post": "yes"}, REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 302
    assert not AccountPayerLink.objects.filter(pk=link.pk).exists()
    (event,) = events(AuditKind.STAFF_CHANGE)
    assert (event.user, event.ip) == (agent, "10.1.2.3")
    assert event.detail == (
        "Suppression : liaison d’un compte à un redevable abonne@example.fr ↔ R-AUDIT"
    )
    assert "audité" not in event.detail  # the payer's reference, not its name


def test_a_group_change_is_recorded_in_words(client, subscriber):
    admin = with_totp(User.objects.create_superuser("chef@example.fr", PASSWORD))
    jean = User.objects.create_user("jean@eauxdupaysdaix.fr", PASSWORD, is_staff=True)
    client.force_login(admin)
    group = Group.objects.get(name="Régie agent")
    url = reverse("admin:accounts_user_change", args=[jean.pk])
    response = client.post(
        url, {"email": jean.email, "is_active": "on", "is_staff": "on", "groups": [group.pk]}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    details = set(
        AuditEvent.objects.filter(kind=AuditKind.STAFF_CHANGE).values_list("detail", flat=True)
    )
    assert details == {
        "jean@eauxdupaysdaix.fr ajouté au groupe Régie agent",
        "Modification : utilisateur jean@eauxdupaysdaix.fr",
    }


def test_an_event_title_is_in_paris_time(subscriber):
    event = AuditEvent.objects.create(
        kind=AuditKind.LOGIN, at=datetime.datetime(2026, 7, 1, 8, 30, tzinfo=datetime.UTC)
    )
    assert str(event) == "Connexion 01/07/2026 10:30"


def test_the_user_page_shows_activation_and_two_factor_state(client, subscriber):
    admin = with_totp(User.objects.create_superuser("chef2@example.fr", PASSWORD))
    client.force_login(admin)
    html = client.get(reverse("admin:accounts_user_change", args=[subscriber.pk])).content.decode()
    assert "E-mail confirmé" in html and "Authentification à deux facteurs" in html
    assert reverse("admin:support_subscriber_change", args=[subscriber.pk]) in html
