"""Django's Redis cache, with one redis-py client per process and pool instead of one per call,
``get_many`` sent straight on a pooled connection, and ``get_many_near`` served from this
process's copies (``core.nearcache``) where Redis says they are current.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` for every cache
operation; with redis-py 8 each construction fills a ~170-entry case-insensitive table of
response callbacks. A login makes about 20 cache operations (rate limits), and the profile
showed those constructions costing a third as much CPU as Argon2 itself. A ``redis.Redis``
is thread-safe and only borrows connections from its pool, so one per pool is enough.
"""

from __future__ import annotations

import pickle
from collections.abc import Collection, Iterable
from typing import Any

import redis
from django.conf import settings
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient, RedisSerializer

from core.decoded import loads_fresh
from core.nearcache import NearCache

# Values of this many bytes and more read by ``get_many_near`` are decoded once per process.
DECODED_MIN_BYTES = 512


class PickleFirstSerializer(RedisSerializer):
    """Django's, reading a pickle without first trying it as an integer. Django stores
    integers as their digits and everything else pickled (protocol 2 and up, whose first
    byte is 0x80), and read every value with ``int()`` first: the ``ValueError`` cost
    about 1.5 µs per value, and a logged-in request reads six or seven."""

    def loads(self, data: Any) -> Any:
        if data[:1] == b"\x80":
            return pickle.loads(data)  # noqa: S301  # our own cache's values, as Django's
        return super().loads(data)


class ReusedRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        serializer: Any = self._serializer  # type: ignore[has-type]  # Django's, untyped
        if type(serializer) is RedisSerializer:  # Django's default, not one set in OPTIONS
            self._serializer = PickleFirstSerializer()  # the same protocol: the highest
        self._redis_clients: dict[int, Any] = {}
        seconds = getattr(settings, "NEAR_CACHE_SECONDS", 0)
        # Reads and writes go to the first server (the primary): the copies must follow
        # the server that is written to.
        self.near = (
            NearCache(lambda: self._get_connection_pool(True), seconds=seconds)  # type: ignore[attr-defined]
            if seconds > 0
            else None
        )

    # _get_connection_pool_index, _get_connection_pool and _client are private to Django's
    # RedisCacheClient (its get_client uses them the same way); django-stubs leaves them out.
    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)  # type: ignore[attr-defined]
        client = self._redis_clients.get(index)
        if client is None:
            pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
            client = self._client(connection_pool=pool)  # type: ignore[attr-defined]
            client = self._redis_clients.setdefault(index, client)
        return client

    def get_many(self, keys: Any) -> dict[Any, Any]:
        """Django's, with the MGET written and read on a connection of the pool directly:
        every logged-in request makes one (accounts.sessionstore), and redis-py's command
        path around it (retry wrapper, reply callbacks) cost about as much CPU as sending
        and parsing the command. A connection that fails is dropped, and the command is
        sent once more the usual way, with redis-py's own retries."""
        keys = list(keys)
        if not keys:
            return {}
        client = self.get_client(None)
        pool = client.connection_pool
        connection = pool.get_connection()
        try:
            connection.send_command("MGET", *keys)
            values = connection.read_response()
        except (redis.ConnectionError, redis.TimeoutError):
            connection.disconnect()
            values = client.mget(keys)
        except BaseException:
            connection.disconnect()  # a reply half read must not reach the next command
            raise
        finally:
            pool.release(connection)
        loads = self._serializer.loads
        return {
            key: loads(value) for key, value in zip(keys, values, strict=True) if value is not None
        }

    def get_many_near(self, keys: Iterable[str], once: Collection[str] = ()) -> dict[str, Any]:
        """``get_many``, from this process's copies where they are current; the keys of
        ``once`` read from Redis and neither copied nor decoded once per process."""
        keys = list(keys)
        raw = self.near.get_many(keys, once) if self.near is not None and keys else None
        if raw is None:
            return self.get_many(keys)
        loads = self._serializer.loads
        pairs = zip(keys, raw, strict=True)
        return {
            # Unpickled once per process, each request given its own copy (core.decoded):
            # below about this size, unpickling costs no more than the copy.
            key: loads_fresh(value, loads)
            if len(value) >= DECODED_MIN_BYTES and key not in once
            else loads(value)
            for key, value in pairs
            if value is not None
        }

    # Writes drop this process's copies at once (Redis tells the other processes).

    def _forget(self, keys: Iterable[Any]) -> None:
        if self.near is not None:
            self.near.forget([str(key) for key in keys])

    def add(self, key: Any, value: Any, timeout: Any) -> bool:
        try:
            return bool(super().add(key, value, timeout))
        finally:
            self._forget([key])

    def set(self, key: Any, value: Any, timeout: Any) -> None:
        try:
            super().set(key, value, timeout)
        finally:
            self._forget([key])

    def touch(self, key: Any, timeout: Any) -> bool:
        try:
            return bool(super().touch(key, timeout))
        finally:
            self._forget([key])

    def delete(self, key: Any) -> bool:
        try:
            return bool(super().delete(key))
        finally:
            self._forget([key])

    def incr(self, key: Any, delta: int) -> Any:
        try:
            return super().incr(key, delta)
        finally:
            self._forget([key])

    def set_many(self, data: Any, timeout: Any) -> None:
        try:
            super().set_many(data, timeout)
        finally:
            self._forget(data)

    def delete_many(self, keys: Any) -> None:
        keys = list(keys)
        try:
            super().delete_many(keys)
        finally:
            self._forget(keys)

    def clear(self) -> bool:
        try:
            return bool(super().clear())
        finally:
            if self.near is not None:
                self.near.clear()


class RedisCache(DjangoRedisCache):
    def __init__(self, server: str | list[str], params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusedRedisCacheClient

    def validate_key(self, key: str) -> None:
        """No check: Django's warns about keys memcached would refuse (length, spaces),
        which Redis takes as they are, and it ran on every key of every logged-in request
        (a regular expression and a generator each, issue #22)."""

    def get_many_near(
        self, keys: Iterable[str], version: int | None = None, *, once: Iterable[str] = ()
    ) -> dict[str, Any]:
        """``get_many``, from this process's copies where Redis says they are current
        (``core.nearcache``); the values read by every logged-in request. The keys of
        ``once`` are read from Redis every time: values their reader keeps itself."""
        key_map = {self.make_key(key, version=version): key for key in keys}
        far = {self.make_key(key, version=version) for key in once}
        found = self._cache.get_many_near(key_map, far)  # type: ignore[attr-defined]
        return {key_map[key]: value for key, value in found.items()}
