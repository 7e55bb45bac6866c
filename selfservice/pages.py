"""What the self-services add to the contract pages, through ``contracts.signals.PAGE_HOOKS``.

* Dashboard: two entries of "Mes démarches en ligne" ("Attestation d'abonnement" for a
  contract in force, "Facture électronique" with the contract's current choice), and the
  leak relief link on the last invoice when it qualifies.
* Invoices, an invoice's page: "Demander un écrêtement pour fuite" on each invoice that
  qualifies today (``selfservice.leaks.offered``: within the month, volume above twice
  the average); one query for the page.
* Consumption: a short notice on leaks, leading to the invoices page (no query).

Hooks run on the contract's figures, which are kept per contract (never per account) and
per day: they say only what any account of the payer may see. What they read that is not
billing data (the choices) retires the kept figures when it changes
(``einvoice.choose`` calls ``fragments.data_changed``).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from contracts.models import Contract, Invoice
from selfservice import attestations, einvoice, leaks


def _append_html(invoice: Invoice, html: str) -> None:
    # Another app (payments) may have set it already: add to it.
    # Rendered from our templates with autoescaping.
    invoice.extra_html = mark_safe(getattr(invoice, "extra_html", "") + html)


def _leak_offers(
    contract: Contract, invoices: list[Invoice], today: datetime.date, *, detail: bool
) -> None:
    offers = leaks.offered(invoices, today)
    for invoice in invoices:
        assessment = offers.get(invoice.pk)
        if assessment is None:
            continue
        context = {
            "invoice": invoice,
            "assessment": assessment,
            "deadline": leaks.deadline(invoice),
            "detail": detail,
            "url": reverse("selfservice:leak", args=[contract.number, invoice.number]),
        }
        _append_html(invoice, render_to_string("selfservice/_leak_offer.html", context))


def _services(contract: Contract, figures: dict[str, Any]) -> None:
    services = figures.setdefault("services", [])
    if attestations.can_issue(contract):
        services.append(
            {
                "label": _("Attestation d'abonnement"),
                "url": reverse("selfservice:attestation", args=[contract.number]),
                "hint": _("Proof of address to download, with a code to check it."),
                "order": 40,
            }
        )
    paperless = einvoice.contract_choice(contract)
    services.append(
        {
            "label": _("Paper-free invoice"),
            "url": reverse("selfservice:einvoice", args=[contract.number]),
            "hint": _("Current choice: invoices by email only")
            if paperless
            else _("Current choice: paper invoices by post"),
            "order": 50,
        }
    )


def add_self_services(
    page_name: str, contract: Contract, today: datetime.date, figures: dict[str, Any]
) -> None:
    if page_name == "dashboard":
        _services(contract, figures)
        last = figures.get("last_invoice")
        if last is not None:
            _leak_offers(contract, [last], today, detail=False)
    elif page_name == "invoices":
        page = figures["page"]
        page.object_list = rows = list(page.object_list)
        _leak_offers(contract, rows, today, detail=False)
    elif page_name == "invoice_detail":
        _leak_offers(contract, [figures["invoice"]], today, detail=True)
    elif page_name == "consumption":
        # No query here (the page's budget is spent on ten years of readings): where to
        # ask, the invoices page marking the invoices that qualify.
        context = {"invoices_url": reverse("contracts:invoices", args=[contract.number])}
        html = render_to_string("selfservice/_leak_notice.html", context)
        figures["extra_html"] = mark_safe(figures.get("extra_html", "") + html)
