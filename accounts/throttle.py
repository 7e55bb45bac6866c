"""Per-account throttling of failed logins and password-reset requests.

allauth limits attempts per IP address and briefly per address ("5/5m/key"), which still
lets about 1,440 wrong passwords through per account and per day from a botnet. The CNIL
(délibération 2022-100) counts on no more than about 25 attempts in 24 hours for a short
password. Here, per address:

- the first ``free`` failures cost nothing; each further one locks the address for a
  growing delay (1, 2, 4… minutes, up to an hour);
- ``cap`` failures within ``window`` lock it until the oldest of them is a day old.

State lives in the shared cache under a keyed hash of the normalised address: never the
address in clear, in a cache key or a log. Unknown addresses are counted exactly like real
ones, so the lock says nothing about whether an account exists. The lock lifts by itself.
"""

import datetime
import logging
from dataclasses import dataclass

from django.core.cache import cache
from django.utils import timezone
from django.utils.crypto import salted_hmac

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Policy:
    name: str
    free: int
    cap: int
    base_delay: datetime.timedelta
    max_delay: datetime.timedelta
    window: datetime.timedelta = datetime.timedelta(hours=24)

    def delay(self, failures: int) -> datetime.timedelta:
        if failures < self.free:
            return datetime.timedelta(0)
        return min(self.base_delay * 2 ** (failures - self.free), self.max_delay)


LOGIN = Policy(
    "login",
    free=5,
    cap=25,
    base_delay=datetime.timedelta(minutes=1),
    max_delay=datetime.timedelta(hours=1),
)
PASSWORD_RESET = Policy(
    "reset",
    free=3,
    cap=10,
    base_delay=datetime.timedelta(minutes=5),
    max_delay=datetime.timedelta(hours=2),
)


def normalise(email: str) -> str:
    return (email or "").strip().lower()


def _key(policy: Policy, email: str) -> str:
    digest = salted_hmac("accounts.throttle", normalise(email), algorithm="sha256").hexdigest()[:40]
    return f"throttle:{policy.name}:{digest}"


def _state(policy: Policy, email: str, now: datetime.datetime) -> dict:
    state = cache.get(_key(policy, email)) or {}
    horizon = (now - policy.window).timestamp()
    state["failures"] = [t for t in state.get("failures", []) if t > horizon]
    return state


def _locked_until(policy: Policy, failures: list[float]) -> datetime.datetime | None:
    if not failures:
        return None
    if len(failures) >= policy.cap:
        until = failures[-policy.cap] + policy.window.total_seconds()
    else:
        until = failures[-1] + policy.delay(len(failures)).total_seconds()
    return datetime.datetime.fromtimestamp(until, tz=datetime.UTC)


def locked_until(policy: Policy, email: str) -> datetime.datetime | None:
    """When the address may be tried again, or None if it may be tried now."""
    now = timezone.now()
    until = _locked_until(policy, _state(policy, email, now)["failures"])
    return until if until and until > now else None


def record_failure(policy: Policy, email: str) -> bool:
    """Count one failure; True when this one starts a lock the owner has not been told of."""
    now = timezone.now()
    state = _state(policy, email, now)
    state["failures"] = [*state["failures"], now.timestamp()][-policy.cap :]
    locked = len(state["failures"]) >= policy.free
    notify = locked and not state.get("notified")
    if notify:
        state["notified"] = True
    elif not locked:
        state.pop("notified", None)
    cache.set(_key(policy, email), state, timeout=int(policy.window.total_seconds()))
    if locked:
        logger.warning("%s throttle: an address is locked after repeated failures", policy.name)
    return notify


def clear(policy: Policy, email: str) -> None:
    cache.delete(_key(policy, email))
