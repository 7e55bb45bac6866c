"""Account pages beyond allauth's: "Mon compte", deletion, new activation link.

"Mes données" (the personal-data export) gathers every app's rows, so it lives at the
top, in ``portal.personal_data``.
"""

from allauth.account import views as allauth_views
from allauth.account.adapter import get_adapter
from allauth.account.decorators import reauthentication_required
from allauth.account.models import EmailAddress
from allauth.core import ratelimit
from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.hashers import make_password
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from accounts import services, sessions
from accounts.forms import EMAIL_MAX_LENGTH, DeleteAccountForm
from accounts.http import AuthenticatedRequest
from accounts.mfa import has_totp
from accounts.models import OutgoingEmail
from audit import services as audit
from audit.models import AuditKind
from core.decorators import subscriber_page
from core.pagecache import entrance_page


class SignupView(allauth_views.SignupView):
    """allauth's sign-up, with the tutorial's message and no way to tell a taken address.

    A new address and a taken one get the same redirect and the same message, and take
    the same time: the taken path hashes the password as a real sign-up would.
    """

    def form_valid(self, form: forms.Form) -> HttpResponse:
        if getattr(form, "account_already_exists", False):
            make_password(form.cleaned_data.get("password1") or "")
        response = super().form_valid(form)
        if response.status_code == 302:
            messages.success(
                self.request,
                _("Registration complete. A confirmation email has been sent to you."),
            )
        return response


signup = entrance_page(SignupView.as_view())


class ConfirmEmailView(allauth_views.ConfirmEmailView):
    """A used, expired or forged link answers the explanatory page on POST too, not a 404."""

    def post(self, *args: object, **kwargs: object) -> HttpResponse:
        try:
            return super().post(*args, **kwargs)
        except Http404:
            self.object = None
            return self.render_to_response(self.get_context_data())


confirm_email = ConfirmEmailView.as_view()


@require_safe
def password_reset_done(request: HttpRequest) -> HttpResponse:
    """After a new password: back to the login page, where the success message shows."""
    return redirect("home")


@subscriber_page
@require_safe
def account(request: AuthenticatedRequest) -> HttpResponse:
    return render(request, "accounts/account.html", {"has_totp": has_totp(request.user)})


@subscriber_page
# The password again after 10 minutes (and the form asks for it once more).
@reauthentication_required
@require_http_methods(["GET", "HEAD", "POST"])
def delete_account(request: AuthenticatedRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST":
        blocked = ratelimit.consume_or_429(request, action="delete_account", user=request.user)
        if blocked:
            return blocked
        if form.is_valid():
            # The account id only: the row is gone, and the address with it.
            audit.record(AuditKind.ACCOUNT_DELETED, request, None, detail=f"#{request.user.pk}")
            email = services.delete_account(request.user)
            logout(request)
            get_adapter().send_mail("account/email/account_deleted", email, {})
            OutgoingEmail.objects.filter(to=email).update(erase_on_delivery=True)
            messages.success(
                request, _("Your account and all your personal data have been deleted.")
            )
            return redirect("home")
    return render(request, "accounts/delete.html", {"form": form})


class ResendActivationForm(forms.Form):
    email = forms.EmailField(
        label=pgettext_lazy("login form", "Email"),
        max_length=EMAIL_MAX_LENGTH,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


@require_http_methods(["GET", "HEAD", "POST"])
def resend_activation(request: HttpRequest) -> HttpResponse:
    """A new activation link, with the same answer whether or not the address is known."""
    form = ResendActivationForm(request.POST or None)
    if request.method == "POST":
        blocked = ratelimit.consume_or_429(request, action="resend_activation")
        if blocked:
            return blocked
        if form.is_valid():
            email = form.cleaned_data["email"].lower()
            address = (
                EmailAddress.objects.filter(
                    email__iexact=email, verified=False, user__is_active=True
                )
                .select_related("user")
                .first()
            )
            # One link per address every few minutes (allauth's own cooldown key).
            if address and ratelimit.consume(request, action="confirm_email", key=email):
                address.send_confirmation(request, signup=False)
            messages.success(request, RESEND_DONE)
            return redirect("account_email_verification_sent")
    return render(request, "accounts/resend_activation.html", {"form": form})


RESEND_DONE = gettext_lazy(
    "If an account waiting for activation uses this address, a new activation email "
    "has just been sent to it."
)


@subscriber_page
@require_http_methods(["POST"])
def keep_alive(request: AuthenticatedRequest) -> HttpResponse:
    """ "Rester connecté": the script's request (204) or the plain form's (back to the page)."""
    sessions.touch(request, force=True)
    if request.headers.get("X-Requested-With") == "fetch":
        return HttpResponse(status=204)
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("contracts:area")
    return redirect(next_url)
