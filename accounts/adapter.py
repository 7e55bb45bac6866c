"""The portal's allauth adapter: mail goes through the task queue, French redirects."""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sites.shortcuts import get_current_site
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.http import HttpRequest
from django.template.loader import render_to_string

from accounts import lockout, throttle
from accounts.models import OutgoingEmail
from accounts.tasks import queue_email
from core.identity import REGIE


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """Render the email now (in the request's language) and deliver it from a task."""
        request = allauth_context.request
        ctx = {
            "request": request,
            "email": email,
            # None when allauth sends from an on-commit hook outside a request.
            "current_site": get_current_site(request) if request is not None else None,
            "regie": REGIE,
            "site_url": settings.SITE_URL,
            **context,
        }
        message = self.render_mail(template_prefix, email, ctx)
        html = ""
        for content, mimetype in getattr(message, "alternatives", []):
            if mimetype == "text/html":
                html = str(content)
        outgoing = OutgoingEmail.objects.create(
            to=email,
            subject=message.subject[:255],
            from_email=message.from_email,
            text_body=str(message.body),
            html_body=html,
        )
        queue_email(outgoing)

    def render_mail(
        self,
        template_prefix: str,
        email: str | list[str],
        context: dict[str, Any],
        headers: dict[str, str] | None = None,
    ) -> EmailMessage:
        """Each email in plain text and in HTML (the Régie's layout, no remote image)."""
        message = super().render_mail(template_prefix, email, context, headers)
        if isinstance(message, EmailMultiAlternatives) and not message.alternatives:
            paragraphs = [p.strip() for p in message.body.split("\n\n") if p.strip()]
            html = render_to_string(
                "account/email/_layout.html",
                {"subject": message.subject, "paragraphs": paragraphs, "regie": REGIE},
            )
            message.attach_alternative(html, "text/html")
        return message

    def add_message(
        self,
        request: HttpRequest,
        level: int,
        message_template: str | None = None,
        message_context: dict | None = None,
        extra_tags: str = "",
        message: str | None = None,
    ) -> None:
        # Sign-up says it its own way (SignupView), identically for a taken address.
        if message_template == "account/messages/email_confirmation_sent.txt" and (
            message_context or {}
        ).get("signup"):
            return
        super().add_message(request, level, message_template, message_context, extra_tags, message)

    def get_from_email(self) -> str:
        return settings.DEFAULT_FROM_EMAIL

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return True

    # --- Per-account login throttling (accounts/throttle.py) -------------------------------

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        """Refuse any password, even the right one, while the address is locked."""
        email = credentials.get("email") or ""
        until = throttle.locked_until(throttle.LOGIN, email)
        if until:
            raise forms.ValidationError(lockout.paused_message(until), code="account_locked")
        try:
            super().pre_authenticate(request, **credentials)
        except forms.ValidationError as error:
            if error.code != "too_many_login_attempts":
                raise
            # allauth's own limit (per IP address): the same words, with its real end.
            key = self._get_login_attempts_cache_key(request, **credentials)
            lifts = lockout.allauth_lifts_at(request, "login_failed", key=key)
            if lifts is None:
                raise
            raise forms.ValidationError(
                lockout.paused_message(lifts), code="too_many_login_attempts"
            ) from error

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        """Count the failure against the address; tell its owner once when it locks."""
        email = throttle.normalise(credentials.get("email") or "")
        if not email:
            return
        if throttle.record_failure(throttle.LOGIN, email):
            user = get_user_model().objects.filter(email__iexact=email, is_active=True).first()
            if user is not None:
                until = throttle.locked_until(throttle.LOGIN, email)
                self.send_mail(
                    "account/email/login_locked",
                    user.email,
                    {"until": lockout.announced(until) if until else None},
                )

    def _delete_login_attempts_cached_email(self, request: HttpRequest, **credentials: Any) -> None:
        # A completed password reset proves the owner holds the mailbox: lift the lock.
        super()._delete_login_attempts_cached_email(request, **credentials)
        throttle.clear(throttle.LOGIN, credentials.get("email") or "")
