"""Recording and purging audit events.

Other apps keep rows under the same retention (e.g. contract link attempts): they register
them here from their ``AppConfig.ready`` so that one daily ``purge_audit`` removes them too,
without this app importing theirs.
"""

import datetime
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from audit.models import AuditEvent
from core.clientip import client_ip


def record(
    kind: str,
    request: HttpRequest | None,
    user: Any = None,
    detail: str = "",
    *,
    subject: Any = None,
    reason: str = "",
) -> AuditEvent:
    """One row of the trail: ``user`` did it, to ``subject`` (an account) if any."""
    account = user if user is not None and getattr(user, "pk", None) else None
    concerned = subject if subject is not None and getattr(subject, "pk", None) else None
    return AuditEvent.objects.create(
        kind=kind,
        user=account,
        subject=concerned,
        ip=client_ip(request) if request is not None else None,
        detail=detail[:300],
        reason=reason[:300],
    )


def retention_cutoff() -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=settings.AUDIT_RETENTION_DAYS)


# (what the rows are called in the command's report, rows older than a cutoff)
RETAINED: list[tuple[str, Callable[[datetime.datetime], QuerySet[Any]]]] = []


def retain(label: str, older_than: Callable[[datetime.datetime], QuerySet[Any]]) -> None:
    """Have ``purge_audit`` delete ``older_than(cutoff)`` with the audit events."""
    if all(existing != label for existing, _ in RETAINED):
        RETAINED.append((label, older_than))
