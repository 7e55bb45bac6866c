"""Filing a leak relief request: the request (``InquiryKind.LEAK``, reference EF-…), its
first message, the plumber's attestation and the details, in one transaction."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from contracts.models import Contract, Invoice
from contracts.templatetags.fr_format import dmy, m3
from inquiries import services as inquiries
from inquiries.models import OPEN_STATUSES, Inquiry, InquiryKind
from inquiries.uploads import CheckedFile
from selfservice.leaks import Assessment
from selfservice.models import LeakRequest


def open_request(invoice: Invoice) -> LeakRequest | None:
    """The request about this invoice still being handled, whoever filed it."""
    return (
        LeakRequest.objects.filter(invoice=invoice, inquiry__status__in=OPEN_STATUSES)
        .select_related("inquiry")
        .first()
    )


class AlreadyFiled(Exception):
    def __init__(self, existing: LeakRequest) -> None:
        super().__init__(existing.inquiry.reference)
        self.existing = existing


@dataclass(frozen=True)
class LeakDetails:
    leak_location: str
    repair_date: datetime.date
    message: str


def _body(invoice: Invoice, assessment: Assessment, details: LeakDetails) -> str:
    lines = [
        _("Leak relief request for the invoice %(number)s of %(date)s.")
        % {"number": invoice.number, "date": dmy(invoice.issue_date)},
        _("Volume billed: %(volume)s.") % {"volume": m3(assessment.volume)},
    ]
    if assessment.reference is not None:
        lines.append(
            _("Average volume for the same period over the three previous years: %(volume)s.")
            % {"volume": m3(assessment.reference)}
        )
    else:
        lines.append(_("No earlier invoice: the Régie compares with similar homes."))
    lines += [
        _("Where the leak was: %(place)s") % {"place": details.leak_location},
        _("Repaired on: %(date)s") % {"date": dmy(details.repair_date)},
    ]
    if details.message.strip():
        lines += ["", details.message.strip()]
    return "\n".join(lines)


def file_leak_request(
    user: Any,
    contract: Contract,
    invoice: Invoice,
    assessment: Assessment,
    details: LeakDetails,
    attestation: CheckedFile,
) -> Inquiry:
    """The request and its details, or ``AlreadyFiled`` when one is open for the invoice."""
    with transaction.atomic():
        # One request at a time per invoice: the invoice row is the lock.
        Invoice.objects.select_for_update().filter(pk=invoice.pk).first()
        existing = open_request(invoice)
        if existing is not None:
            raise AlreadyFiled(existing)
        inquiry = inquiries.file_inquiry(
            InquiryKind.LEAK,
            {"contract": contract},
            _body(invoice, assessment, details),
            user=user,
            attachment=attestation,
        )
        LeakRequest.objects.create(
            inquiry=inquiry,
            contract=contract,
            invoice=invoice,
            invoice_number=invoice.number,
            billed_volume=assessment.volume,
            reference_volume=assessment.reference,
            leak_location=details.leak_location,
            repair_date=details.repair_date,
        )
    return inquiry
