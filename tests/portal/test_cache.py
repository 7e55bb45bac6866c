"""The Redis cache backend: Django's, reusing one redis-py client per pool."""

from core.cache import RedisCache
from portal.env import parse_cache_url
from tests.helpers import needs_local_redis


def test_a_redis_cache_url_selects_the_portal_backend():
    assert parse_cache_url("CACHE_URL", "redis://127.0.0.1:6379/0")["BACKEND"] == (
        "core.cache.RedisCache"
    )


@needs_local_redis
def test_it_stores_and_counts_like_django_redis_cache_with_one_client():
    cache = RedisCache("redis://127.0.0.1:6379/14", {"KEY_PREFIX": "test-portal-cache"})
    cache.delete_many(["a", "n"])

    cache.set("a", {"x": 1}, 30)
    assert cache.get("a") == {"x": 1}
    assert cache.add("n", 1, 30) and cache.incr("n") == 2

    client = cache._cache
    assert client.get_client(write=True) is client.get_client(write=True)
    cache.delete_many(["a", "n"])


@needs_local_redis
def test_keys_redis_takes_as_they_are_raise_no_memcached_warning(recwarn):
    cache = RedisCache("redis://127.0.0.1:6379/14", {"KEY_PREFIX": "test-portal-cache"})
    long_key = "contracts:page:" + "x" * 300 + " with spaces"
    cache.set(long_key, "kept", 30)
    assert cache.get_many([long_key]) == {long_key: "kept"}
    assert not [w for w in recwarn if "memcached" in str(w.message)]
    cache.delete(long_key)


@needs_local_redis
def test_get_many_reads_what_django_reads_and_survives_a_dropped_connection():
    cache = RedisCache("redis://127.0.0.1:6379/14", {"KEY_PREFIX": "test-portal-cache"})
    cache.set_many({"s": {"_auth_user_id": "7"}, "n": 12, "none": None}, 30)
    cache.delete("gone")
    expected = {"s": {"_auth_user_id": "7"}, "n": 12, "none": None}
    assert cache.get_many(["s", "n", "none", "gone"]) == expected
    assert cache.get_many([]) == {}

    # Redis drops every connection (a restart, a timeout): the read goes through anyway.
    client = cache._cache.get_client()
    client.client_kill_filter(_type="normal", skipme=False)
    assert cache.get_many(["s", "n", "none", "gone"]) == expected
    assert cache.get("n") == 12  # and the pool serves the next command
    cache.delete_many(["s", "n", "none"])


@needs_local_redis
def test_values_read_back_as_written_whatever_their_first_byte():
    """Pickles are read without trying them as integers first (core.cache), and integers
    (stored as digits, for incr) still come back as integers."""
    cache = RedisCache("redis://127.0.0.1:6379/14", {"KEY_PREFIX": "test-portal-cache"})
    values = {"i": 7, "neg": -3, "big": 2**70, "s": "é", "b": b"\x80raw", "t": (1, "x"), "f": 1.5}
    cache.set_many(values, 30)
    assert cache.get_many(list(values)) == values
    assert {key: cache.get(key) for key in values} == values
    assert cache.incr("i") == 8
    cache.delete_many(list(values))
