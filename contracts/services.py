"""Multi-step operations of the subscriber area: linking an account to a contract's payer.

Linking proves that the subscriber holds an invoice: the contract number and the key
printed on it. Guessing is bounded by counters kept in the database (``LinkAttempt``
rows), so they hold across processes, machines and restarts:

* at most ``ACCOUNT_LIMIT`` failures per account within ``ACCOUNT_WINDOW``: while full,
  that account is refused on every number, even with the right key;
* a number that received ``NUMBER_LIMIT`` failures within ``NUMBER_WINDOW`` from accounts
  not linked to it is *watched*: staff are alerted once (audit trail and log), and from
  then on each account may fail on it only ``WATCHED_TRIES`` times in the window. An
  account that has not failed on it (the rightful subscriber, with the invoice at hand)
  still links with the right key: strangers cannot lock the owner out.

Failures lifted by staff, and those made before staff gave the contract a new key, no
longer count (``lifted_at``). The figures are argued in the README (Security).
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
from audit import services as audit
from audit.models import AuditKind
from contracts.models import (
    AccountPayerLink,
    Contract,
    LinkAttempt,
    LinkAttemptResult,
    generate_key,
    normalize_contract_number,
    normalize_key,
)

logger = logging.getLogger(__name__)

ACCOUNT_LIMIT = 5
ACCOUNT_WINDOW = datetime.timedelta(minutes=15)
NUMBER_LIMIT = 30
NUMBER_WINDOW = datetime.timedelta(hours=24)
WATCHED_TRIES = 3
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


def _failures(**lookup: Any) -> QuerySet[LinkAttempt]:
    """Failures that still count: not lifted by staff nor made before a new key."""
    return LinkAttempt.objects.filter(
        result=LinkAttemptResult.FAILED, lifted_at__isnull=True, **lookup
    )


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
        failures.filter(created_at__gt=now - window)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[limit - 1 : limit]
    )
    return recent[0] + window if recent else None


def _strangers_failures(number: str) -> QuerySet[LinkAttempt]:
    """Failures on ``number`` by accounts not linked to its payer."""
    owners = AccountPayerLink.objects.filter(payer__contracts__number=number).values("user")
    return _failures(number=number).exclude(user__in=owners)


def account_locked_until(
    user: User, now: datetime.datetime | None = None
) -> datetime.datetime | None:
    """When this account may try to link again, or None if it may now."""
    now = now or timezone.now()
    return _expiry(_failures(user=user), ACCOUNT_LIMIT, ACCOUNT_WINDOW, now)


def number_watched_until(
    number: str, now: datetime.datetime | None = None
) -> datetime.datetime | None:
    """Until when ``number`` is watched (too many strangers' failures), or None."""
    now = now or timezone.now()
    return _expiry(_strangers_failures(number), NUMBER_LIMIT, NUMBER_WINDOW, now)


def locked_until(
    user: User, number: str, now: datetime.datetime | None = None
) -> datetime.datetime | None:
    """The time from which ``user`` may try ``number`` again, or None if not locked."""
    now = now or timezone.now()
    candidates = [account_locked_until(user, now)]
    if number_watched_until(number, now) is not None:
        mine = _failures(user=user, number=number)
        candidates.append(_expiry(mine, WATCHED_TRIES, NUMBER_WINDOW, now))
    ends = [end for end in candidates if end is not None]
    return max(ends) if ends else None


def lift_account_lock(user: User) -> int:
    """Staff lift this account's link lock: its failures stop counting. How many."""
    return _failures(user=user).update(lifted_at=timezone.now())


def lift_number_lock(number: str) -> int:
    """Staff lift the watch on a number: the failures on it stop counting. How many."""
    return _failures(number=number).update(lifted_at=timezone.now())


def give_new_key(contract: Contract, raw_key: str | None = None) -> str:
    """Set (or generate) a key by staff; failures against the old key stop counting.

    Returns the key, to be shown once. The caller records the audit event.
    """
    key = raw_key or generate_key()
    contract.set_key(key)
    contract.key_changed_by_staff_at = timezone.now()
    contract.save(update_fields=["key_hash", "key_changed_by_staff_at"])
    lift_number_lock(contract.number)
    return key


def _alert_if_watched_now(number: str, ip: str | None) -> None:
    """Tell staff once, when a number's strangers' failures reach the ceiling."""
    now = timezone.now()
    if _strangers_failures(number).filter(created_at__gt=now - NUMBER_WINDOW).count() != (
        NUMBER_LIMIT
    ):
        return
    logger.warning("contract linking: a contract number is receiving many wrong keys")
    audit.record(
        AuditKind.LINK_ALERT,
        None,
        detail=f"{number}: {NUMBER_LIMIT} wrong keys in 24 h from accounts not linked to it",
    )


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
        matches = False
    else:
        matches = contract.check_key(raw_key)
    if contract is None or not matches:
        _alert_if_watched_now(number, ip)
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
