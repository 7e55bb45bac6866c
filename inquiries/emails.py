"""The request emails, rendered now and delivered by the accounts mail queue."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.models import OutgoingEmail
from accounts.tasks import queue_email
from core.identity import REGIE
from inquiries.models import Inquiry


def send(template: str, to: str, context: dict[str, Any]) -> OutgoingEmail:
    """Render ``inquiries/email/<template>_{subject,message}.txt`` and queue it."""
    return send_templated(f"inquiries/email/{template}", to, context)


def send_templated(path: str, to: str, context: dict[str, Any]) -> OutgoingEmail:
    """Render ``<path>_subject.txt`` and ``<path>_message.txt`` (the HTML from the shared
    layout), store the email and queue it: delivered once the transaction commits. The
    one builder of the requests' and the self-services' emails; never an attachment."""
    ctx = {"regie": REGIE, "site_url": settings.SITE_URL, **context}
    subject = " ".join(render_to_string(f"{path}_subject.txt", ctx).split())
    text = render_to_string(f"{path}_message.txt", ctx).strip() + "\n"
    # Optional lines in the templates leave runs of blank lines behind.
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


def inquiry_url(inquiry: Inquiry) -> str:
    """Where the subscriber follows the request (none for an anonymous message)."""
    if inquiry.user_id is None:
        return ""
    return settings.SITE_URL + reverse("inquiries:detail", args=[inquiry.reference])


def admin_url(inquiry: Inquiry) -> str:
    return settings.SITE_URL + reverse("admin:inquiries_inquiry_change", args=[inquiry.pk])
