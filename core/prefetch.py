"""Shared-cache values read with the session, in the same round trip.

A logged-in page needs, before anything else, a few values from the shared cache: the
session, the kept account (``accounts.usercache``), the billing generation
(``contracts.fragments``). Read one after the other, each is a round trip to Redis, and on
a busy machine a round trip costs more than the work it brings. The session store
(``accounts.sessionstore``) reads them all at once: the layers above register here which
keys they want for a given account, and read them back during the request.

The values are those of the moment the session was loaded. Code that changes one of them
during the request calls ``discard``, so that its next read goes to the cache again.
Each request starts with nothing (``request_started``), remembering only its path and
query string, so that a layer can also ask for what the page at that address will need;
outside a request (commands, tasks) nothing is ever prefetched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import Any

from django.core.cache import cache
from django.core.handlers.wsgi import get_path_info

# Given the account id of the session being loaded: the cache keys to read with it.
KeysFor = Callable[[str], Iterable[str]]
_providers: dict[str, tuple[KeysFor, bool]] = {}
# The keys read with this request's session, and the values found (absent keys: missing).
_current: ContextVar[tuple[set[str], dict[str, Any]] | None] = ContextVar(
    "prefetched", default=None
)
# This request's path (as ``request.path``) and query string.
_address: ContextVar[tuple[str, str] | None] = ContextVar("prefetch_address", default=None)


def register(name: str, keys_for: KeysFor, *, near: bool = True) -> None:
    """Read ``keys_for(account_id)`` with every logged-in session (``name``: once only).

    ``near``: values every request reads again, which the process may copy
    (``core.nearcache``). Values their reader keeps in this process itself (a page's
    figures) are read once and not copied: their copies pushed the small ones out."""
    _providers[name] = (keys_for, near)


def wanted(account_id: str) -> tuple[list[str], list[str]]:
    """The keys to read with the session: (those to copy near, those read once)."""
    near: list[str] = []
    once: list[str] = []
    for provider, copied in _providers.values():
        (near if copied else once).extend(provider(account_id))
    return near, once


def keys_for(account_id: str) -> list[str]:
    near, once = wanted(account_id)
    return near + once


def start(read: Iterable[str], found: dict[str, Any]) -> None:
    """The session store read ``read`` and found ``found``: this request's snapshot."""
    _current.set((set(read), dict(found)))


def reset(environ: dict[str, Any] | None = None, **kwargs: object) -> None:
    """A new request (also a ``request_started`` receiver): nothing prefetched yet."""
    _current.set(None)
    _address.set(
        (get_path_info(environ), str(environ.get("QUERY_STRING", ""))) if environ else None
    )


def address() -> tuple[str, str] | None:
    """This request's path and query string, for a provider of ``register``."""
    return _address.get()


def get_many(keys: list[str]) -> dict[str, Any]:
    """``cache.get_many(keys)``, from the snapshot when it holds every key."""
    current = _current.get()
    if current is not None and current[0].issuperset(keys):
        return {key: current[1][key] for key in keys if key in current[1]}
    return cache.get_many(keys)


def get(key: str) -> Any:
    """``cache.get(key)``, from the snapshot when it holds the key."""
    return get_many([key]).get(key)


def discard(keys: Iterable[str]) -> None:
    """These values are changing: read them from the cache from now on."""
    current = _current.get()
    if current is not None:
        for key in keys:
            current[0].discard(key)
            current[1].pop(key, None)
