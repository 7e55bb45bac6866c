"""What online payment adds to the contract pages, through ``contracts.signals.PAGE_HOOKS``.

On the dashboard (the last invoice), the invoices list and an invoice's page: each invoice
with something to say gets ``extra_html``, its "Payer en ligne" button or how its online
payment went, all invoices of a page in one query. On the payments page: the payments made
online and not yet recorded by the billing system, and this year's direct debits.

The contract pages keep their figures until the billing data changes: every change of an
attempt retires them (``payments.services.move``), and so does every import.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Min
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from contracts.models import Contract, Invoice
from payments import services
from payments.models import OPEN_STATES, PAID_STATES, PaymentAttempt


def _invoices(page_name: str, figures: dict[str, Any]) -> list[Invoice]:
    if page_name == "invoice_detail":
        return [figures["invoice"]]
    if page_name == "dashboard":
        candidates = [figures.get("last_invoice")]
    elif page_name == "invoices":
        # Materialised, so that the attributes set below are on the objects the page shows.
        page = figures["page"]
        page.object_list = candidates = list(page.object_list)
    else:
        return []
    return [invoice for invoice in candidates if invoice is not None and invoice.amount_due > 0]


def add_online_payment(
    page_name: str, contract: Contract, today: datetime.date, figures: dict[str, Any]
) -> None:
    if page_name == "payments":
        debited = contract.payment_method in services.DEBITED_METHODS
        pending = services.pending_online_payments(contract) if services.is_enabled() else []
        instalments = services.instalments_of_year(contract, today.year) if debited else []
        if pending or instalments:
            context = {"pending": pending, "instalments": instalments, "year": today.year}
            figures["extra_html"] = render_to_string("payments/_payments_panel.html", context)
        return
    invoices = _invoices(page_name, figures)
    if not invoices or not services.is_enabled():
        return
    _not_late_when_paid_online(contract, today, figures)
    states = services.online_states(invoices, contract, today)
    for invoice in invoices:
        state = states[invoice.pk]
        if state.kind == "hidden":
            continue
        context = {
            "state": state,
            "invoice": invoice,
            "pay_url": reverse("payments:pay", args=[contract.number, invoice.number]),
        }
        if state.kind in ("paid", "processing"):
            # Until the next import records it, the billing data still says "due": the
            # status says what the subscriber did instead, and never "payez".
            state_html = render_to_string("payments/_online_state.html", {"state": state})
            invoice.words = " ".join(strip_tags(state_html).split())
            invoice.status_class = "paid" if state.kind == "paid" else "to_pay"
            context["state_shown"] = True
        html = render_to_string("payments/_invoice_online.html", context)
        # Rendered from our template with autoescaping.
        invoice.extra_html = mark_safe(html)


def _not_late_when_paid_online(
    contract: Contract, today: datetime.date, figures: dict[str, Any]
) -> None:
    """The page's "En retard depuis le … — payez" counts only invoices not paid (or being
    paid) online."""
    if not figures.get("overdue_since"):
        return
    settled = PaymentAttempt.objects.filter(
        contract=contract, state__in=(*PAID_STATES, *OPEN_STATES)
    ).values("invoice_id")
    late = (
        contract.invoices.unpaid()
        .filter(due_date__lt=today)
        .exclude(pk__in=settled)
        .aggregate(since=Min("due_date"))["since"]
    )
    figures["overdue_since"] = late + datetime.timedelta(days=1) if late else None
    if late is None:
        figures["due_note"] = _(
            "Your online payment has been received: it will show here once the Régie "
            "has recorded it."
        )
