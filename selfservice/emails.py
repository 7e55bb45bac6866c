"""The self-services' emails, rendered now and delivered by the accounts mail queue (the
same path and layout as the requests' emails, ``inquiries.emails``)."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string

from accounts.models import OutgoingEmail
from accounts.tasks import queue_email
from core.identity import REGIE


def send(template: str, to: str, context: dict[str, Any]) -> OutgoingEmail:
    """Render ``selfservice/email/<template>_{subject,message}.txt`` (the HTML from the
    shared layout), store it and queue it: delivered once the transaction commits. Never
    an attachment: the documents stay behind the login."""
    ctx = {"regie": REGIE, "site_url": settings.SITE_URL, **context}
    subject = " ".join(render_to_string(f"selfservice/email/{template}_subject.txt", ctx).split())
    text = render_to_string(f"selfservice/email/{template}_message.txt", ctx).strip() + "\n"
    text = re.sub(r"\n{3,}", "\n\n", text)
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    html = render_to_string(
        "inquiries/email/_message.html",
        {"subject": subject, "paragraphs": paragraphs, "regie": REGIE},
    )
    email = OutgoingEmail.objects.create(
        to=to,
        subject=subject[:255],
        from_email=settings.DEFAULT_FROM_EMAIL,
        text_body=text,
        html_body=html,
    )
    queue_email(email)
    return email
