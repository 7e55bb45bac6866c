"""One responder for every private file (invoice and règlement PDFs, request attachments).

Private files live outside the static and media URLs and reach a browser only through a
view that has checked who asks. The answer is never stored by a browser or a proxy, never
sniffed as another type, and a file missing on disk is a French 404 page and a log line,
not a 500.
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import FileResponse, Http404

logger = logging.getLogger(__name__)


def private_file(
    field: Any,
    filename: str,
    *,
    content_type: str = "application/pdf",
    inline: bool = True,
    sandbox: bool = False,
) -> FileResponse:
    """Serve a ``FieldFile`` as ``filename`` (shown in the browser when ``inline``);
    ``sandbox`` for files the subscriber uploaded, which must never run in our origin."""
    if not field:
        raise Http404("No file")
    try:
        handle = field.open("rb")
    except OSError:
        # The name is generated (never the subscriber's), so it may be logged.
        logger.error("Private file missing on disk: %s", field.name)
        raise Http404("File missing") from None
    response = FileResponse(
        handle, content_type=content_type, as_attachment=not inline, filename=filename
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    if sandbox:
        response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response
