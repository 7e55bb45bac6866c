"""Delete audit events, and the rows other apps keep as long, after AUDIT_RETENTION_DAYS
(daily cron)."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from audit.models import AuditEvent
from audit.services import RETAINED, retention_cutoff


class Command(BaseCommand):
    help = "Delete audit events and contract link attempts past the retention period."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Count, delete nothing.")

    def handle(self, *args: Any, dry_run: bool = False, **options: Any) -> None:
        cutoff = retention_cutoff()
        kinds = [("audit event(s)", AuditEvent.objects.filter(at__lt=cutoff))]
        kinds += [(label, older_than(cutoff)) for label, older_than in RETAINED]
        days = settings.AUDIT_RETENTION_DAYS
        if dry_run:
            counts = " and ".join(f"{rows.count()} {label}" for label, rows in kinds)
            self.stdout.write(f"{counts} older than {days} days would be deleted (dry run).")
            return
        with transaction.atomic():
            counts = " and ".join(f"{rows.delete()[0]} {label}" for label, rows in kinds)
        self.stdout.write(f"{counts} older than {days} days deleted.")
