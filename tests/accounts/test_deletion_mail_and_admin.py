"""Account deletion, mail delivery through tasks (retries), and the staff screens."""

import smtplib
from unittest import mock

import pytest
from allauth.account.models import EmailAddress, EmailConfirmation
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.contrib.admin.models import LogEntry
from django.contrib.sessions.models import Session
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import OutgoingEmail, User
from accounts.services import delete_account
from accounts.tasks import RETRY_DELAYS, deliver_email, retry_due_emails
from tests.builders import PASSWORD, login
from tests.helpers import assert_french_page, html

pytestmark = pytest.mark.django_db


def test_deleting_the_account_asks_for_the_password(client, new_subscriber):
    # A real login (not force_login): it counts as a recent authentication.
    login(client, new_subscriber.email)
    url = reverse("accounts:delete")
    assert_french_page(client.get(url))
    response = client.post(url, {"password": "Mauvais7!"})
    assert "Ce n’est pas votre mot de passe actuel." in html(response)
    assert User.objects.filter(pk=new_subscriber.pk).exists()


def test_deleting_the_account_leaves_no_personal_data(client, new_subscriber):
    login(client, new_subscriber.email)
    client.post("/comptes/password/reset/", {"email": new_subscriber.email})
    EmailAddress.objects.create(user=new_subscriber, email="second@example.fr", verified=False)
    LogEntry.objects.create(user=new_subscriber, action_flag=1, object_repr="x")
    mail.outbox.clear()
    response = client.post(reverse("accounts:delete"), {"password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "Votre compte et toutes vos données personnelles ont été supprimés." in html(response)
    assert "_auth_user_id" not in client.session
    assert not User.objects.exists()
    assert not EmailAddress.objects.exists()
    assert not EmailConfirmation.objects.exists()
    assert not LogEntry.objects.exists()
    # The new_subscriber is told, and nothing of that email remains once it is delivered.
    assert [m.subject for m in mail.outbox] == ["Votre Espace abonné a été supprimé"]
    assert not OutgoingEmail.objects.exists()
    for session in Session.objects.all():
        assert str(new_subscriber.pk) not in str(session.get_decoded().get("_auth_user_id", ""))


def test_the_deletion_service_removes_the_user_in_one_transaction(new_subscriber):
    OutgoingEmail.objects.create(to=new_subscriber.email, subject="x", from_email="x")
    assert delete_account(new_subscriber) == "abonne@example.fr"
    assert not User.objects.exists()
    assert not OutgoingEmail.objects.exists()


def test_mail_goes_through_the_task_and_its_body_is_erased_once_sent(client):
    client.post(
        "/comptes/signup/",
        {"email": "tache@example.fr", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert len(mail.outbox) == 1
    sent = OutgoingEmail.objects.get(to="tache@example.fr")
    assert sent.status == OutgoingEmail.Status.SENT
    assert sent.attempts == 1
    assert sent.text_body == sent.html_body == ""


def test_an_smtp_failure_never_breaks_a_signup_and_the_email_is_retried(client, settings):
    with mock.patch(
        "django.core.mail.EmailMessage.send", side_effect=smtplib.SMTPServerDisconnected("down")
    ):
        response = client.post(
            "/comptes/signup/",
            {"email": "panne@example.fr", "password1": PASSWORD, "password2": PASSWORD},
            follow=True,
        )
    assert response.status_code == 200
    assert "Enregistrement effectué." in html(response)
    email = OutgoingEmail.objects.get(to="panne@example.fr")
    assert email.status == OutgoingEmail.Status.FAILED
    assert email.attempts == 1
    assert "SMTPServerDisconnected" in email.last_error
    assert email.text_body  # kept until delivered
    assert mail.outbox == []
    # Once the retry is due, the email goes out.
    OutgoingEmail.objects.filter(pk=email.pk).update(next_attempt_at=email.created_at)
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        assert retry_due_emails() == 1
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT and email.attempts == 2
    assert mail.outbox[0].to == ["panne@example.fr"]


def test_a_deferring_backend_gets_the_retry_with_a_delay(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    email = OutgoingEmail.objects.create(to="a@example.fr", subject="s", from_email="f")
    from django.test import TestCase

    with (
        mock.patch("django.core.mail.EmailMessage.send", side_effect=OSError("refused")),
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        deliver_email.call(email.pk)
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.FAILED
    backend = deliver_email.get_backend()
    [result] = backend.results
    assert result.task.run_after == email.next_attempt_at
    assert result.args == [email.pk]


def test_an_email_is_abandoned_after_the_last_retry_and_stays_visible():
    email = OutgoingEmail.objects.create(
        to="a@example.fr", subject="s", from_email="f", attempts=len(RETRY_DELAYS)
    )
    with mock.patch("django.core.mail.EmailMessage.send", side_effect=OSError("refused")):
        deliver_email.call(email.pk)
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.ABANDONED


@pytest.fixture
def agent(db):
    user = User.objects.create_superuser("agent@eauxdupaysdaix.fr", "Agent_Regie7!x")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def test_staff_log_in_to_the_admin_by_email_and_find_users(client, agent, new_subscriber, settings):
    # Through the portal's login and its second factor: the admin has no door of its own.
    secret = generate_totp_secret()
    TOTP.activate(agent, secret)
    admin_root = "/" + settings.ADMIN_PATH
    response = login(client, agent.email, "Agent_Regie7!x")
    assert response["Location"].startswith("/comptes/2fa/authenticate/")
    counter = int(timezone.now().timestamp()) // 30
    response = client.post(
        "/comptes/2fa/authenticate/", {"code": format_hotp_value(hotp_value(secret, counter))}
    )
    assert response.status_code == 302
    listing = client.get(admin_root + "accounts/user/?q=abonne")
    assert listing.status_code == 200
    assert "abonne@example.fr" in html(listing)
    assert "agent@eauxdupaysdaix.fr" not in html(listing).split("result_list")[-1]
    for query in ("verified=yes", "is_active__exact=1", "is_staff__exact=0"):
        assert client.get(admin_root + "accounts/user/?" + query).status_code == 200
    assert client.get(admin_root + "accounts/outgoingemail/").status_code == 200
    assert client.get(admin_root + "accounts/user/add/").status_code == 200
    assert client.get(admin_root + f"accounts/user/{new_subscriber.pk}/change/").status_code == 200


def test_the_admin_path_is_configurable(settings):
    assert reverse("admin:index") == "/" + settings.ADMIN_PATH


def test_the_retry_command_queues_due_emails_and_has_a_dry_run(capsys):
    from django.core.management import call_command
    from django.utils import timezone

    email = OutgoingEmail.objects.create(
        to="a@example.fr",
        subject="s",
        from_email="f",
        text_body="corps",
        status=OutgoingEmail.Status.FAILED,
        attempts=1,
        next_attempt_at=timezone.now(),
    )
    call_command("retry_emails", "--dry-run")
    assert "1 email(s) due" in capsys.readouterr().out
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("retry_emails")
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT
    assert mail.outbox[0].body == "corps"


# The worker closes its database connection when the batch ends: outside a test transaction.
@pytest.mark.django_db(transaction=True)
def test_with_the_database_queue_the_worker_delivers_the_email(client, settings):
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    client.post(
        "/comptes/signup/",
        {"email": "file@example.fr", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert mail.outbox == []
    assert DBTaskResult.objects.count() == 1
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert [m.to for m in mail.outbox] == [["file@example.fr"]]


def test_too_many_requests_for_a_new_activation_link_get_a_french_429(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "resend_activation": "2/m/ip"}
    url = reverse("accounts:resend_activation")
    for i in range(2):
        client.post(url, {"email": f"x{i}@example.fr"})
    response = client.post(url, {"email": "x@example.fr"})
    assert response.status_code == 429
    assert "Trop de tentatives" in html(response)
