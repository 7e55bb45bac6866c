"""Import of the billing system's export (``manage.py import_billing`` and the admin upload).

The export is a folder of ``;``-separated UTF-8 CSV files (see ``FILES``), any of which may
be absent. The whole import runs in one transaction: if any row is invalid, nothing is
written and every invalid row is reported as ``file:line: column: reason``.

Speed and memory: rows are streamed in batches of ``BATCH_SIZE``. For each batch one query
fetches the rows that already exist; new rows are inserted (COPY on PostgreSQL, in a
writer thread so the server stores batch N while Python parses batch N+1; bulk_create
elsewhere), changed rows bulk-updated, unchanged rows only counted, so re-importing the
same export writes nothing. Only maps of payer reference / contract number → id are kept
in memory. Keys are hashed with Argon2 (~0.2-0.4 s of CPU each, several at once on a
multi-core machine): a new contract costs that once, and an existing contract whose row
carries a key costs one check; leave the key empty for contracts whose key has not changed.

Known limits: a row repeated in two different batches of one big file is applied twice
(the later wins) rather than reported; PDFs copied before a failed import stay in private
storage, unreferenced (their names are content-addressed, so nothing points to a wrong file).

The modules, by job:
- ``parse``: the files and their columns, CSV reading, typed values, the report;
- ``bulk``: COPY / bulk inserts and the queries that fetch existing rows;
- ``tables``: what each file's rows mean and how a batch of them is written;
- ``run``: the run itself (``BillingImport``, ``import_billing()``);
- ``upload``: the admin's upload (zip safety, temporary folder, ``import_upload()``).
"""

from contracts.billing.parse import FILES, FileStats, ImportReport, RowError
from contracts.billing.run import BATCH_SIZE, BillingImport, import_billing
from contracts.billing.upload import (
    ImportFailed,
    UploadRejected,
    extract_upload,
    found_files,
    import_upload,
)

__all__ = [
    "BATCH_SIZE",
    "FILES",
    "BillingImport",
    "FileStats",
    "ImportFailed",
    "ImportReport",
    "RowError",
    "UploadRejected",
    "extract_upload",
    "found_files",
    "import_billing",
    "import_upload",
]
