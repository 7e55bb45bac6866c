"""Signing a mandate, asking to stop it, declaring a move out; and the Régie's handling.

Each filing is one transaction: the request (``inquiries.services.file_inquiry``), its
typed detail and the signed PDF are written together or not at all (the PDF is removed
from disk if the transaction fails). Nothing here logs or emails an IBAN: the request's
message and the emails carry the masked one.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models.signals import post_save
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts import fragments
from contracts.models import Contract
from inquiries.models import Inquiry, InquiryKind, InquiryStatus
from inquiries.services import file_inquiry
from inquiries.uploads import CheckedFile
from mandates import bank
from mandates.models import (
    DebitPlan,
    Mandate,
    MandateState,
    MandateStop,
    MoveOut,
)
from mandates.pdf import mandate_pdf, plan_words

logger = logging.getLogger(__name__)

SIGNED_PLACE = "En ligne, Espace abonné de la Régie des Eaux du Pays d'Aix"


@dataclass(frozen=True)
class MandateDetails:
    holder_name: str
    holder_address: str
    iban: str  # compact, checked
    bic: str
    plan: str
    debit_day: int | None


def next_rum(contract: Contract) -> str:
    """``REPA-11301.11377.01-001``: the contract and its mandates' count; unique (the
    contract row is locked until the transaction commits)."""
    Contract.objects.select_for_update().filter(pk=contract.pk).exists()
    seq = Mandate.objects.filter(contract=contract).count() + 1
    while True:
        rum = f"REPA-{contract.number}-{seq:03d}"
        if not Mandate.objects.filter(rum=rum).exists():
            assert bank.valid_rum(rum)
            return rum
        seq += 1


def sign_mandate(
    contract: Contract, details: MandateDetails, *, user: Any, ip: str | None
) -> Mandate:
    """File the request MP-… with the mandate and its signed PDF."""
    with transaction.atomic():
        mandate = Mandate(
            contract=contract,
            user=user,
            rum=next_rum(contract),
            plan=details.plan,
            debit_day=details.debit_day if details.plan == DebitPlan.MONTHLY else None,
            holder_name=details.holder_name,
            holder_address=details.holder_address,
            bic=details.bic,
            creditor_id=bank.creditor_id(),
            signed_at=timezone.now(),
            signed_ip=ip,
            signed_place=SIGNED_PLACE,
        )
        mandate.set_iban(details.iban)
        body = _(
            "Direct debit mandate %(rum)s signed online for contract %(contract)s.\n"
            "Account holder: %(holder)s\nIBAN: %(iban)s\nPlan: %(plan)s"
        ) % {
            "rum": mandate.rum,
            "contract": contract.number,
            "holder": details.holder_name,
            "iban": mandate.iban_masked,
            "plan": plan_words(mandate),
        }
        inquiry = file_inquiry(
            InquiryKind.MANDATE, {"contract": contract, "email": user.email}, body, user=user
        )
        mandate.inquiry = inquiry
        data = mandate_pdf(mandate, details.iban)
        mandate.pdf_sha256 = hashlib.sha256(data).hexdigest()
        try:
            mandate.pdf.save(mandate.filename, ContentFile(data), save=False)
            mandate.save()
        except BaseException:
            if mandate.pdf.name:
                mandate.pdf.storage.delete(mandate.pdf.name)
            raise
        fragments.data_changed()
    logger.info("Mandate %s signed for contract %s", mandate.rum, contract.number)
    return mandate


def request_stop(mandate: Mandate, *, user: Any) -> MandateStop:
    """File the request AP-…: the mandate stops once the Régie has handled it."""
    with transaction.atomic():
        body = _(
            "Please stop the direct debit mandate %(rum)s (contract %(contract)s, IBAN %(iban)s)."
        ) % {
            "rum": mandate.rum,
            "contract": mandate.contract.number,
            "iban": mandate.iban_masked,
        }
        inquiry = file_inquiry(
            InquiryKind.MANDATE_STOP,
            {"contract": mandate.contract, "email": user.email},
            body,
            user=user,
        )
        stop = MandateStop.objects.create(inquiry=inquiry, mandate=mandate)
        fragments.data_changed()
    return stop


@dataclass(frozen=True)
class MoveOutDetails:
    leaving_date: Any
    meter_index: int
    forwarding_address: str
    refund_iban: str  # compact, checked, or ""


def file_move_out(
    contract: Contract, details: MoveOutDetails, *, user: Any, photo: CheckedFile | None
) -> MoveOut:
    """File the request DM-… with its details (and the meter photo as its attachment)."""
    with transaction.atomic():
        move = MoveOut(
            contract=contract,
            leaving_date=details.leaving_date,
            meter_index=details.meter_index,
            forwarding_address=details.forwarding_address,
        )
        move.set_iban(details.refund_iban)
        lines = [
            _("Moving out of contract %(contract)s (%(address)s).")
            % {"contract": contract.number, "address": contract.service_address or "-"},
            _("Leaving date: %(date)s") % {"date": f"{details.leaving_date:%d/%m/%Y}"},
            _("Meter index on that day: %(index)s m³") % {"index": details.meter_index},
            _("Address for the final invoice: %(address)s")
            % {"address": " ".join(details.forwarding_address.split())},
        ]
        if move.iban_masked:
            lines.append(_("Refund to the account %(iban)s") % {"iban": move.iban_masked})
        inquiry = file_inquiry(
            InquiryKind.MOVE_OUT,
            {"contract": contract, "email": user.email},
            "\n".join(lines),
            user=user,
            attachment=photo,
        )
        move.inquiry = inquiry
        move.save()
        fragments.data_changed()
    return move


# --- The Régie's handling -------------------------------------------------------------------

# What handling a request means for its mandate.
_ON_MANDATE = {
    InquiryStatus.DONE: MandateState.ACTIVE,
    InquiryStatus.REFUSED: MandateState.REFUSED,
}


def set_state(mandate: Mandate, state: str) -> None:
    if mandate.state != state:
        Mandate.objects.filter(pk=mandate.pk).update(state=state, state_changed_at=timezone.now())
        mandate.state = state
        fragments.data_changed()


def follow_request(sender: type[Inquiry], instance: Inquiry, **kwargs: Any) -> None:
    """An agent handled (or refused) a request MP-… or AP-… in the admin: the mandate
    follows. A pending mandate becomes active (and replaces the contract's previous one)
    or refused; a handled stop stops its mandate."""
    if instance.kind == InquiryKind.MANDATE and instance.status in _ON_MANDATE:
        mandate = Mandate.objects.filter(inquiry=instance, state=MandateState.PENDING).first()
        if mandate is not None:
            state = _ON_MANDATE[InquiryStatus(instance.status)]
            if state == MandateState.ACTIVE:
                replaced = Mandate.objects.filter(
                    contract_id=mandate.contract_id, state=MandateState.ACTIVE
                )
                for old in replaced.exclude(pk=mandate.pk):
                    set_state(old, MandateState.STOPPED)
            set_state(mandate, state)
    elif instance.kind == InquiryKind.MANDATE_STOP and instance.status == InquiryStatus.DONE:
        stop = MandateStop.objects.filter(inquiry=instance).select_related("mandate").first()
        if stop is not None and stop.mandate.is_current:
            set_state(stop.mandate, MandateState.STOPPED)
    if instance.kind in (InquiryKind.MANDATE, InquiryKind.MANDATE_STOP, InquiryKind.MOVE_OUT):
        # The dashboard's hints name the open requests and the mandate's state.
        fragments.data_changed()


def connect() -> None:
    post_save.connect(follow_request, sender=Inquiry, dispatch_uid="mandates-follow-request")
