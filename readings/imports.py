"""What the billing import does for this app (``contracts.signals.billing_import``, inside
the import's transaction, after the export's own files):

* the pending indexes the billing system brought back as self-readings are validated;
* the contracts with alerts on are checked for a high new reading (``readings.alerts``).

A dry run changes and sends nothing; an import rolled back sends nothing either (emails
leave on commit).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from readings import alerts, services


def on_billing_import(sender: object, directory: Path, dry_run: bool, **kwargs: Any) -> None:
    if dry_run:
        return
    services.validate_imported(dry_run=dry_run)
    alerts.check_after_import(dry_run=dry_run)
