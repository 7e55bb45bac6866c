"""Issuing an attestation d'abonnement, its PDF, and what the public page may say.

An attestation is issued for an active contract of the account: the holder (the payer's
name), the service address and the contract's start date are copied as printed. Its PDF
is made again from that copy whenever it is downloaded, so it never changes.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from contracts.models import Contract, ContractStatus
from core.identity import REGIE
from core.pdf import TaggedDocument
from selfservice.models import Attestation, generate_code

TITLE = "Attestation d'abonnement"


def can_issue(contract: Contract) -> bool:
    """Only for a contract in force: the paper says the holder is a subscriber today."""
    return contract.status == ContractStatus.ACTIVE and not (
        contract.end_date and contract.end_date < timezone.localdate()
    )


def issue(user: User, contract: Contract) -> Attestation:
    """A new attestation for ``contract`` (call ``can_issue`` first)."""
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Attestation.objects.create(
                    code=generate_code(),
                    user=user,
                    contract=contract,
                    holder_name=contract.payer.name,
                    service_address=contract.service_address,
                    contract_start=contract.start_date,
                )
        except IntegrityError:  # the same code twice: 1 chance in 2^74, try another
            continue
    raise RuntimeError("no free attestation code")


def verify_url(code: str) -> str:
    return settings.SITE_URL + reverse("selfservice:verify", args=[code])


def _dmy(day: datetime.date | datetime.datetime) -> str:
    if isinstance(day, datetime.datetime):
        day = timezone.localtime(day).date()
    return f"{day:%d/%m/%Y}"


def pdf(attestation: Attestation) -> bytes:
    """The tagged PDF of ``attestation`` (title, fr, structure), from its stored copy."""
    document = TaggedDocument(TITLE)
    document.heading(TITLE)
    issued = _dmy(attestation.issued_at)
    document.paragraph(
        f"{REGIE.name}, service public de l'eau, atteste que la personne nommée ci-dessous "
        "est titulaire d'un contrat d'abonnement au service de l'eau pour l'adresse "
        f"indiquée, en cours à la date du {issued}."
    )
    rows = [
        ("Titulaire du contrat", attestation.holder_name),
        ("Adresse desservie", attestation.service_address or "-"),
    ]
    if attestation.contract_start:
        rows.append(("Contrat commencé le", _dmy(attestation.contract_start)))
    rows.append(("Attestation délivrée le", issued))
    document.pairs(rows)
    document.ln(4)
    url = verify_url(attestation.code)
    document.paragraph(
        "Pour vérifier que cette attestation est authentique, ouvrez l'adresse ci-dessous "
        "dans un navigateur, ou allez sur "
        f"{settings.SITE_URL}{reverse('selfservice:verify_form')} et saisissez le code de "
        "vérification. La page indique ce que l'attestation contient, et rien de plus."
    )
    document.pairs([("Code de vérification", attestation.code), ("Adresse de vérification", url)])
    document.ln(4)
    document.paragraph(
        f"Fait pour servir et valoir ce que de droit. {REGIE.name}, {REGIE.head_office}. "
        f"Téléphone : {REGIE.phone}."
    )
    return bytes(document.output())


def filename(attestation: Attestation) -> str:
    return f"attestation-abonnement-{attestation.code}.pdf"
