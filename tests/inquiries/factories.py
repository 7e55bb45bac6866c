"""Requests made directly through the services, for the tracking and admin tests."""

from django.core.files.uploadedfile import SimpleUploadedFile

from inquiries.models import Inquiry, InquiryKind
from inquiries.services import file_inquiry
from inquiries.uploads import check_attachment


def contact_request(user, body="Ma facture semble trop élevée.", file=None, **fields) -> Inquiry:
    checked = None
    if file is not None:
        name, data = file
        checked = check_attachment(SimpleUploadedFile(name, data))
    fields.setdefault("subject", "invoice")
    if user is None:
        fields.setdefault("email", "visiteur@example.fr")
    return file_inquiry(InquiryKind.CONTACT, fields, body, user=user, attachment=checked)
