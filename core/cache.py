"""Django's Redis cache, with one redis-py client per process and pool instead of one per call,
and ``get_many`` sent straight on a pooled connection.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` for every cache
operation; with redis-py 8 each construction fills a ~170-entry case-insensitive table of
response callbacks. A login makes about 20 cache operations (rate limits), and the profile
showed those constructions costing a third as much CPU as Argon2 itself. A ``redis.Redis``
is thread-safe and only borrows connections from its pool, so one per pool is enough.
"""

from __future__ import annotations

from typing import Any

import redis
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class ReusedRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._redis_clients: dict[int, Any] = {}

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
        loads = self._serializer.loads  # type: ignore[attr-defined]  # Django's, untyped
        return {
            key: loads(value) for key, value in zip(keys, values, strict=True) if value is not None
        }


class RedisCache(DjangoRedisCache):
    def __init__(self, server: str | list[str], params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusedRedisCacheClient

    def validate_key(self, key: str) -> None:
        """No check: Django's warns about keys memcached would refuse (length, spaces),
        which Redis takes as they are, and it ran on every key of every logged-in request
        (a regular expression and a generator each, issue #22)."""
