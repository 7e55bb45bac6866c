"""Queue again the emails whose delivery failed and whose next attempt is due, and those
left pending by a worker that died in the middle of a task.

The database task backend retries on its own (``run_after``); this command is for
backends that cannot defer (immediate) and for a cron safety net.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from accounts.tasks import due_emails, retry_due_emails


class Command(BaseCommand):
    help = "Queue again the failed emails whose next attempt is due."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Only count them.")

    def handle(self, *args: Any, dry_run: bool = False, **options: Any) -> None:
        if dry_run:
            due = due_emails().count()
            self.stdout.write(f"{due} email(s) due for another attempt (dry run).")
            return
        with transaction.atomic():
            count = retry_due_emails()
        self.stdout.write(f"{count} email(s) queued again.")
