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

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from contracts.models import Contract
from inquiries.models import OPEN_STATUSES
from mandates.models import DebitPlan, Mandate, MandateState, MandateStop, MoveOut


def _mandate_hint(contract: Contract) -> str:
    current = list(
        Mandate.objects.filter(
            contract=contract, state__in=(MandateState.PENDING, MandateState.ACTIVE)
        )
        .order_by("-signed_at")
        .only("state", "plan", "debit_day", "signed_at")[:2]
    )
    stopping = MandateStop.objects.filter(
        mandate__contract=contract, inquiry__status__in=OPEN_STATUSES
    ).exists()
    active = next((m for m in current if m.state == MandateState.ACTIVE), None)
    pending = next((m for m in current if m.state == MandateState.PENDING), None)
    if stopping:
        return _("Stop requested: the Régie is handling it.")
    if pending is not None:
        return _("Mandate signed on %(date)s, being handled by the Régie.") % {
            "date": date_format(pending.signed_at.date(), "d/m/Y")
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


def _move_hint(contract: Contract) -> str:
    move = (
        MoveOut.objects.filter(contract=contract, inquiry__status__in=OPEN_STATUSES)
        .select_related("inquiry")
        .only("leaving_date", "inquiry__reference")
        .first()
    )
    if move is not None:
        return _("Moving out on %(date)s declared (request %(reference)s).") % {
            "date": date_format(move.leaving_date, "d/m/Y"),
            "reference": move.inquiry.reference,
        }
    return _("Tell the Régie your leaving date and your meter index.")


def add_services(
    page_name: str, contract: Contract, today: datetime.date, figures: dict[str, Any]
) -> None:
    if page_name != "dashboard":
        return
    services = figures.setdefault("services", [])
    services += [
        {
            "label": _("Automatic direct debit"),
            "url": reverse("mandates:home", args=[contract.number]),
            "hint": _mandate_hint(contract),
            "order": 30,
        },
        {
            "label": _("I am moving out"),
            "url": reverse("mandates:move_out", args=[contract.number]),
            "hint": _move_hint(contract),
            "order": 40,
        },
        {
            "label": _("I am moving in"),
            "url": reverse("inquiries:subscription"),
            "hint": _("A subscription request for your new address."),
            "order": 41,
        },
    ]
