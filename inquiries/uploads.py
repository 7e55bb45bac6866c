"""Checks on an uploaded attachment: size first, then the type read from the content.

Only PDF, JPEG and PNG are accepted (never SVG). The type comes from the file's first bytes
(``filetype``) and must agree with the extension; images must decode with Pillow and are
re-encoded without their metadata (EXIF, GPS position of a phone photo); a PDF must have a
PDF header and end-of-file marker.

Before anything else is read from it, the file goes through clamd (``core.antivirus``) when
``CLAMD_URL`` is set: a file found infected is refused (``InfectedFile``, which the form
records in the audit trail), and when clamd cannot give a verdict the file is refused too,
politely: a file is never stored unscanned. Nothing is queued: the subscriber is told at
once and may send the message without the file or try again later.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from pathlib import PurePosixPath

import filetype
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from core import antivirus

logger = logging.getLogger(__name__)

MAX_BYTES = 5 * 1024 * 1024
# Extensions accepted for each type found in the content.
ALLOWED = {
    "application/pdf": {".pdf"},
    "image/jpeg": {".jpg", ".jpeg"},
    "image/png": {".png"},
}
# A photo of 40 megapixels is plenty; more is a decompression bomb.
MAX_PIXELS = 40_000_000

TOO_LARGE = _("The file is too large: 5 MB at most.")
WRONG_TYPE = _("Only PDF, JPEG or PNG files are accepted.")
MISMATCH = _("The file's name does not match its content: send a PDF, JPEG or PNG file.")
UNREADABLE = _("This file cannot be read. Send another PDF, JPEG or PNG file.")
EMPTY = _("The file is empty.")
INFECTED = _(
    "This file contains a virus and was refused. Have your device checked by an antivirus, "
    "then send another file."
)
SCAN_UNAVAILABLE = _(
    "Files cannot be checked for viruses at the moment, so this one was not kept. "
    "Try again in a few minutes, or send your message without the file."
)


class InfectedFile(ValidationError):
    """A ``ValidationError`` that also names what clamd found (for the audit trail)."""

    def __init__(self, signature: str) -> None:
        super().__init__(INFECTED, code="infected")
        self.signature = signature


@dataclass(frozen=True)
class CheckedFile:
    content: ContentFile
    original_name: str
    content_type: str
    size: int


def _clean_name(name: str) -> str:
    # Only the last component, without control characters: shown and sent back as is.
    base = PurePosixPath(name.replace("\\", "/")).name
    cleaned = "".join(ch for ch in base if ch.isprintable()).strip()
    return cleaned[:200] or "piece-jointe"


def _reencode(data: bytes, mime: str) -> bytes:
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.width * probe.height > MAX_PIXELS:
                raise ValidationError(UNREADABLE, code="unreadable")
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            upright = ImageOps.exif_transpose(image)
            out = io.BytesIO()
            if mime == "image/jpeg":
                upright.convert("RGB").save(out, format="JPEG", quality=90)
            else:
                upright.save(out, format="PNG")
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise ValidationError(UNREADABLE, code="unreadable") from None


def _scan(data: bytes) -> None:
    if not antivirus.enabled():
        return
    try:
        verdict = antivirus.scan(data)
    except antivirus.ScannerUnavailable as error:
        logger.error("Attachment refused, no virus scan: %s", error)
        raise ValidationError(SCAN_UNAVAILABLE, code="scan_unavailable") from None
    if verdict.infected:
        logger.warning("Attachment refused, infected: %s", verdict.signature)
        raise InfectedFile(verdict.signature)


def check_attachment(upload: UploadedFile) -> CheckedFile:
    """The file as it will be stored, or ``ValidationError`` with a French message."""
    if upload.size is None or upload.size > MAX_BYTES:
        raise ValidationError(TOO_LARGE, code="too_large")
    if upload.size == 0:
        raise ValidationError(EMPTY, code="empty")
    name = _clean_name(upload.name or "")
    upload.seek(0)
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValidationError(TOO_LARGE, code="too_large")
    _scan(data)
    kind = filetype.guess(data[:8192])
    mime = kind.mime if kind else ""
    if mime not in ALLOWED:
        raise ValidationError(WRONG_TYPE, code="wrong_type")
    if PurePosixPath(name).suffix.lower() not in ALLOWED[mime]:
        raise ValidationError(MISMATCH, code="mismatch")
    if mime == "application/pdf":
        if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-2048:]:
            raise ValidationError(UNREADABLE, code="unreadable")
    else:
        data = _reencode(data, mime)
    return CheckedFile(ContentFile(data, name=name), name, mime, len(data))
