"""Hooks of the billing import for the apps above contracts (which contracts may not import).

``billing_import`` is sent inside the import's transaction, after contracts' own files,
with ``directory`` (the export folder), ``dry_run`` and ``error(file, line, column,
reason)``. A receiver reads its own file of the export and reports its invalid rows
through ``error``: any error rolls the whole import back.
"""

from django.dispatch import Signal

billing_import = Signal()
