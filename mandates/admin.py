"""Staff view of mandates, stops and moves out: the IBAN masked everywhere.

No "reveal the IBAN" button: an agent keys a new mandate into the billing system from the
signed PDF, the legal document the Régie must keep anyway. Opening it needs the permission
"Can open a signed mandate" and is recorded in the audit trail (who, when, which mandate);
the request's thread (in "Requests") is where agents answer and set the status, which the
mandate follows (handled → active, refused → refused; a handled stop → stopped).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from audit.models import AuditKind
from audit.services import record
from core.admin import short_datetime, subscriber_links
from core.files import private_file
from mandates import services
from mandates.models import Mandate, MandateStop, MoveOut

OPEN_PERMISSION = "mandates.open_signed_mandate"


def _request_link(obj: Any) -> str:
    url = reverse("admin:inquiries_inquiry_change", args=[obj.inquiry_id])
    return format_html('<a href="{}">{}</a>', url, obj.inquiry.reference)


class MandateStopInline(admin.TabularInline):
    model = MandateStop
    extra = 0
    can_delete = False
    fields = readonly_fields = ("request", "created_at")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("request"))
    def request(self, obj: MandateStop) -> str:
        return _request_link(obj)


@admin.register(Mandate)
class MandateAdmin(admin.ModelAdmin):
    list_display = ["rum", "contract", "holder_name", "iban_masked", "plan", "signed", "state"]
    list_filter = ["state", "plan"]
    search_fields = ["rum", "contract__number", "holder_name", "inquiry__reference"]
    list_select_related = ["contract"]
    date_hierarchy = "signed_at"
    inlines = [MandateStopInline]
    readonly_fields = [
        "rum",
        "request",
        "contract",
        "account",
        "holder_name",
        "holder_address",
        "iban_masked",
        "bic",
        "plan",
        "debit_day",
        "creditor_id",
        "signed_at",
        "signed_ip",
        "signed_place",
        "signed_document",
        "pdf_sha256",
        "state_changed_at",
    ]
    fieldsets = [
        (None, {"fields": ["rum", "request", "state", "state_changed_at"]}),
        (
            _("Debtor"),
            {
                "fields": [
                    "contract",
                    "account",
                    "holder_name",
                    "holder_address",
                    "iban_masked",
                    "bic",
                ]
            },
        ),
        (_("Payment"), {"fields": ["plan", "debit_day", "creditor_id"]}),
        (
            _("Signature evidence"),
            {"fields": ["signed_at", "signed_ip", "signed_place", "signed_document", "pdf_sha256"]},
        ),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("contract", "inquiry", "user")

    @admin.display(description=_("signed"), ordering="signed_at")
    def signed(self, obj: Mandate) -> str:
        return short_datetime(obj.signed_at)

    @admin.display(description=_("request"))
    def request(self, obj: Mandate) -> str:
        return _request_link(obj)

    @admin.display(description=_("account"))
    def account(self, obj: Mandate) -> str:
        return subscriber_links([obj.user])

    @admin.display(description=_("signed mandate (PDF)"))
    def signed_document(self, obj: Mandate) -> str:
        url = reverse("admin:mandates_mandate_pdf", args=[obj.pk])
        return format_html(
            '<a href="{}">{}</a> ({})',
            url,
            obj.filename,
            _("full IBAN; opening it is recorded in the audit trail"),
        )

    def save_model(self, request: HttpRequest, obj: Mandate, form: Any, change: bool) -> None:
        # Only the state is editable: set it through the service, which retires the
        # dashboard pages that show it.
        state = obj.state
        obj.state = form.initial.get("state", state)
        services.set_state(obj, state)

    def get_urls(self) -> list[URLPattern]:
        extra = [
            path(
                "<int:pk>/pdf/",
                self.admin_site.admin_view(self.pdf_view),
                name="mandates_mandate_pdf",
            )
        ]
        return extra + super().get_urls()

    def pdf_view(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        if not request.user.has_perm(OPEN_PERMISSION):
            raise PermissionDenied
        mandate = get_object_or_404(Mandate.objects.select_related("user"), pk=pk)
        record(
            AuditKind.STAFF_CHANGE,
            request,
            request.user,
            str(_("Signed mandate %(rum)s opened (full IBAN)") % {"rum": mandate.rum}),
            subject=mandate.user,
        )
        return private_file(mandate.pdf, mandate.filename)


@admin.register(MoveOut)
class MoveOutAdmin(admin.ModelAdmin):
    list_display = ["request", "contract", "leaving_date", "meter_index", "iban_masked", "status"]
    list_filter = ["inquiry__status"]
    search_fields = ["inquiry__reference", "contract__number"]
    list_select_related = ["contract", "inquiry"]
    date_hierarchy = "leaving_date"
    fields = readonly_fields = (
        "request",
        "contract",
        "leaving_date",
        "meter_index",
        "forwarding_address",
        "iban_masked",
        "created_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    @admin.display(description=_("request"))
    def request(self, obj: MoveOut) -> str:
        return _request_link(obj)

    @admin.display(description=_("status"))
    def status(self, obj: MoveOut) -> str:
        return obj.inquiry.get_status_display()
