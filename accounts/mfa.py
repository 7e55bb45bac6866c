"""Two-factor authentication: TOTP secrets encrypted at rest, mandatory for staff.

Staff reach Django admin only through the portal's login (allauth: rate limits, per-account
lock, second factor), and no admin page opens for a staff account without a TOTP
authenticator: the middleware sends it to set one up first.
"""

from collections.abc import Callable

from allauth.mfa.adapter import DefaultMFAAdapter, get_adapter
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from core.crypto import decrypt, encrypt, fernet

__all__ = ["MFAAdapter", "StaffTwoFactorMiddleware", "fernet", "has_totp"]


class MFAAdapter(DefaultMFAAdapter):
    """The secrets allauth keeps, encrypted with the portal's key (core.crypto)."""

    def encrypt(self, text: str) -> str:
        return encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return decrypt(encrypted_text)


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
