"""The self-services' emails: the requests' one builder (``inquiries.emails``), with the
templates of ``selfservice/email/``."""

from __future__ import annotations

from typing import Any

from accounts.models import OutgoingEmail
from inquiries.emails import send_templated


def send(template: str, to: str, context: dict[str, Any]) -> OutgoingEmail:
    """Render ``selfservice/email/<template>_{subject,message}.txt`` and queue it. Never an
    attachment: the documents stay behind the login."""
    return send_templated(f"selfservice/email/{template}", to, context)
