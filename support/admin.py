"""The subscriber page for staff: one view of an account, and the support actions.

Search by email, payer name, payer reference or contract number (any spelling). The page
shows the account's state, its payers and contracts, link attempts, requests, emails,
sessions and audit events; each support action asks for a reason and is audited.
Staff accounts are not listed: support acts on subscribers only.
"""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts import throttle
from accounts.models import OutgoingEmail
from audit.models import AuditEvent
from contracts import services as linking
from contracts.models import Contract, LinkAttempt, normalize_contract_number
from core.admin import ReadOnlyAdmin, short_datetime
from inquiries.models import Inquiry
from support import services
from support.models import Subscriber

RECENT = 20


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        help_text=_("Why, in a few words (kept in the audit trail)."),
    )
    number = forms.CharField(label=_("Contract number"), max_length=32, required=False)

    def clean_number(self) -> str:
        raw = self.cleaned_data.get("number") or ""
        if not raw.strip():
            return ""
        try:
            return normalize_contract_number(raw)
        except ValueError:
            raise forms.ValidationError(
                _("Enter a contract number in the form 11301.11377.01.")
            ) from None


# action → (permission, needs a contract number)
ACTIONS: dict[str, tuple[str, bool]] = {
    "resend_activation": ("support.resend_activation", False),
    "send_password_reset": ("support.send_password_reset", False),
    "lift_login_lock": ("support.lift_login_lock", False),
    "lift_link_lock": ("support.lift_link_lock", False),
    "new_contract_key": ("contracts.set_contract_key", True),
    "end_sessions": ("support.end_sessions", False),
}


