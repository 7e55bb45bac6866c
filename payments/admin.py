"""Online payments and instalments in the admin: read only, with a CSV for the accountant."""

from __future__ import annotations

import csv

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.admin import ReadOnlyAdmin
from payments.models import Instalment, PaymentAttempt


@admin.action(description=gettext_lazy("Export for reconciliation (CSV, by day)"))
def export_reconciliation(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[PaymentAttempt]
) -> HttpResponse:
    """One line per attempt, by transaction day then time: what the accountant matches
    against PayFiP's daily report (REFDET, authorisation number, amount)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="paiements-en-ligne.csv"'
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        [
            _("Day"),
            _("Time"),
            "REFDET",
            _("Authorisation number"),
            _("Amount (€)"),
            _("PayFiP result"),
            _("State"),
            _("Financial year"),
            _("Invoice"),
            _("Contract"),
            "idOp",
            _("Mode"),
        ]
    )
    rows = queryset.order_by("transaction_at", "created_at")
    for attempt in rows.iterator(chunk_size=1000):
        moment = timezone.localtime(attempt.transaction_at or attempt.created_at)
        writer.writerow(
            [
                moment.strftime("%d/%m/%Y"),
                moment.strftime("%H:%M"),
                attempt.refdet,
                attempt.numauto,
                f"{attempt.amount:.2f}".replace(".", ","),
                attempt.resultrans,
                attempt.get_state_display(),
                attempt.exer,
                attempt.invoice_number,
                attempt.contract_number,
                attempt.id_op or "",
                attempt.saisie,
            ]
        )
    return response


@admin.register(PaymentAttempt)
class PaymentAttemptAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "state",
        "amount",
        "invoice_number",
        "contract_number",
        "refdet",
        "numauto",
        "transaction_at",
    )
    list_filter = ("state", "saisie", "transaction_at", "created_at")
    date_hierarchy = "created_at"
    search_fields = ("refdet", "numauto", "id_op", "invoice_number", "contract_number")
    actions = [export_reconciliation]
    exclude = ("email", "raw_answer")
    readonly_fields = ("answer",)

    @admin.display(description=gettext_lazy("PayFiP's last answer"))
    def answer(self, obj: PaymentAttempt) -> str:
        return ", ".join(f"{k}={v}" for k, v in sorted(obj.raw_answer.items()) if k != "mel")


@admin.register(Instalment)
class InstalmentAdmin(ReadOnlyAdmin):
    list_display = ("contract", "due_date", "amount", "state")
    list_filter = ("state", "due_date")
    search_fields = ("contract__number",)
    list_select_related = ("contract",)
