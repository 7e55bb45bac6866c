"""Logins, failed logins and logouts, from Django's authentication signals."""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from audit.models import AuditKind
from audit.services import record


@receiver(user_logged_in, dispatch_uid="audit.login")
def on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record(AuditKind.LOGIN, request, user)


@receiver(user_logged_out, dispatch_uid="audit.logout")
def on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record(AuditKind.LOGOUT, request, user)


@receiver(user_login_failed, dispatch_uid="audit.login_failed")
def on_login_failed(sender: Any, credentials: dict, request: Any = None, **kwargs: Any) -> None:
    # The account is attached when the address has one; the typed address is not kept
    # (it may be someone else's, or a password typed in the wrong field).
    typed = credentials.get("email") or credentials.get("username") or ""
    user = None
    if isinstance(typed, str) and typed and len(typed) <= 254:
        user = get_user_model().objects.filter(email__iexact=typed).first()
    record(AuditKind.LOGIN_FAILED, request, user)
