"""Django's ``cached_db`` sessions, whose key names the account once it logs in.

A logged-in request first reads its session, then, with the account id found there, the
kept account and the billing generation: two round trips to Redis, one after the other.
Here the session key of a logged-in account starts with the account's id
(``<id>.<random>``, 40 characters as Django's column allows, at least 27 of them random,
as hard to guess as Django's own keys). Loading such a session reads the session and the
keys the layers above want for that account (``core.prefetch``) in one ``get_many``.

The id in the key is only a hint of what to read: what the request acts on is, as
before, the account id stored inside the session. A key whose id is not the session's
brings values nobody reads (they are kept under another account's keys).

The key is made when the account id is set in the session, that is at login (Django's
``login()`` sets it right after giving the session a new key, and before the
``user_logged_in`` signal, so allauth's sessions list records the final key). Logging in
thus changes the key as it always did; logging out gives an anonymous key again.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.utils.crypto import get_random_string

from core import prefetch

# django_session.session_key is a CharField(max_length=40).
KEY_LENGTH = 40
# Fewer random characters than this and the key would be easier to guess than Django's 32
# (36 possible characters each): such an account id gets a key without it.
MIN_RANDOM = 27


def owner_of(session_key: str | None) -> str | None:
    """The account id a session key names, if it names one."""
    if not session_key:
        return None
    head, dot, _ = session_key.partition(".")
    return head if dot and head.isascii() and head.isdigit() else None


class SessionStore(cached_db.SessionStore):
    _owner: str | None = None

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, value)
        if key == SESSION_KEY and owner_of(self.session_key) != str(value):
            # A login: a new key naming the account (the data stays, the old key goes).
            self._owner = str(value)
            self.cycle_key()

    def flush(self) -> None:
        """A logout: the next key is an anonymous one."""
        self._owner = None
        super().flush()

    def _get_new_session_key(self) -> str:
        prefix = f"{self._owner}." if self._owner else ""
        if not prefix or KEY_LENGTH - len(prefix) < MIN_RANDOM:
            return super()._get_new_session_key()  # type: ignore[misc]  # SessionBase's, untyped
        while True:
            key = prefix + get_random_string(KEY_LENGTH - len(prefix), VALID_KEY_CHARS)
            if not self.exists(key):
                return key

    def load(self) -> dict[str, Any]:
        owner = owner_of(self._session_key)
        if owner is None or settings.SESSION_CACHE_ALIAS != "default":
            return super().load()
        near, once = prefetch.wanted(owner)
        extra = near + once
        session_cache_key = self.cache_key
        try:
            store: Any = self._cache  # type: ignore[attr-defined]  # cached_db's, untyped
            if hasattr(store, "get_many_near"):
                # From this process's copies where Redis says they are current
                # (core.nearcache); ``once``: read from Redis, never copied.
                found = store.get_many_near([session_cache_key, *extra], once=once)
            else:
                found = store.get_many([session_cache_key, *extra])
        except Exception:  # as cached_db: the database still answers
            found = {}
        data = found.get(session_cache_key)
        if data is None:
            data = super().load()
        elif data.get(SESSION_KEY) == owner:
            prefetch.start(extra, found)
        return data
