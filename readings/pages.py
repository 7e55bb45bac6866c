"""What self-readings and alerts add to the contract pages (``contracts.signals.PAGE_HOOKS``).

* Dashboard: "Transmettre mon index" and "Alertes de consommation" in "Mes démarches en
  ligne" (the hint says whether the reading period is open), and the banner of a high
  consumption found on the last reading, until it is hidden or the next reading comes.
* Consumption: the indexes sent and not yet in the billing data ("auto-relevé en
  attente"), and the links to both services.

The figures are kept per contract and per day (``contracts.fragments``): everything read
here is the contract's (never one account's), and every change of a self-reading, a
reading period or an alert retires the kept pages (``readings.services.retire_pages``).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from contracts.models import Contract, ContractStatus
from contracts.templatetags.fr_format import dmy
from readings import alerts, services


def _reading_hint(contract: Contract, today: datetime.date) -> tuple[str, bool]:
    """What the services list says under "Transmettre mon index", and whether the page
    offers its form today."""
    if contract.remote_reading:
        return _("Your meter is read remotely: nothing to send."), False
    if contract.status != ContractStatus.ACTIVE:
        return _("This contract has ended."), False
    state = services.window_state(contract, today)
    if state.current is not None:
        return (
            _("Open until %(date)s.") % {"date": dmy(state.current.closes_on)},
            True,
        )
    if state.upcoming is not None:
        return (
            _("Next period: from %(start)s to %(end)s.")
            % {"start": dmy(state.upcoming.opens_on), "end": dmy(state.upcoming.closes_on)},
            False,
        )
    return _("No period planned for the moment."), False


def add_readings(
    page_name: str, contract: Contract, today: datetime.date, figures: dict[str, Any]
) -> None:
    if page_name == "dashboard":
        hint, _open = _reading_hint(contract, today)
        figures.setdefault("services", []).extend(
            [
                {
                    "label": _("Send my meter index"),
                    "url": reverse("readings:self_reading", args=[contract.number]),
                    "hint": hint,
                    "order": 20,
                },
                {
                    "label": _("Consumption alerts"),
                    "url": reverse("readings:alerts", args=[contract.number]),
                    "hint": _("An email if you use much more water than usual."),
                    "order": 21,
                },
            ]
        )
        alert = alerts.banner_alert(contract)
        if alert is not None:
            html = render_to_string(
                "readings/_alert_notice.html",
                {"contract": contract, "words": alerts.describe(alert)},
            )
            # Rendered from our template with autoescaping.
            figures.setdefault("notices", []).append(mark_safe(html))
    elif page_name == "consumption":
        # The link only: the page it opens says when the period opens (one query less).
        context = {
            "contract": contract,
            "awaiting": list(services.awaiting_billing(contract)[:5]),
            "offer_form": not contract.remote_reading and contract.status == ContractStatus.ACTIVE,
        }
        html = render_to_string("readings/_awaiting.html", context)
        existing = figures.get("extra_html") or ""
        figures["extra_html"] = mark_safe(existing + html)
