"""manage.py refresh_online_payments [--dry-run]: ask PayFiP about attempts still open.

For cron (every 5 minutes): a payer who closed the tab on PayFiP's page leaves an attempt
waiting, and PayFiP's notification may never arrive. Each open attempt is asked about;
P1 (unknown or purged operation) and P5 (no result) 20 minutes after its creation
expire it.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from payments import services
from payments.models import PaymentAttempt


class Command(BaseCommand):
    help = "Ask PayFiP about the online payments still open; expire the stale ones."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Count the open attempts, ask nothing."
        )

    def handle(self, *args: Any, dry_run: bool, **options: Any) -> None:
        if dry_run:
            count = PaymentAttempt.objects.open().count()
            self.stdout.write(_("%(count)s online payments open.") % {"count": count})
            return
        if not services.is_enabled():
            self.stdout.write(_("Online payment is not configured: nothing to do."))
            return
        counts = services.refresh_open()
        total = sum(counts.values())
        self.stdout.write(_("%(count)s online payments asked about.") % {"count": total})
        for state, count in sorted(counts.items()):
            self.stdout.write(f"  {state}: {count}")
