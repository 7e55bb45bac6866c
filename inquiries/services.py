"""Filing a request, adding to its thread, and the Régie's answers.

Each operation is one transaction: the request, its first message, its attachment and the
emails are written together or not at all (emails leave once the transaction commits).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from inquiries import emails
from inquiries.models import (
    REFERENCE_PREFIX,
    Attachment,
    Inquiry,
    InquiryKind,
    Message,
    MessageAuthor,
    ReferenceCounter,
)
from inquiries.uploads import CheckedFile

# Business limit: requests one account (or one address) may file in 24 hours.
DAILY_LIMIT = 10


def next_reference(kind: InquiryKind, year: int | None = None) -> str:
    """``DA-2026-000123``: sequential per kind and year, safe under concurrent submits.

    Must run inside the transaction that saves the request: the counter row stays locked
    (SELECT … FOR UPDATE) until it commits, so two submits never get the same number and
    a rolled-back submit gives its number back.
    """
    year = year or timezone.localdate().year
    with transaction.atomic():
        ReferenceCounter.objects.get_or_create(kind=kind, year=year)
        counter = ReferenceCounter.objects.select_for_update().get(kind=kind, year=year)
        counter.last += 1
        counter.save(update_fields=["last"])
    return f"{REFERENCE_PREFIX[InquiryKind(kind)]}-{year}-{counter.last:06d}"


def over_daily_limit(*, user: Any = None, email: str = "") -> bool:
    since = timezone.now() - datetime.timedelta(days=1)
    recent = Inquiry.objects.filter(created_at__gte=since)
    if user is not None and user.is_authenticated:
        recent = recent.filter(user=user)
    else:
        recent = recent.filter(email__iexact=email)
    return recent.count() >= DAILY_LIMIT


def _attach(
    inquiry: Inquiry, message: Message, checked: CheckedFile | None, written: list[str]
) -> None:
    if checked is None:
        return
    attachment = Attachment(
        inquiry=inquiry,
        message=message,
        original_name=checked.original_name,
        content_type=checked.content_type,
        size=checked.size,
    )
    attachment.file.save(checked.original_name, checked.content, save=False)
    assert attachment.file.name is not None  # set by save()
    written.append(attachment.file.name)
    attachment.save()


@contextmanager
def _files_removed_on_failure() -> Iterator[list[str]]:
    """Files written inside a transaction that fails are deleted: no orphan on disk."""
    written: list[str] = []
    try:
        yield written
    except BaseException:
        for name in written:
            default_storage.delete(name)
        raise


def _notify_new(inquiry: Inquiry, message: Message) -> None:
    context = {"inquiry": inquiry, "message": message, "url": emails.inquiry_url(inquiry)}
    emails.send("received", inquiry.email, context)
    emails.send(
        "new_for_regie",
        settings.REGIE_REQUESTS_EMAIL,
        {**context, "admin_url": emails.admin_url(inquiry)},
    )


def file_inquiry(
    kind: InquiryKind,
    fields: dict[str, Any],
    body: str,
    *,
    user: Any = None,
    attachment: CheckedFile | None = None,
) -> Inquiry:
    """Save a new request with its first message (and file), email both sides."""
    with _files_removed_on_failure() as written, transaction.atomic():
        inquiry = Inquiry(kind=kind, **fields)
        if user is not None and user.is_authenticated:
            inquiry.user = user
            inquiry.email = inquiry.email or user.email
        if kind == InquiryKind.SUBSCRIPTION:
            inquiry.consent_at = timezone.now()
        inquiry.reference = next_reference(kind)
        inquiry.save()
        message = Message.objects.create(
            inquiry=inquiry, author=MessageAuthor.SUBSCRIBER, body=body
        )
        _attach(inquiry, message, attachment, written)
        _notify_new(inquiry, message)
    return inquiry


def add_subscriber_message(
    inquiry: Inquiry, body: str, attachment: CheckedFile | None = None
) -> Message:
    with _files_removed_on_failure() as written, transaction.atomic():
        message = Message.objects.create(
            inquiry=inquiry, author=MessageAuthor.SUBSCRIBER, body=body
        )
        _attach(inquiry, message, attachment, written)
        Inquiry.objects.filter(pk=inquiry.pk).update(updated_at=timezone.now())
        emails.send(
            "message_for_regie",
            settings.REGIE_REQUESTS_EMAIL,
            {"inquiry": inquiry, "message": message, "admin_url": emails.admin_url(inquiry)},
        )
    return message


def notify_staff_update(inquiry: Inquiry, *, reply: Message | None, status_changed: bool) -> None:
    """One email to the subscriber for an answer and/or a new status."""
    if reply is None and not status_changed:
        return
    emails.send(
        "update",
        inquiry.email,
        {
            "inquiry": inquiry,
            "reply": reply,
            "status_changed": status_changed,
            "url": emails.inquiry_url(inquiry),
        },
    )


@transaction.atomic
def staff_update(
    inquiry: Inquiry, agent: Any, *, reply: str = "", previous_status: str | None = None
) -> Message | None:
    """After an agent saved ``inquiry``: add their reply to the thread and tell the
    subscriber (answer and/or status change)."""
    message = None
    if reply.strip():
        message = Message.objects.create(
            inquiry=inquiry, author=MessageAuthor.REGIE, agent=agent, body=reply.strip()
        )
    changed = previous_status is not None and previous_status != inquiry.status
    notify_staff_update(inquiry, reply=message, status_changed=changed)
    return message
