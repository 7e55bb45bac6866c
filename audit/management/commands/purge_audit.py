"""Delete audit events and link attempts older than AUDIT_RETENTION_DAYS (daily cron)."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from audit.models import AuditEvent
from audit.services import retention_cutoff
from contracts.models import LinkAttempt


class Command(BaseCommand):
    help = "Delete audit events and contract link attempts past the retention period."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Count, delete nothing.")

    def handle(self, *args: Any, dry_run: bool = False, **options: Any) -> None:
        cutoff = retention_cutoff()
        events = AuditEvent.objects.filter(at__lt=cutoff)
        attempts = LinkAttempt.objects.filter(created_at__lt=cutoff)
        days = settings.AUDIT_RETENTION_DAYS
        if dry_run:
            self.stdout.write(
                f"{events.count()} audit event(s) and {attempts.count()} link attempt(s) "
                f"older than {days} days would be deleted (dry run)."
            )
            return
        with transaction.atomic():
            deleted_events, _ = events.delete()
            deleted_attempts, _ = attempts.delete()
        self.stdout.write(
            f"{deleted_events} audit event(s) and {deleted_attempts} link attempt(s) "
            f"older than {days} days deleted."
        )
