"""The logged-in account, read from the shared cache instead of PostgreSQL on every request.

Django's ``AuthenticationMiddleware`` loads the account of the session from the database on
every request, then checks the session's hash against the account's password hash. For a
subscriber browsing their contracts that query (and the connection health check before
it) was the largest cost of being logged in (issue #22). Here the account is kept in the
shared cache (Redis in production, so every process sees the same entry):

- An entry is ``(version, session hash, account)`` under ``accounts:user:<id>``, valid only
  while ``accounts:user-version:<id>`` still holds the same version. Both are read in one
  round trip (``get_many``). Dropping an entry deletes the version key: the next request on
  any process finds no matching version, reads the database and keeps the fresh account
  under a new version. A process that read the database before the change and writes
  after it writes under the old version, which no longer matches.
- The session hash is checked on every request, against the one computed from the
  password hash when the entry was made. Every change of the password goes through
  ``User.save()`` (Django's forms, allauth's flows, the admin, ``changepassword``), whose
  ``post_save`` drops the entry, so the hash compared is the current one. Anything that
  writes the account without a signal (a bulk ``update()``, raw SQL) is seen at the latest
  after ``TIMEOUT`` seconds; the code that does so calls ``forget`` itself.
- The kept account has no password hash: its ``password`` field is deferred, so the hash
  never sits in the cache, and the few pages that need it (re-authentication, change of
  password) load it from the database when they read it.
- Dropped on: any save or deletion of the account (activation, deactivation, password,
  email, names, staff flags, last login), its email addresses, its groups and
  permissions, a logout, the end of a session from the sessions list ("log out
  everywhere"), and a password change, set or reset.
- Staff and superusers are never kept: few of them, and their rights (groups, permissions,
  two-factor setup) are read by the admin on every page; the saving would be small and a
  stale right would matter more.
- Inactive accounts are never kept (Django's backends refuse them anyway).
"""

from __future__ import annotations

import copy
import secrets
import time
from collections.abc import Iterable
from functools import partial
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib import auth
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject

from core import prefetch
from core.cycles import later

PREFIX = "accounts:user:"
VERSION_PREFIX = "accounts:user-version:"


def timeout() -> int:
    """Seconds an entry lives at most (USER_CACHE_SECONDS; 0 turns the cache off)."""
    return int(getattr(settings, "USER_CACHE_SECONDS", 60))


def lifetime(seconds: int) -> int:
    """A version's lifetime: between 3/4 of ``seconds`` and all of it, so that accounts
    kept at the same moment (a morning rush, a restart) are not all read again at once."""
    return seconds - secrets.randbelow(seconds // 4 + 1)


def _keys(user_id: object) -> tuple[str, str]:
    return f"{VERSION_PREFIX}{user_id}", f"{PREFIX}{user_id}"


def prefetched_keys(user_id: str) -> tuple[str, ...]:
    """Read with the session (``core.prefetch``), when accounts are kept at all."""
    return _keys(user_id) if timeout() > 0 else ()


# The kept account's version, on the account a request gets: what the pages keep for an
# account per process (contracts.access) is kept under it, so it goes with the entry.
_VERSION_ATTRIBUTE = "_usercache_version"


def version_of(user: Any) -> str | None:
    """The version ``user`` was kept under, or None when it is not kept (staff, cache off)."""
    return getattr(user, _VERSION_ATTRIBUTE, None)


def forget(user_id: object) -> None:
    """Drop the kept account: the next request, on any process, reads the database."""
    if user_id is not None:
        forget_many([user_id])


def forget_many(user_ids: Iterable[object]) -> None:
    """Now, and again once the transaction commits: a request that read the account
    before the commit must not keep it under a version made after the first drop."""
    keys = [key for user_id in user_ids for key in _keys(user_id)]
    if keys:
        prefetch.discard(keys)
        cache.delete_many(keys)
        transaction.on_commit(partial(cache.delete_many, keys))


def keepable(user: Any) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and not user.is_staff
        and not user.is_superuser
    )


