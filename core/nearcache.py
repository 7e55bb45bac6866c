"""Copies, in each process, of the values every logged-in request reads, kept exact by Redis.

Every logged-in request reads a few values from Redis in one ``MGET``: the session, the
kept account, the billing generation, the contract list (``accounts.sessionstore``). On
the shipped configuration that round trip cost more than the rest of the floor: the
worker waits, another process takes the core, and the request resumes with cold caches
(issue #22). Yet these values change rarely: a session about once a minute, an account
when it is edited.

Here a process keeps the raw values it read, and Redis says when one changes. The reads
go through one connection of the process with ``CLIENT TRACKING`` on (Redis 6 and later,
RESP3, which redis-py speaks by default): Redis remembers which keys that connection read
and, when any client changes or deletes one, or it expires or is evicted, sends its name
on the same connection (``invalidate``; a flush sends no name: everything). The rules
that keep the copies exact:

- Before a copy is used, the messages already waiting on the connection are read (a poll
  that does not wait): a change Redis made before this request started is applied.
- A write by this process through the cache drops its own copy at once
  (``core.cache``), without waiting for the message.
- Every ``HEARTBEAT`` seconds, before a copy is used, Redis is asked whether tracking is
  still on for this connection (``CLIENT TRACKINGINFO``, Redis 6.2 and later). A
  connection lost without a word, a proxy that reconnected to another server, or an
  administrator's ``CLIENT TRACKING OFF`` would stop the invalidations silently: then
  every copy is dropped. A copy is also never used after ``seconds``, whatever happens.
- Anything unexpected on the connection (an error, a reconnection, Redis restarting)
  drops every copy and the connection. The next request connects again, and meanwhile
  the caller reads Redis as it always did (``get_many`` returns None).
- Values are kept as Redis returned them (pickled bytes). Every request gets objects of
  its own and may change them freely: unpickled, or copied from the value this process
  unpickled once (``core.decoded``).

A change is seen by another process as soon as Redis's message reaches it, that is when
Redis answers the write (the message and the answer leave in the same turn of its loop):
the tests check that a deactivated account loses access on its next request on every
process (``tests/multiprocess``).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Collection, Sequence
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

# Copies are used only while Redis has said within this many seconds that this
# connection's tracking is on.
HEARTBEAT = 5.0
# Copies kept at most (oldest dropped first): 7 keys per logged-in visitor, most of them
# under a kilobyte; a contract page's figures (3 to 15 kB) are kept by the page too.
MAX_ITEMS = 50_000
MAX_BYTES = 16 * 1024 * 1024
# After a failure, the next try at a tracked connection waits this long (seconds): a Redis
# that refuses tracking (an ACL, a proxy) must not cost a new connection per request.
RETRY_AFTER = 5.0


class NearCache:
    """The copies of one process, read through its own tracked connection to the server
    of ``pool()`` (made when first needed, again after a fork)."""

    def __init__(
        self,
        pool: Callable[[], redis.ConnectionPool],
        *,
        seconds: float,
        max_items: int = MAX_ITEMS,
        max_bytes: int = MAX_BYTES,
    ) -> None:
        self._pool = pool
        self.seconds = seconds
        self.max_items = max_items
        self.max_bytes = max_bytes
        self._bytes = 0
        self._lock = threading.Lock()
        # Full Redis key → (raw value or None when absent, monotonic time it was read).
        self._copies: dict[str, tuple[bytes | None, float]] = {}
        self._connection: Any = None
        self._pid = 0
        self._verified = 0.0
        self._broken = False
        self._retry_at = 0.0

    def get_many(
        self, keys: Sequence[str], once: Collection[str] = ()
    ) -> list[bytes | None] | None:
        """The raw values of ``keys`` (None where absent), from the copies where they are
        fresh, the others from Redis in one ``MGET``; those of ``once`` are not copied.
        None when no tracked connection can be had: the caller reads Redis the usual way."""
        with self._lock:
            try:
                return self._get_many(keys, once)
            except (redis.RedisError, OSError):
                self._drop_connection()
                return None
            except BaseException:
                self._drop_connection()  # a reply half read must not be read as the next
                raise

    def forget(self, keys: Sequence[str]) -> None:
        """This process is changing these keys: its copies are dropped now."""
        with self._lock:
            for key in keys:
                self._drop(key)

    def clear(self) -> None:
        with self._lock:
            self._clear()

    def __len__(self) -> int:
        return len(self._copies)

    def _get_many(self, keys: Sequence[str], once: Collection[str]) -> list[bytes | None] | None:
        connection = self._ready()
        if connection is None:
            return None
        # The changes Redis has already announced (their handler drops the copies).
        while connection.can_read(0):
            connection.read_response(push_request=True)
        now = time.monotonic()
        if now - self._verified > HEARTBEAT:
            self._verify(connection)
            self._verified = now
        if self._broken:
            raise redis.ConnectionError("near cache: the connection was replaced")
        copies = self._copies
        oldest = now - self.seconds
        values: dict[str, bytes | None] = {}
        copied, missing = [], []
        for key in keys:
            copy = copies.get(key)
            if copy is not None and copy[1] >= oldest:
                values[key] = copy[0]
                copied.append(key)
            else:
                missing.append(key)
        while missing:
            connection.send_command("MGET", *missing, check_health=False)
            # Messages that came before the answer are handled while reading it.
            read = connection.read_response()
            if self._broken or not isinstance(read, list) or len(read) != len(missing):
                raise redis.ConnectionError("near cache: unexpected answer")
            for key, value in zip(missing, read, strict=True):
                values[key] = value
                self._drop(key)  # kept again at the end: the oldest copies go first
                if key not in once and (value is None or len(value) <= self.max_bytes // 64):
                    copies[key] = (value, now)
                    self._bytes += len(value or b"")
            # A copy used above whose change was announced with that answer changed
            # before it: read it again, so that all the values are of the same moment.
            missing = [key for key in copied if key not in copies]
            copied = [key for key in copied if key in copies]
        while len(copies) > self.max_items or self._bytes > self.max_bytes:
            self._drop(next(iter(copies)))
        return [values[key] for key in keys]

    def _verify(self, connection: Any) -> None:
        """Raise unless Redis says this connection's tracking is on (messages that come
        before the answer are handled while reading it)."""
        connection.send_command("CLIENT", "TRACKINGINFO", check_health=False)
        info = connection.read_response()
        flags = (info.get(b"flags") or info.get("flags")) if isinstance(info, dict) else None
        if not flags or {b"on", "on"}.isdisjoint(flags):  # the caller drops every copy
            raise redis.ConnectionError("near cache: tracking is off on this connection")

    def _drop(self, key: str) -> None:
        copy = self._copies.pop(key, None)
        if copy is not None and copy[0] is not None:
            self._bytes -= len(copy[0])

    def _clear(self) -> None:
        self._copies.clear()
        self._bytes = 0

    def _ready(self) -> Any:
        """The tracked connection, connected now if needed (None: not possible)."""
        if self._pid != os.getpid():  # a fork: the parent's connection is not ours
            self._connection = None
            self._clear()
            self._pid = os.getpid()
            self._retry_at = 0.0
        if self._connection is not None:
            if self._broken:
                raise redis.ConnectionError("near cache: the connection was replaced")
            return self._connection
        if time.monotonic() < self._retry_at:
            return None
        # Until this one is set up, a failure is not retried at once.
        self._retry_at = time.monotonic() + RETRY_AFTER
        pool = self._pool()
        connection = pool.connection_class(
            **{**pool.connection_kwargs, "retry": Retry(NoBackoff(), 0)}
        )
        if str(getattr(connection, "protocol", 2)) != "3":
            self._retry_at = float("inf")  # invalidations need RESP3 on the same connection
            return None
        # redis-py's own client-side cache installs its handler the same way.
        connection._parser.set_invalidation_push_handler(self._invalidated)
        try:
            connection.connect()
            connection.send_command("CLIENT", "TRACKING", "ON", check_health=False)
            connection.read_response()
            self._verify(connection)  # Redis 6.2 and later: otherwise refused as above
        except BaseException:
            connection.disconnect()  # refused (an ACL, a proxy) or unreachable
            raise
        # From now on any reconnection (tracking lost) is an error: see _broken.
        connection.register_connect_callback(self._reconnected)
        self._clear()
        self._broken = False
        self._retry_at = 0.0
        self._connection = connection
        self._verified = time.monotonic()
        return connection

    def _invalidated(self, message: list[Any]) -> None:
        """``["invalidate", [key, …]]``, or ``["invalidate", None]`` after a flush."""
        keys = message[1] if len(message) > 1 else None
        if keys is None:
            self._clear()
            return
        for key in keys:
            self._drop(key.decode("utf-8", "surrogateescape") if isinstance(key, bytes) else key)

    def _reconnected(self, connection: object) -> None:
        self._broken = True

    def _drop_connection(self) -> None:
        self._clear()
        connection, self._connection = self._connection, None
        self._broken = False
        if connection is not None:
            with contextlib.suppress(Exception):  # already broken: nothing to close
                connection.disconnect()
