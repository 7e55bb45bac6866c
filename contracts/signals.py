"""Hooks for the apps above contracts (which contracts may not import): the billing import,
and what they add to a contract page.

``billing_import`` is sent inside the import's transaction, after contracts' own files,
with ``directory`` (the export folder), ``dry_run`` and ``error(file, line, column,
reason)``. A receiver reads its own file of the export and reports its invalid rows
through ``error``: any error rolls the whole import back. It names that file in
``OTHER_FILES`` so that the admin's upload accepts it and reports it found.
"""

import datetime
from collections.abc import Callable
from typing import Any

from django.dispatch import Signal

billing_import = Signal()

# File names of the export read by other apps' receivers (e.g. "instalments.csv").
OTHER_FILES: list[str] = []


# What other apps add to a contract page's figures: ``hook(page_name, contract, today,
# figures)``, called by the view with the figures it has just loaded (``page_name`` is
# "dashboard", "invoices", "payments", "invoice_detail"…). A hook may set ``extra_html``
# (safe HTML it rendered), ``words`` and ``status_class`` on the invoices of the figures,
# and ``figures["extra_html"]``, ``figures["due_note"]`` or ``figures["overdue_since"]``
# for the page; the contract templates show them. On the dashboard, a hook may append to
# ``figures.setdefault("notices", [])`` (safe HTML shown under the title, e.g. an alert)
# and to ``figures.setdefault("services", [])`` (``{"label", "url", "hint", "order"}``,
# the "Mes démarches en ligne" list, sorted by ``order`` after every hook ran). Hooks add
# to the figures only: what they read must change the billing generation when it changes
# (``fragments.data_changed``).
PageHook = Callable[[str, Any, datetime.date, dict[str, Any]], None]
PAGE_HOOKS: list[PageHook] = []


def extend_figures(
    page_name: str, contract: Any, today: datetime.date, figures: dict[str, Any]
) -> dict[str, Any]:
    """``figures``, with what the other apps' hooks add to this page."""
    for hook in PAGE_HOOKS:
        hook(page_name, contract, today, figures)
    if "services" in figures:
        figures["services"].sort(key=lambda service: service.get("order", 0))
    return figures
