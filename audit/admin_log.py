"""Staff changes in the admin, recorded with the IP that Django's LogEntry lacks.

Every ``ModelAdmin`` (ours, allauth's, Django's) logs additions, changes and deletions
through three methods that receive the request; wrapping them once records the same
change in the audit trail with the client IP, in words: "Modification : utilisateur
jean@example.fr", "Suppression : contrat 11301.11377.01". A row is named by its natural
identifier (email, reference, number), never by free text it holds; a ``ModelAdmin`` may
word its own changes with ``audit_detail(obj, action)`` (e.g. "Réponse à DA-…").
"""

import functools
from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from audit.models import AuditKind
from audit.services import record


def label(obj: Any) -> str:
    """What a person would call this row: its email, reference or number, else its id."""
    for attribute in ("reference", "number", "email"):
        value = getattr(obj, attribute, None)
        if isinstance(value, str) and value:
            return value
    user, payer = getattr(obj, "user", None), getattr(obj, "payer", None)
    if user is not None and payer is not None:
        return f"{label(user)} ↔ {label(payer)}"
    return _("no. %(id)s") % {"id": obj.pk}


def describe(model_admin: admin.ModelAdmin, action: str, objects: list[Any]) -> str:
    custom = getattr(model_admin, "audit_detail", None)
    if custom is not None and len(objects) == 1:
        words = custom(objects[0], action)
        if words:
            return words
    verbs = {
        "add": pgettext("audit action", "Addition"),
        "change": pgettext("audit action", "Change"),
        "delete": pgettext("audit action", "Deletion"),
    }
    return _("%(action)s: %(model)s %(rows)s") % {
        "action": verbs[action],
        "model": model_admin.opts.verbose_name,
        "rows": ", ".join(label(obj) for obj in objects),
    }


def _wrap(method: Callable[..., Any], action: str, many: bool) -> Callable[..., Any]:
    @functools.wraps(method)
    def wrapper(self: admin.ModelAdmin, request: HttpRequest, target: Any, *args: Any) -> Any:
        # Taken before the deletion the admin performs next.
        detail = describe(self, action, list(target) if many else [target])
        result = method(self, request, target, *args)
        record(AuditKind.STAFF_CHANGE, request, request.user, detail)
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
