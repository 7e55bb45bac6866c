"""manage.py import_billing DIR [--dry-run]: load the billing system's export."""

import datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.billing import FILES, found_files, import_billing


class Command(BaseCommand):
    help = "Import the billing system's CSV export (all-or-nothing, idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path, help="Folder holding the CSV files.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Validate and report without writing."
        )
        parser.add_argument(
            "--export-date",
            help=(
                "When the billing system made the export (YYYY-MM-DD or YYYY-MM-DDTHH:MM, "
                "Paris time); by default the modification time of contracts.csv. A contract "
                "key given by staff after it is kept."
            ),
        )

    def handle(
        self,
        *args: Any,
        directory: Path,
        dry_run: bool,
        export_date: str | None = None,
        **options: Any,
    ) -> None:
        if not directory.is_dir():
            raise CommandError(_("%(path)s is not a folder.") % {"path": directory})
        made = self._export_date(directory, export_date)

        def progress(name: str, rows: int, rate: float) -> None:
            self.stdout.write(
                _("%(file)s: rows read %(rows)s (%(rate)s rows/s)")
                % {"file": name, "rows": rows, "rate": int(rate)}
            )

        if not found_files(directory):
            raise CommandError(
                _("No file of the export was found (expected %(files)s).")
                % {"files": ", ".join(FILES)}
            )
        report = import_billing(directory, dry_run=dry_run, progress=progress, export_date=made)
        for error in report.errors:
            self.stderr.write(str(error))
        if report.error_count > len(report.errors):
            self.stderr.write(
                _("… and %(count)s more errors.")
                % {"count": report.error_count - len(report.errors)}
            )
        for line in report.summary_lines():
            self.stdout.write(line)
        if not report.ok:
            raise CommandError(
                _("%(count)s invalid rows: nothing was imported.") % {"count": report.error_count}
            )
        if dry_run:
            self.stdout.write(_("Dry run: the export is valid, nothing was written."))
        else:
            self.stdout.write(self.style.SUCCESS(_("Import finished.")))

    def _export_date(self, directory: Path, given: str | None) -> datetime.datetime | None:
        if given:
            try:
                value = datetime.datetime.fromisoformat(given)
            except ValueError:
                raise CommandError(
                    _("--export-date: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM, got %(value)s")
                    % {"value": given}
                ) from None
            return timezone.make_aware(value) if timezone.is_naive(value) else value
        contracts = directory / "contracts.csv"
        if contracts.is_file():
            return datetime.datetime.fromtimestamp(contracts.stat().st_mtime, tz=datetime.UTC)
        return None
