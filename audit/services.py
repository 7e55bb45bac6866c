"""Recording and purging audit events."""

import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from audit.models import AuditEvent
from portal.clientip import client_ip


def record(kind: str, request: HttpRequest | None, user: Any = None, detail: str = "") -> None:
    account = user if user is not None and getattr(user, "pk", None) else None
    AuditEvent.objects.create(
        kind=kind,
        user=account,
        ip=client_ip(request) if request is not None else None,
        detail=detail[:100],
    )


def retention_cutoff() -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=settings.AUDIT_RETENTION_DAYS)
