"""The few lines the contract pages show about online payment and instalments.

``{% invoice_online_payment invoice contract %}``: the invoice's "Payer en ligne" button
or how its online payment went. ``{% online_payments_panel contract %}``: the payments
paid online not yet recorded by the billing system, and this year's instalments.

Contract pages are kept in the cache (``contracts.fragments``): every change of an
attempt retires them (``payments.services.move``), and so does every import.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils import timezone

from contracts.models import Contract, Invoice
from payments import services

register = template.Library()


@register.inclusion_tag("payments/_invoice_online.html")
def invoice_online_payment(invoice: Invoice, contract: Contract) -> dict[str, Any]:
    if not services.is_enabled() or invoice is None:
        return {"state": services.OnlineState("hidden")}
    state = services.online_state(invoice, contract)
    pay_url = (
        reverse("payments:pay", args=[contract.number, invoice.number])
        if state.kind != "hidden"
        else ""
    )
    return {"state": state, "invoice": invoice, "pay_url": pay_url}


@register.inclusion_tag("payments/_payments_panel.html")
def online_payments_panel(contract: Contract) -> dict[str, Any]:
    # Each list costs a query: asked only where it can have rows (the page's budget).
    year = timezone.localdate().year
    debited = contract.payment_method in services.DEBITED_METHODS
    return {
        "contract": contract,
        "pending": services.pending_online_payments(contract) if services.is_enabled() else [],
        "instalments": services.instalments_of_year(contract, year) if debited else [],
        "year": year,
    }