@admin.register(Subscriber)
class SubscriberAdmin(ReadOnlyAdmin):
    list_display = ["email", "activated", "two_factor", "is_active", "last_seen", "joined"]
    list_filter = ["is_active", "date_joined", "last_login"]
    search_fields = ["email"]
    search_help_text = _("Email, name, payer reference or contract number (any spelling).")
    ordering = ["email"]
    list_per_page = 50

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        verified = EmailAddress.objects.filter(user=OuterRef("pk"), verified=True)
        totp = Authenticator.objects.filter(user=OuterRef("pk"), type=Authenticator.Type.TOTP)
        return (
            super()
            .get_queryset(request)
            .filter(is_staff=False)
            .annotate(is_verified=Exists(verified), has_totp=Exists(totp))
        )

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        term = search_term.strip()
        if not term:
            return queryset, False
        match = (
            Q(email__icontains=term)
            | Q(payer_links__payer__name__icontains=term)
            | Q(payer_links__payer__reference__iexact=term)
        )
        try:
            number = normalize_contract_number(term)
        except ValueError:
            pass
        else:
            match |= Q(payer_links__payer__contracts__number=number) | Q(
                link_attempts__number=number
            )
        return queryset.filter(match), True

    @admin.display(description=_("last login"), ordering="last_login")
    def last_seen(self, obj: Any) -> str:
        return short_datetime(obj.last_login)

    @admin.display(description=_("date joined"), ordering="date_joined")
    def joined(self, obj: Any) -> str:
        return short_datetime(obj.date_joined)

    @admin.display(description=_("activated"), boolean=True, ordering="is_verified")
    def activated(self, obj: Any) -> bool:
        return obj.is_verified

    @admin.display(description=_("two-factor"), boolean=True, ordering="has_totp")
    def two_factor(self, obj: Any) -> bool:
        return obj.has_totp

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<int:object_id>/support/<str:action>/",
                self.admin_site.admin_view(self.action_view),
                name="support_subscriber_action",
            ),
            *super().get_urls(),
        ]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        subscriber = self.get_object(request, object_id)
        if subscriber is None:
            raise Http404
        return TemplateResponse(
            request, "admin/support/subscriber.html", self.page_context(request, subscriber)
        )

    def page_context(self, request: HttpRequest, subscriber: Any) -> dict[str, Any]:
        links = subscriber.payer_links.select_related("payer").order_by("payer__name")
        payers = []
        for link in links:
            contracts = list(link.payer.contracts.order_by("number"))
            for contract in contracts:
                contract.watched_until = linking.number_watched_until(contract.number)
            payers.append({"payer": link.payer, "since": link.created_at, "contracts": contracts})
        attempts = list(LinkAttempt.objects.filter(user=subscriber)[:RECENT])
        tried = {a.number for a in attempts if a.result == "failed"}
        watched = {n: linking.number_watched_until(n) for n in sorted(tried)}
        user = request.user
        allowed = {name: user.has_perm(perm) for name, (perm, _n) in ACTIONS.items()}
        return {
            **self.admin_site.each_context(request),
            "title": subscriber.email,
            "subtitle": _("Subscriber"),
            "opts": self.opts,
            "subscriber": subscriber,
            "emails": EmailAddress.objects.filter(user=subscriber),
            "login_locked_until": throttle.locked_until(throttle.LOGIN, subscriber.email),
            "link_locked_until": linking.account_locked_until(subscriber),
            "watched_numbers": {n: until for n, until in watched.items() if until},
            "payers": payers,
            "attempts": attempts,
            "inquiries": Inquiry.objects.filter(user=subscriber).order_by("-created_at")[:RECENT],
            "outgoing": OutgoingEmail.objects.filter(to__iexact=subscriber.email)[:RECENT],
            "sessions": UserSession.objects.filter(user=subscriber).order_by("-last_seen_at"),
            "events": AuditEvent.objects.filter(Q(user=subscriber) | Q(subject=subscriber))
            .select_related("user", "subject")
            .order_by("-at")[:RECENT],
            "allowed": allowed,
            "form": ReasonForm(),
        }

    def action_view(self, request: HttpRequest, object_id: int, action: str) -> HttpResponse:
        return require_POST(self._action)(request, object_id, action)

    def _action(self, request: HttpRequest, object_id: int, action: str) -> HttpResponse:
        if action not in ACTIONS:
            raise Http404
        permission, needs_number = ACTIONS[action]
        if not (self.has_view_permission(request) and request.user.has_perm(permission)):
            raise PermissionDenied
        subscriber = self.get_object(request, str(object_id))
        if subscriber is None:
            raise Http404
        page = reverse("admin:support_subscriber_change", args=[subscriber.pk])
        form = ReasonForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, str(error))
            return redirect(page)
        reason, number = form.cleaned_data["reason"], form.cleaned_data["number"]
        if action == "resend_activation":
            if services.resend_activation(request, subscriber, reason):
                messages.success(
                    request, _("A new activation link was sent to %s.") % subscriber.email
                )
            else:
                messages.warning(
                    request,
                    _("The address %s is already confirmed: nothing was sent.") % subscriber.email,
                )
        elif action == "send_password_reset":
            services.send_password_reset(request, subscriber, reason)
            messages.success(request, _("A password reset link was sent to %s.") % subscriber.email)
        elif action == "lift_login_lock":
            services.lift_login_lock(request, subscriber, reason)
            messages.success(request, _("The login lock was lifted."))
        elif action == "lift_link_lock":
            services.lift_link_lock(request, subscriber, reason, number)
            messages.success(request, _("The contract-link lock was lifted."))
        elif action == "new_contract_key":
            contract = Contract.objects.filter(number=number).first() if needs_number else None
            if contract is None:
                messages.error(request, _("No contract has this number."))
                return redirect(page)
            key = services.new_contract_key(request, subscriber, contract, reason)
            messages.warning(
                request,
                _(
                    "New key of contract %(number)s: %(key)s — note it now, "
                    "it will not be shown again."
                )
                % {"number": contract.number, "key": key},
            )
        elif action == "end_sessions":
            count = services.end_sessions(request, subscriber, reason)
            messages.success(request, _("Sessions ended: %(count)s.") % {"count": count})
        return redirect(page)
