"""``manage.py restore /srv/backups/espace-abonne-…``: into an empty database and folder."""

from pathlib import Path
from subprocess import CalledProcessError
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core import backup


class Command(BaseCommand):
    help = (
        "Restore a backup folder (manage.py backup) into the configured database and "
        "private-files folder, which must both be empty."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path, help="A folder written by manage.py backup.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Only check the backup's checksums."
        )

    def handle(self, *args: Any, folder: Path, dry_run: bool = False, **options: Any) -> None:
        try:
            manifest = backup.verify(folder)
            if dry_run:
                self.stdout.write(f"{folder}: checksums match, nothing restored (dry run).")
                return
            backup.restore(folder)
        except (backup.BackupError, OSError, KeyError, CalledProcessError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Restored the backup of {manifest['created']} into "
            f"{backup.private_root()} and the configured database."
        )
