"""Staff side of the self-services.

* Attestations: read-only (the audit of what was issued); revoking one is the only change,
  through the "Revoke" action with a reason or the form's two revocation fields.
* Leak relief requests: read-only details; the decision is the request's (status
  "Traitée" = accepted, "Refusée" = refused, with the reason written as a reply in the
  thread), on the request's page linked here.
* E-invoice choices: read-only, with the CSV export for the billing system.
* Invoice notices: read-only, with the state of their email (sent, failed and why).
"""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import OutgoingEmail, User
from core.admin import ReadOnlyAdmin, short_date, short_datetime
from selfservice import einvoice
from selfservice.models import Attestation, InvoiceNotice, LeakRequest, PaperlessChoice


class RevokedFilter(admin.SimpleListFilter):
    title = _("revoked")
    parameter_name = "revoked"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("Revoked")), ("no", _("Valid"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(revoked_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(revoked_at__isnull=True)
        return queryset


@admin.register(Attestation)
class AttestationAdmin(admin.ModelAdmin):
    list_display = ["code", "holder_name", "service_address", "issued", "contract", "state"]
    list_filter = [RevokedFilter, "issued_at"]
    search_fields = ["=code", "holder_name", "service_address", "contract__number"]
    list_select_related = ["contract"]
    date_hierarchy = "issued_at"
    actions = ["revoke"]
    fields = [
        "code",
        "holder_name",
        "service_address",
        "contract_start",
        "issued_at",
        "contract",
        "user",
        "revoked_at",
        "revoked_by",
        "revocation_reason",
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # What was printed never changes; once revoked, an attestation stays revoked.
        shown = [str(f) for f in self.fields or ()]
        printed = [f for f in shown if f != "revocation_reason"]
        return shown if obj is not None and obj.is_revoked else printed

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("issued"), ordering="issued_at")
    def issued(self, obj: Attestation) -> str:
        return short_datetime(obj.issued_at)

    @admin.display(description=_("state"))
    def state(self, obj: Attestation) -> str:
        if obj.revoked_at:
            return str(_("Revoked on %(date)s") % {"date": short_date(obj.revoked_at.date())})
        return str(_("Valid"))

    def save_model(self, request: HttpRequest, obj: Attestation, form: Any, change: bool) -> None:
        # Writing a reason revokes: the public page then says so.
        if obj.revocation_reason.strip() and obj.revoked_at is None:
            assert isinstance(request.user, User)  # the admin is for signed-in staff
            obj.revoked_at, obj.revoked_by = timezone.now(), request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Revoke the selected attestations"), permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[Attestation]) -> None:
        count = queryset.filter(revoked_at__isnull=True).update(
            revoked_at=timezone.now(),
            revoked_by=request.user,
            revocation_reason=str(_("Revoked by the Régie")),
        )
        messages.success(
            request,
            ngettext("%(count)s attestation revoked.", "%(count)s attestations revoked.", count)
            % {"count": count},
        )


@admin.register(LeakRequest)
class LeakRequestAdmin(ReadOnlyAdmin):
    list_display = [
        "reference",
        "received",
        "invoice_number",
        "billed_volume",
        "reference_volume",
        "repair_date",
        "status",
    ]
    list_filter = ["inquiry__status"]
    search_fields = ["inquiry__reference", "invoice_number", "contract__number"]
    list_select_related = ["inquiry", "contract"]
    fields = readonly_fields = (
        "request_link",
        "contract",
        "invoice_number",
        "billed_volume",
        "reference_volume",
        "leak_location",
        "repair_date",
    )

    @admin.display(description=_("reference"), ordering="inquiry__reference")
    def reference(self, obj: LeakRequest) -> str:
        return obj.inquiry.reference

    @admin.display(description=_("received"), ordering="inquiry__created_at")
    def received(self, obj: LeakRequest) -> str:
        return short_datetime(obj.inquiry.created_at)

    @admin.display(description=_("status"), ordering="inquiry__status")
    def status(self, obj: LeakRequest) -> str:
        return obj.inquiry.get_status_display()

    @admin.display(description=_("request: decide, reply, plumber's attestation"))
    def request_link(self, obj: LeakRequest) -> str:
        url = reverse("admin:inquiries_inquiry_change", args=[obj.inquiry_id])
        return format_html(
            '<a href="{}">{}</a> – {}',
            url,
            obj.inquiry.reference,
            _(
                "accept: status “Handled”; refuse: status “Refused” and the reason as a "
                "reply (the subscriber is emailed)"
            ),
        )


@admin.register(PaperlessChoice)
class PaperlessChoiceAdmin(ReadOnlyAdmin):
    list_display = ["contract", "choice", "consented", "withdrawn", "billing"]
    list_filter = ["paperless", "contract__paperless"]
    search_fields = ["contract__number", "user__email"]
    list_select_related = ["contract", "user"]
    fields = readonly_fields = (
        "contract",
        "user",
        "paperless",
        "consented_at",
        "withdrawn_at",
        "changed_at",
    )
    actions = ["export_csv"]

    @admin.display(description=_("choice"), ordering="paperless")
    def choice(self, obj: PaperlessChoice) -> str:
        return str(_("email only") if obj.paperless else _("paper"))

    @admin.display(description=_("consent given"), ordering="consented_at")
    def consented(self, obj: PaperlessChoice) -> str:
        return short_datetime(obj.consented_at)

    @admin.display(description=_("consent withdrawn"), ordering="withdrawn_at")
    def withdrawn(self, obj: PaperlessChoice) -> str:
        return short_datetime(obj.withdrawn_at)

    @admin.display(description=_("applied by billing"), boolean=True)
    def billing(self, obj: PaperlessChoice) -> bool:
        return obj.paperless == obj.contract.paperless

    @admin.action(description=_("Export for the billing system (CSV)"), permissions=["view"])
    def export_csv(self, request: HttpRequest, queryset: QuerySet[PaperlessChoice]) -> HttpResponse:
        """One line per contract, its latest choice (``;``, UTF-8 with BOM)."""
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = (
            f'attachment; filename="factures-electroniques-{stamp}.csv"'
        )
        response.write("\ufeff")
        writer = csv.writer(response, delimiter=";", lineterminator="\r\n")
        writer.writerow(["Numéro de contrat", "Choix", "Date du choix"])
        for choice in einvoice.latest_per_contract(queryset):
            writer.writerow(
                [
                    choice.contract.number,
                    "électronique" if choice.paperless else "papier",
                    timezone.localtime(choice.changed_at).strftime("%d/%m/%Y %H:%M"),
                ]
            )
        return response


class EmailStateFilter(admin.SimpleListFilter):
    title = _("email")
    parameter_name = "email_state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return list(OutgoingEmail.Status.choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value():
            return queryset.filter(email__status=self.value())
        return queryset


@admin.register(InvoiceNotice)
class InvoiceNoticeAdmin(ReadOnlyAdmin):
    list_display = ["invoice", "recipient", "created", "email_state", "email_error"]
    list_filter = [EmailStateFilter, "created_at"]
    search_fields = ["invoice__number", "user__email", "invoice__contract__number"]
    list_select_related = ["invoice", "user", "email"]
    fields = readonly_fields = ("invoice", "user", "created_at", "email_state", "email_error")

    @admin.display(description=_("account"), ordering="user__email")
    def recipient(self, obj: InvoiceNotice) -> str:
        return obj.user.email

    @admin.display(description=_("created"), ordering="created_at")
    def created(self, obj: InvoiceNotice) -> str:
        return short_datetime(obj.created_at)

    @admin.display(description=_("email"), ordering="email__status")
    def email_state(self, obj: InvoiceNotice) -> str:
        if obj.email is None:
            return "—"
        if obj.email.status == OutgoingEmail.Status.SENT and obj.email.sent_at:
            return str(_("sent on %(date)s") % {"date": short_datetime(obj.email.sent_at)})
        return obj.email.get_status_display()

    @admin.display(description=_("last error"))
    def email_error(self, obj: InvoiceNotice) -> str:
        return obj.email.last_error if obj.email and obj.email.last_error else "—"
