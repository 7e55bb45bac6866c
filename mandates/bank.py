"""Bank details: IBAN and BIC checks (python-stdnum), the SEPA area, masking, the RUM and
the Régie's creditor identifier (ICS).

An IBAN is accepted as typed (spaces, lower case) and kept in its compact form, encrypted
(``core.crypto``); pages, emails, the admin and the data export only ever show it masked:
the country, the check digits and the last three characters.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban
from stdnum.eu import at_02
from stdnum.exceptions import InvalidChecksum
from stdnum.exceptions import ValidationError as StdnumError

# Countries of the SEPA scheme (European Payments Council, list of 2025): the EU and EEA
# states, Andorra, Monaco, San Marino, Switzerland, the United Kingdom, the Vatican,
# Albania, Montenegro, Moldova and North Macedonia. The French overseas departments and
# collectivities use FR IBANs; Gibraltar (GI) is in the scheme.
SEPA_COUNTRIES = frozenset(
    "AD AL AT BE BG CH CY CZ DE DK EE ES FI FR GB GI GR HR HU IE IS IT LI LT LU LV MC MD ME "  # noqa: SIM905
    "MK MT NL NO PL PT RO SE SI SK SM VA".split()
)

# A placeholder of the right shape: "FR" + check digits + "ZZZ" + six digits (the check
# digits are right). The Régie's own identifier is the setting SEPA_CREDITOR_ID.
DEMO_CREDITOR_ID = "FR53ZZZ999999"

# The characters a SEPA mandate reference (RUM) may hold, 35 at most.
RUM_RE = re.compile(r"[A-Za-z0-9+?/\-:().,' ]{1,35}")
MASK = "••••"


def clean_iban(raw: str) -> str:
    """The compact IBAN (``FR7630006000011234567890189``), or a French ``ValidationError``."""
    value = stdnum_iban.compact(raw or "")
    if not value:
        raise ValidationError(_("Enter your IBAN."), code="required")
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}", value):
        raise ValidationError(
            _("An IBAN starts with two letters and two digits, for example FR76 3000 …"),
            code="format",
        )
    if value[:2] not in SEPA_COUNTRIES:
        raise ValidationError(
            _(
                "This account is outside the SEPA area: direct debit and refunds need a "
                "bank account in Europe (SEPA area)."
            ),
            code="not_sepa",
        )
    try:
        stdnum_iban.validate(value)
    except InvalidChecksum:
        raise ValidationError(
            _("This IBAN is not valid: check each character against your bank details (RIB)."),
            code="checksum",
        ) from None
    except StdnumError:
        raise ValidationError(
            _("This IBAN does not have the length or form of its country: check it."),
            code="format",
        ) from None
    return value


def clean_bic(raw: str) -> str:
    """The BIC in capitals (8 or 11 characters), "" when not given, or ``ValidationError``."""
    value = stdnum_bic.compact(raw or "")
    if not value:
        return ""
    try:
        return stdnum_bic.validate(value)
    except StdnumError:
        raise ValidationError(
            _("This BIC is not valid: 8 or 11 letters and digits, for example AGRIFRPP."),
            code="bic",
        ) from None


def format_iban(value: str) -> str:
    """Groups of four, as printed on a RIB."""
    return stdnum_iban.format(value)


def mask_iban(value: str) -> str:
    """``FR76 •••• •••• •••• •••• •••• 189``: the country and check digits, the last three
    characters; as many groups as the IBAN has, so its length shows but nothing else."""
    compact = stdnum_iban.compact(value)
    if len(compact) < 8:
        return MASK
    groups = (len(compact) - 4) // 4  # the hidden middle, in groups of four
    return " ".join([compact[:4], *[MASK] * groups, compact[-3:]])


def creditor_id() -> str:
    """The Régie's SEPA creditor identifier (ICS)."""
    return settings.SEPA_CREDITOR_ID or DEMO_CREDITOR_ID


def valid_creditor_id(value: str) -> bool:
    return bool(value) and len(value) <= 35 and at_02.is_valid(value)


def valid_rum(value: str) -> bool:
    return bool(RUM_RE.fullmatch(value))
