"""The admin's upload of a billing export: the uploaded CSV files, PDFs and zips written to
a temporary folder (zip member names checked, total size capped), then imported there with
the same validation and report as ``manage.py import_billing``."""

from __future__ import annotations

import logging
import shutil
import tempfile
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

from django.db import DatabaseError
from django.utils.translation import gettext as _

from contracts import signals
from contracts.billing.parse import FILES, SAFE_NAME, ImportReport
from contracts.billing.run import import_billing

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 512 * 1024 * 1024  # uncompressed, all files together
MAX_ZIP_MEMBERS = 200_000


class UploadRejected(Exception):
    """An upload that cannot be turned into an export folder (bad zip, odd names…)."""


class ImportFailed(Exception):
    """The database refused an import that passed validation (rolled back)."""


def import_upload(
    files: list[Any],
    *,
    dry_run: bool = False,
    export_date: Any = None,
    user: Any = None,
    request: Any = None,
) -> ImportReport:
    """Import uploaded files; ``UploadRejected`` if they are not an export, ``ImportFailed``
    if the database refused it. Either way nothing is written."""
    with tempfile.TemporaryDirectory(prefix="billing-import-") as folder:
        extract_upload(files, Path(folder))
        if not found_files(Path(folder)):
            raise UploadRejected(
                _("No file of the export was found (expected %(files)s).")
                % {"files": ", ".join(export_files())}
            )
        try:
            return import_billing(
                folder,
                dry_run=dry_run,
                export_date=export_date,
                user=user,
                source="upload",
                request=request,
            )
        except DatabaseError:
            # Rolled back; validation should have caught it, but never a 500.
            logger.exception("billing import failed in the database")
            raise ImportFailed(
                _("The database refused the import: nothing was imported.")
            ) from None


def _safe_member_path(name: str) -> PurePosixPath | None:
    """The relative path of a zip member, or None if it is unsafe."""
    if "\\" in name or name.startswith("/") or "\x00" in name:
        return None
    path = PurePosixPath(name)
    if not path.parts or any(part in ("", ".", "..") for part in path.parts):
        return None
    if ":" in path.parts[0]:
        return None
    return path


def extract_upload(files: list[Any], target: Path) -> None:
    """Write uploaded CSV files, PDFs and zips of them into ``target`` (a fresh folder).

    A zip holds the export as the billing system writes it (the CSV files at its root or
    in one top folder, the PDFs where invoices.csv says). Member names are checked and the
    total uncompressed size is capped before anything is extracted.
    """
    total = 0
    for upload in files:
        name = PurePosixPath(str(upload.name).replace("\\", "/")).name
        if name.lower().endswith(".zip"):
            total = _extract_zip(upload, target, total)
            continue
        if name not in export_files() and not name.lower().endswith(".pdf"):
            raise UploadRejected(
                _("%(name)s is not a file of the export (expected %(files)s, PDFs or a zip).")
                % {"name": name, "files": ", ".join(export_files())}
            )
        total += upload.size
        if total > MAX_UPLOAD_BYTES:
            raise UploadRejected(_("The upload is too large."))
        with (target / SAFE_NAME.sub("_", name)).open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)


def export_files() -> list[str]:
    """Every file name of the export: contracts' own, then those other apps read."""
    return [*FILES, *signals.OTHER_FILES]


def found_files(directory: Path) -> list[str]:
    """The export files present in ``directory``."""
    return [name for name in export_files() if (directory / name).is_file()]


def _extract_zip(upload: Any, target: Path, total: int) -> int:
    try:
        archive = zipfile.ZipFile(upload)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise UploadRejected(
            _("%(name)s is not a valid zip file.") % {"name": upload.name}
        ) from None
    with archive:
        members = [info for info in archive.infolist() if not info.is_dir()]
        if len(members) > MAX_ZIP_MEMBERS:
            raise UploadRejected(_("The zip file holds too many files."))
        paths = []
        for info in members:
            path = _safe_member_path(info.filename)
            if path is None:
                raise UploadRejected(
                    _("The zip file holds a file with an unsafe name: %(name)s")
                    % {"name": info.filename}
                )
            total += info.file_size
            paths.append(path)
        if total > MAX_UPLOAD_BYTES:
            raise UploadRejected(_("The upload is too large."))
        # The export may sit in one top folder of the zip: strip it.
        tops = {p.parts[0] for p in paths}
        strip = len(tops) == 1 and all(len(p.parts) > 1 for p in paths)
        for info, path in zip(members, paths, strict=True):
            relative = PurePosixPath(*path.parts[1:]) if strip else path
            destination = target.joinpath(*relative.parts)
            destination.parent.mkdir(parents=True, exist_ok=True)
            try:
                with archive.open(info) as source, destination.open("wb") as out:
                    shutil.copyfileobj(source, out)
            except (zipfile.BadZipFile, OSError, NotImplementedError, RuntimeError):
                raise UploadRejected(
                    _("%(name)s could not be read from the zip file.") % {"name": info.filename}
                ) from None
    return total
