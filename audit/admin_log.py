"""Staff changes in the admin, recorded with the IP that Django's LogEntry lacks.

Every ``ModelAdmin`` (ours, allauth's, Django's) logs additions, changes and deletions
through three methods that receive the request; wrapping them once records the same
change in the audit trail with the client IP. The detail names the model and the row's
id, never its content.
"""

import functools
from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from audit.models import AuditKind
from audit.services import record


def _detail(model_admin: admin.ModelAdmin, action: str, ids: str) -> str:
    return f"{action} {model_admin.opts.label_lower} {ids}"


def _wrap(method: Callable[..., Any], action: str, many: bool) -> Callable[..., Any]:
    @functools.wraps(method)
    def wrapper(self: admin.ModelAdmin, request: HttpRequest, target: Any, *args: Any) -> Any:
        # Taken before the deletion the admin performs next.
        ids = ",".join(str(obj.pk) for obj in target) if many else str(target.pk)
        result = method(self, request, target, *args)
        record(AuditKind.STAFF_CHANGE, request, request.user, _detail(self, action, ids))
        return result

    wrapper.audited = True  # type: ignore[attr-defined]
    return wrapper


def audit_every_admin() -> None:
    """Called once from AuditConfig.ready()."""
    model_admin = admin.ModelAdmin
    if getattr(model_admin.log_addition, "audited", False):
        return
    model_admin.log_addition = _wrap(model_admin.log_addition, "add", many=False)  # type: ignore[method-assign]
    model_admin.log_change = _wrap(model_admin.log_change, "change", many=False)  # type: ignore[method-assign]
    model_admin.log_deletions = _wrap(model_admin.log_deletions, "delete", many=True)  # type: ignore[method-assign]
