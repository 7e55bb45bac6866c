"""What mandates and moves add to the dashboard's "Mes démarches en ligne", through
``contracts.signals.PAGE_HOOKS``.

The dashboard's figures are kept per contract until the data changes (contracts.fragments),
and are the same for every account of the payer: the hints speak of the contract only (a
mandate's state, an open request), never of the visitor. Every change of a mandate, stop
or move out retires them (``fragments.data_changed`` in mandates.services).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from contracts.models import Contract
from inquiries.models import OPEN_STATUSES, Inquiry, InquiryKind
from mandates.models import DebitPlan, Mandate, MandateState

CURRENT = (MandateState.PENDING, MandateState.ACTIVE)


def _rows(contract: Contract) -> list[Inquiry]:
    """In one query: the contract's current mandates and its open stops and moves out,
    each a request with its detail (the dashboard has a budget of queries)."""
    current = Q(kind=InquiryKind.MANDATE, mandate__state__in=CURRENT)
    open_ = Q(kind__in=(InquiryKind.MANDATE_STOP, InquiryKind.MOVE_OUT), status__in=OPEN_STATUSES)
    rows = (
        Inquiry.objects.filter(current | open_, contract=contract)
        .select_related("mandate", "move_out")
        .order_by("-created_at")
    )
    return list(rows[:20])


def _mandate_hint(contract: Contract, rows: list[Inquiry]) -> str:
    # Reverse one-to-ones the stubs do not always see (hence the ignores).
    mandates: list[Mandate] = [
        row.mandate  # type: ignore[attr-defined,unused-ignore]
        for row in rows
        if row.kind == InquiryKind.MANDATE
    ]
    active = next((m for m in mandates if m.state == MandateState.ACTIVE), None)
    pending = next((m for m in mandates if m.state == MandateState.PENDING), None)
    if any(row.kind == InquiryKind.MANDATE_STOP for row in rows):
        return _("Stop requested: the Régie is handling it.")
    if pending is not None:
        return _("Mandate signed on %(date)s, being handled by the Régie.") % {
            "date": date_format(timezone.localtime(pending.signed_at).date(), "d/m/Y")
        }
    if active is not None:
        if active.plan == DebitPlan.MONTHLY:
            return _("Active: monthly plan, debited on the %(day)s of each month.") % {
                "day": active.debit_day
            }
        return _("Active: each invoice is debited on its due date.")
    if contract.pays_by_direct_debit:
        return _("Your invoices are already debited. Sign a new mandate to change bank account.")
    return _("Pay your invoices without thinking about it: sign a mandate online.")


def _move_hint(rows: list[Inquiry]) -> str:
    row = next((row for row in rows if row.kind == InquiryKind.MOVE_OUT), None)
    if row is not None:
        return _("Moving out on %(date)s declared (request %(reference)s).") % {
            "date": date_format(
                row.move_out.leaving_date,  # type: ignore[attr-defined,unused-ignore]
                "d/m/Y",
            ),
            "reference": row.reference,
        }
    return _("Tell the Régie your leaving date and your meter index.")


def add_services(
    page_name: str, contract: Contract, today: datetime.date, figures: dict[str, Any]
) -> None:
    if page_name != "dashboard":
        return
    rows = _rows(contract)
    services = figures.setdefault("services", [])
    services += [
        {
            "label": _("Automatic direct debit"),
            "url": reverse("mandates:home", args=[contract.number]),
            "hint": _mandate_hint(contract, rows),
            "order": 30,
        },
        {
            "label": _("I am moving out"),
            "url": reverse("mandates:move_out", args=[contract.number]),
            "hint": _move_hint(rows),
            "order": 40,
        },
        {
            "label": _("I am moving in"),
            "url": reverse("inquiries:subscription"),
            "hint": _("A subscription request for your new address."),
            "order": 41,
        },
    ]
