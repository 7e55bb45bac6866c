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

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe

from contracts.models import Contract, Invoice
from payments import services


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
        html = render_to_string("payments/_invoice_online.html", context)
        # Rendered from our template with autoescaping.
        invoice.extra_html = mark_safe(html)
