"""Multi-step operations of the subscriber area: linking an account to a contract's payer.

Linking proves that the subscriber holds an invoice: the contract number and the key
printed on it. Guessing is bounded by two counters kept in the database (``LinkAttempt``
rows), so they hold across processes, machines and restarts:

* at most ``ACCOUNT_LIMIT`` failures per account within ``ACCOUNT_WINDOW``;
* at most ``NUMBER_LIMIT`` failures per contract number within ``NUMBER_WINDOW``, all
  accounts together (a number cannot be attacked from many accounts).

While either counter is full every attempt is refused, even one with the right key.
"""

from __future__ import annotations

import datetime
import functools
import logging
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.hashers import check_password, get_hasher, make_password
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from contracts.models import (
    AccountPayerLink,
    Contract,
    LinkAttempt,
    LinkAttemptResult,
    normalize_contract_number,
    normalize_key,
)

logger = logging.getLogger(__name__)

ACCOUNT_LIMIT = 5
ACCOUNT_WINDOW = datetime.timedelta(minutes=15)
NUMBER_LIMIT = 10
NUMBER_WINDOW = datetime.timedelta(hours=24)
RAW_NUMBER_MAX = LinkAttempt._meta.get_field("number").max_length or 32


@dataclass(frozen=True)
class LinkOutcome:
    result: LinkAttemptResult
    contract: Contract | None = None
    retry_at: datetime.datetime | None = None

    @property
    def ok(self) -> bool:
        return self.result in (LinkAttemptResult.LINKED, LinkAttemptResult.ALREADY_LINKED)


@functools.cache
def _dummy_hash(algorithm: str) -> str:
    return make_password("not-a-contract-key", hasher=algorithm)


def _expiry(
    failures: QuerySet[LinkAttempt],
    limit: int,
    window: datetime.timedelta,
    now: datetime.datetime,
) -> datetime.datetime | None:
    """When the counter frees a slot, or None if it is not full.

    The counter is full while ``limit`` failures are younger than ``window``; it frees a
    slot when the ``limit``-th most recent of them grows older than ``window``.
    """
    recent = list(
        failures.filter(result=LinkAttemptResult.FAILED, created_at__gt=now - window)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[limit - 1 : limit]
    )
    return recent[0] + window if recent else None


def locked_until(
    user: User, number: str, now: datetime.datetime | None = None
) -> datetime.datetime | None:
    """The time from which ``user`` may try ``number`` again, or None if not locked."""
    now = now or timezone.now()
    ends = [
        end
        for end in (
            _expiry(LinkAttempt.objects.filter(user=user), ACCOUNT_LIMIT, ACCOUNT_WINDOW, now),
            _expiry(LinkAttempt.objects.filter(number=number), NUMBER_LIMIT, NUMBER_WINDOW, now),
        )
        if end is not None
    ]
    return max(ends) if ends else None


def _record(user: User, number: str, ip: str | None, result: LinkAttemptResult) -> LinkAttempt:
    # Never the key. The number and the IP stay in the database, readable by staff.
    return LinkAttempt.objects.create(
        user=user, number=number[:RAW_NUMBER_MAX], ip=ip, result=result
    )


def _outcome(user: User, result: LinkAttemptResult, **extra: Any) -> LinkOutcome:
    logger.info("contract link attempt: user=%s result=%s", getattr(user, "pk", None), result)
    return LinkOutcome(result, **extra)


def link_contract(user: User, raw_number: str, raw_key: str, ip: str | None) -> LinkOutcome:
    """Link ``user`` to the payer of the contract ``raw_number`` if ``raw_key`` is its key.

    An unknown number and a wrong key give the same result, in about the same time.
    """
    try:
        number = normalize_contract_number(raw_number)
    except ValueError:
        _record(user, (raw_number or "").strip(), ip, LinkAttemptResult.INVALID)
        return _outcome(user, LinkAttemptResult.INVALID)

    retry_at = locked_until(user, number)
    if retry_at is not None:
        _record(user, number, ip, LinkAttemptResult.LOCKED)
        return _outcome(user, LinkAttemptResult.LOCKED, retry_at=retry_at)

    # Logged as a failure before the (slow) key check, so that attempts running at the
    # same time count each other; corrected below when the key matches.
    attempt = _record(user, number, ip, LinkAttemptResult.FAILED)
    contract = Contract.objects.select_related("payer").filter(number=number).first()
    if contract is None:
        # As long as checking a real key: timing must not tell which numbers exist.
        check_password(normalize_key(raw_key) or "x", _dummy_hash(get_hasher().algorithm))
        return _outcome(user, LinkAttemptResult.FAILED)
    if not contract.check_key(raw_key):
        return _outcome(user, LinkAttemptResult.FAILED)

    with transaction.atomic():
        _, created = AccountPayerLink.objects.get_or_create(user=user, payer=contract.payer)
        result = LinkAttemptResult.LINKED if created else LinkAttemptResult.ALREADY_LINKED
        LinkAttempt.objects.filter(pk=attempt.pk).update(result=result)
    return _outcome(user, result, contract=contract)


def unlink_payer(user: User, payer_id: int) -> bool:
    """Remove the link between ``user`` and this payer; False if there was none."""
    deleted, _ = AccountPayerLink.objects.filter(user=user, payer_id=payer_id).delete()
    return deleted > 0
