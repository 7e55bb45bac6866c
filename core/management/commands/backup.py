"""``manage.py backup /srv/backups``: the database (pg_dump -Fc) and the private files."""

from pathlib import Path
from subprocess import CalledProcessError
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core import backup


class Command(BaseCommand):
    help = "Back up the PostgreSQL database and the private files into a new folder."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("target", type=Path, help="Folder that receives the backup folder.")
        parser.add_argument("--dry-run", action="store_true", help="Say what would be saved.")

    def handle(self, *args: Any, target: Path, dry_run: bool = False, **options: Any) -> None:
        if dry_run:
            self.stdout.write(
                f"Would save the database and {backup.private_root()} under {target} (dry run)."
            )
            return
        try:
            folder = backup.backup(target)
            manifest = backup.verify(folder)
        except (backup.BackupError, OSError, CalledProcessError) as error:
            raise CommandError(str(error)) from error
        sizes = ", ".join(f"{n} {f['bytes']:,} bytes" for n, f in manifest["files"].items())
        self.stdout.write(f"Backup written to {folder} ({sizes}).")
