"""One responder for every private file (invoice and règlement PDFs, request attachments).

Private files live outside the static and media URLs and reach a browser only through a
view that has checked who asks. The answer is never stored by a browser or a proxy, never
sniffed as another type, and a file missing on disk is a French 404 page and a log line,
not a 500.
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header

logger = logging.getLogger(__name__)

# Files up to this size (an invoice, a mandate: tens of kilobytes) are read whole and sent
# with the headers; larger ones are streamed. Streamed, a 3 kB invoice went through
# gunicorn's sendfile path (a seek, a stat, a poll and the sendfile call, after the
# headers' own write), a fifth of the worker's time for that request (issue #22).
READ_WHOLE_BYTES = 1024 * 1024


def private_file(
    field: Any,
    filename: str,
    *,
    content_type: str = "application/pdf",
    inline: bool = True,
    sandbox: bool = False,
) -> HttpResponseBase:
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
    response: HttpResponseBase
    data = handle.read(READ_WHOLE_BYTES + 1)
    if len(data) > READ_WHOLE_BYTES:
        handle.seek(0)
        response = FileResponse(
            handle, content_type=content_type, as_attachment=not inline, filename=filename
        )
    else:
        handle.close()
        response = HttpResponse(data, content_type=content_type)
        response["Content-Length"] = str(len(data))
        disposition = content_disposition_header(not inline, filename)
        if disposition:
            response["Content-Disposition"] = disposition
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    if sandbox:
        response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response