def _without_secrets(user: Any) -> Any:
    """A copy of the account without its password hash (deferred: read from the database
    if a page asks for it) and without anything cached on the instance."""
    kept = copy.copy(user)
    kept.__dict__.pop("password", None)
    kept.__dict__.pop("_password", None)
    for name in [k for k in kept.__dict__ if k.startswith("_") and k.endswith("_cache")]:
        kept.__dict__.pop(name)
    kept._state = copy.copy(user._state)
    kept._state.fields_cache = {}
    return kept


def get_user(request: HttpRequest) -> Any:
    """``django.contrib.auth.get_user``, with the account read from the shared cache."""
    seconds = timeout()
    try:
        user_id = auth._get_user_session_key(request)  # type: ignore[attr-defined]
        backend_path = request.session[BACKEND_SESSION_KEY]
    except KeyError:
        return AnonymousUser()
    if seconds <= 0 or backend_path not in settings.AUTHENTICATION_BACKENDS:
        return auth.get_user(request)
    session_hash = request.session.get(HASH_SESSION_KEY) or ""
    version_key, entry_key = _keys(user_id)
    found = prefetch.get_many([version_key, entry_key])
    version, entry = found.get(version_key), found.get(entry_key)
    if version is not None and entry is not None and entry[0] == version:
        _, kept_hash, kept = entry
        if session_hash and constant_time_compare(session_hash, kept_hash):
            setattr(kept, _VERSION_ATTRIBUTE, version)
            return kept
        # Not the hash it was kept with: Django decides (secret-key fallbacks, flush).
    if version is None:
        # Set before the database is read: a change committed meanwhile deletes it, so an
        # account read before the change can never be kept under the version that follows.
        # (Two processes racing here only cost a later miss: one version wins.)
        version = f"{time.time_ns():x}"
        cache.set(version_key, version, lifetime(seconds))
    user: Any = auth.get_user(request)
    if keepable(user):
        cache.set(
            entry_key, (version, user.get_session_auth_hash(), _without_secrets(user)), seconds
        )
        setattr(user, _VERSION_ATTRIBUTE, version)
    return user


_aget_user = sync_to_async(get_user)


class CachedAuthenticationMiddleware(AuthenticationMiddleware):
    """Django's middleware, with ``request.user`` from ``get_user`` above."""

    def process_request(self, request: HttpRequest) -> None:
        if not hasattr(request, "session"):
            super().process_request(request)  # Django's message: the session middleware
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            # A session to load: the idle clock asks for the account at once anyway, and
            # the account itself is cheaper to read a hundred times than a lazy proxy.
            request.user = get_user(request)
        else:
            request.user = SimpleLazyObject(later(get_user, request))  # type: ignore[assignment]
        # Django's partials of the request, without the cycles they made (core/cycles.py).
        request.auser = later(_aget_user, request)


# --- Signal receivers (connected in accounts.apps) --------------------------------------------


def user_changed(sender: object, instance: Any, **kwargs: object) -> None:
    forget(instance.pk)


def user_id_changed(sender: object, instance: Any, **kwargs: object) -> None:
    """An email address or a session of the sessions list (``user_id``) changed."""
    forget(getattr(instance, "user_id", None))


def user_signal(sender: object, user: Any = None, **kwargs: object) -> None:
    """logout, password changed / set / reset: ``user`` is the account."""
    if user is not None:
        forget(user.pk)


def relations_changed(
    sender: object,
    instance: Any,
    action: str,
    reverse: bool,
    pk_set: set[object] | None,
    **kwargs: object,
) -> None:
    """Groups or permissions of accounts changed, from either side of the relation."""
    if action not in {"post_add", "post_remove", "pre_clear", "post_clear"}:
        return
    if not reverse:
        forget(instance.pk)
    elif pk_set:
        forget_many(pk_set)
    elif action == "pre_clear":
        forget_many(instance.user_set.values_list("pk", flat=True))
