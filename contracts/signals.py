"""Hooks of the billing import for the apps above contracts (which contracts may not import).

``billing_import`` is sent inside the import's transaction, after contracts' own files,
with ``directory`` (the export folder), ``dry_run`` and ``error(file, line, column,
reason)``. A receiver reads its own file of the export and reports its invalid rows
through ``error``: any error rolls the whole import back. It names that file in
``OTHER_FILES`` so that the admin's upload accepts it and reports it found.
"""

from django.dispatch import Signal

billing_import = Signal()

# File names of the export read by other apps' receivers (e.g. "instalments.csv").
OTHER_FILES: list[str] = []
