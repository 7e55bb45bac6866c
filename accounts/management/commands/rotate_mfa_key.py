"""manage.py rotate_mfa_key [--dry-run]: re-encrypt the two-factor secrets, and every column
other apps registered in ``core.crypto`` (bank details), with the first key of
MFA_ENCRYPTION_KEY (after a new key was put first, the old one kept after it)."""

from typing import Any

from allauth.mfa.models import Authenticator
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _

from core.crypto import fernet, rotate_registered

# The encrypted values allauth keeps in Authenticator.data.
ENCRYPTED = ("secret", "seed")
ENCRYPTED_LISTS = ("migrated_codes",)


def _rotate(value: str) -> str:
    return fernet().rotate(value.encode()).decode()


class Command(BaseCommand):
    help = "Re-encrypt the two-factor secrets and bank details with the first MFA_ENCRYPTION_KEY."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Count, change nothing.")

    def handle(self, *args: Any, dry_run: bool = False, **options: Any) -> None:
        count = 0
        with transaction.atomic():
            for authenticator in Authenticator.objects.select_for_update():
                data = dict(authenticator.data)
                for name in ENCRYPTED:
                    if isinstance(data.get(name), str):
                        data[name] = _rotate(data[name])
                for name in ENCRYPTED_LISTS:
                    if isinstance(data.get(name), list):
                        data[name] = [_rotate(v) for v in data[name]]
                if data != authenticator.data:
                    count += 1
                    if not dry_run:
                        Authenticator.objects.filter(pk=authenticator.pk).update(data=data)
            others = rotate_registered(dry_run=dry_run)
            if dry_run:
                transaction.set_rollback(True)
        message = _("%(count)s two-factor authenticators re-encrypted.") % {"count": count}
        message += " " + _("%(count)s other encrypted values (bank details) re-encrypted.") % {
            "count": others
        }
        if dry_run:
            message = _("Dry run: %(message)s Nothing was written.") % {"message": message}
        self.stdout.write(message)
