"""A real SMTP server, down then back: users never notice, every email leaves exactly once."""

import io
import socket
from collections import Counter
from datetime import timedelta
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.models import OutgoingEmail, User
from accounts.tasks import retry_due_emails
from portal.env import parse_email_url
from tests.builders import PASSWORD


class Collector:
    """aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], str]] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd calls it by this name
        subject = message_from_bytes(envelope.content).get("Subject", "")
        self.received.append((list(envelope.rcpt_tos), subject))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


@pytest.fixture
def smtp_port(settings) -> int:
    port = free_port()
    settings.MAILERS = {
        "default": parse_email_url("EMAIL_URL", f"smtp://127.0.0.1:{port}?timeout=2")
    }
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    return port


# The worker closes its database connection when the batch ends: outside a test transaction.
@pytest.mark.django_db(transaction=True)
def test_emails_queued_while_smtp_is_down_are_each_delivered_once_when_it_is_back(
    client, smtp_port
):
    user = User.objects.create_user("abonne@example.fr", PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)

    # SMTP down (nothing listens on the port): each journey succeeds for the user.
    signup = client.post(
        "/comptes/signup/",
        {"email": "nouveau@example.fr", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert signup.status_code == 302
    reset = client.post("/comptes/password/reset/", {"email": "abonne@example.fr"})
    assert reset.status_code == 302
    contact = client.post(
        "/contact/",
        {"email": "visiteur@example.fr", "subject": "invoice", "message": "Ma facture ?"},
    )
    assert contact.status_code == 302

    run_worker()
    pending = OutgoingEmail.objects.all()
    expected = Counter(pending.values_list("to", flat=True))
    assert {"nouveau@example.fr", "abonne@example.fr", "visiteur@example.fr"} <= set(expected)
    assert all(e.status == OutgoingEmail.Status.FAILED for e in pending)
    assert all("Connection" in e.last_error or "refused" in e.last_error for e in pending)

    # The server comes back; the retries planned by the worker fall due.
    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        DBTaskResult.objects.update(run_after=timezone.now())
        OutgoingEmail.objects.update(next_attempt_at=timezone.now())
        # The hourly `retry_emails` may enqueue the same emails again: still one copy each.
        retry_due_emails()
        run_worker()
        run_worker()
    finally:
        controller.stop()

    delivered = Counter(
        address for recipients, _subject in collector.received for address in recipients
    )
    assert delivered == expected
    assert set(OutgoingEmail.objects.values_list("status", flat=True)) == {"sent"}


@pytest.mark.django_db(transaction=True)
def test_an_email_whose_worker_was_killed_mid_task_is_still_delivered_once(client, smtp_port):
    client.post(
        "/comptes/signup/",
        {"email": "nouveau@example.fr", "password1": PASSWORD, "password2": PASSWORD},
    )
    # A worker claims the task, then is killed (SIGKILL, out of memory) before finishing:
    # the task stays RUNNING, and django-tasks-db never runs it again by itself.
    task = DBTaskResult.objects.get()
    task.claim("killed-worker")
    run_worker()
    assert OutgoingEmail.objects.get().status == OutgoingEmail.Status.PENDING

    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        # Not yet stale: a slow worker may still be on it.
        call_command("retry_emails", stdout=io.StringIO())
        run_worker()
        assert collector.received == []
        # Later, the safety net (retry_emails, every few minutes) queues it once more.
        OutgoingEmail.objects.update(created_at=timezone.now() - timedelta(minutes=16))
        call_command("retry_emails", stdout=io.StringIO())
        run_worker()
        call_command("retry_emails", stdout=io.StringIO())
        run_worker()
    finally:
        controller.stop()

    assert [recipients for recipients, _subject in collector.received] == [["nouveau@example.fr"]]
    assert OutgoingEmail.objects.get().status == OutgoingEmail.Status.SENT
