"""Mail delivery through Django's task framework.

A view never talks to the SMTP server: the adapter stores the rendered email as an
``OutgoingEmail`` and enqueues ``deliver_email`` once the transaction commits. A failure
(SMTP or network) is recorded and retried later with a growing delay, so a sign-up never
breaks and no email is lost while the mail server is down.
"""

import functools
import logging
import smtplib
from datetime import timedelta

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q, QuerySet
from django.tasks import task
from django.utils import timezone

from accounts.models import OutgoingEmail

logger = logging.getLogger(__name__)

# Delays before the 2nd, 3rd… attempt; after the last one the email is abandoned and
# stays visible to staff, who can retry it from the admin.
RETRY_DELAYS = [
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
    timedelta(hours=3),
    timedelta(hours=6),
    timedelta(hours=12),
]


# A pending email older than this was claimed by a worker that died (killed, out of
# memory, redeployed) or its task was lost: the database backend never runs a task left
# RUNNING again, so retry_emails queues it once more. Far above the SMTP timeout (10 s).
STALE_PENDING_AFTER = timedelta(minutes=15)


def queue_email(email: OutgoingEmail) -> None:
    """Deliver ``email`` once the current transaction (if any) commits."""
    email_id = email.pk
    transaction.on_commit(lambda: deliver_email.enqueue(email_id))


@task
def deliver_email(email_id: int) -> str:
    email = OutgoingEmail.objects.filter(pk=email_id).first()
    if email is None or email.status == OutgoingEmail.Status.SENT:
        return "nothing to do"
    message = EmailMultiAlternatives(email.subject, email.text_body, email.from_email, [email.to])
    if email.html_body:
        message.attach_alternative(email.html_body, "text/html")
    email.attempts += 1
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as exc:
        email.last_error = f"{type(exc).__name__}: {exc}"[:500]
        _schedule_retry(email)
        return "failed"
    if email.erase_on_delivery:
        email.delete()
        return "sent"
    email.status = OutgoingEmail.Status.SENT
    email.sent_at = timezone.now()
    email.next_attempt_at = None
    email.last_error = ""
    email.text_body = email.html_body = ""
    email.save()
    return "sent"


def _schedule_retry(email: OutgoingEmail) -> None:
    if email.attempts > len(RETRY_DELAYS):
        email.status = OutgoingEmail.Status.ABANDONED
        email.next_attempt_at = None
        email.save()
        logger.error("email %s abandoned after %s attempts", email.pk, email.attempts)
        return
    email.status = OutgoingEmail.Status.FAILED
    email.next_attempt_at = timezone.now() + RETRY_DELAYS[email.attempts - 1]
    email.save()
    logger.warning("email %s: attempt %s failed, retry planned", email.pk, email.attempts)
    if deliver_email.get_backend().supports_defer:
        email_id, run_after = email.pk, email.next_attempt_at
        transaction.on_commit(lambda: deliver_email.using(run_after=run_after).enqueue(email_id))
    # Without a deferring backend (immediate, in development) the email waits for
    # `manage.py retry_emails` or the admin's "retry" action.


def due_emails() -> QuerySet[OutgoingEmail]:
    """Failed emails whose next attempt is due, and pending ones whose task was lost."""
    now = timezone.now()
    return OutgoingEmail.objects.filter(
        Q(status=OutgoingEmail.Status.FAILED, next_attempt_at__lte=now)
        | Q(status=OutgoingEmail.Status.PENDING, created_at__lte=now - STALE_PENDING_AFTER)
    )


def retry_due_emails() -> int:
    """Re-enqueue the due emails (see ``due_emails``); returns how many."""
    ids = list(due_emails().values_list("pk", flat=True))
    for email_id in ids:
        transaction.on_commit(functools.partial(deliver_email.enqueue, email_id))
    return len(ids)
