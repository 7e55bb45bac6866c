"""Two-factor authentication: TOTP secrets encrypted at rest, mandatory for staff.

Staff reach Django admin only through the portal's login (allauth: rate limits, per-account
lock, second factor), and no admin page opens for a staff account without a TOTP
authenticator: the middleware sends it to set one up first.
"""

import base64
import hashlib
from collections.abc import Callable
from functools import cache

from allauth.mfa.adapter import DefaultMFAAdapter, get_adapter
from allauth.mfa.models import Authenticator
from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _


@cache
def fernet() -> MultiFernet:
    """``MFA_ENCRYPTION_KEY`` may list several keys, comma-separated: the first encrypts,
    all decrypt. To rotate: put the new key first, keep the old one after it, run
    ``manage.py rotate_mfa_key``, then drop the old key."""
    key = settings.MFA_ENCRYPTION_KEY
    if not key:
        # Development and tests only (settings refuse a production start without a key).
        digest = hashlib.sha256(f"mfa-encryption:{settings.SECRET_KEY}".encode()).digest()
        key = base64.urlsafe_b64encode(digest).decode()
    text = key.decode() if isinstance(key, bytes) else key
    return MultiFernet([Fernet(k.strip().encode()) for k in text.split(",") if k.strip()])


class MFAAdapter(DefaultMFAAdapter):
    def encrypt(self, text: str) -> str:
        return fernet().encrypt(text.encode()).decode()

    def decrypt(self, encrypted_text: str) -> str:
        return fernet().decrypt(encrypted_text.encode()).decode()


def has_totp(user: object) -> bool:
    return get_adapter().is_mfa_enabled(user, [Authenticator.Type.TOTP])


class StaffTwoFactorMiddleware:
    """No admin page for a staff account without TOTP: set it up first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.admin_prefix = "/" + settings.ADMIN_PATH

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            request.path.startswith(self.admin_prefix)
            and user is not None
            and user.is_authenticated
            and user.is_staff
            and not has_totp(user)
        ):
            messages.warning(
                request,
                _(
                    "Staff accounts must use two-factor authentication. Set up an "
                    "authenticator app to open the administration."
                ),
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)
