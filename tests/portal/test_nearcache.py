"""Each process's copies of what logged-in requests read (core.nearcache), kept exact by
Redis's invalidation messages. Two ``RedisCache`` objects stand for two processes: each
has its own pool and its own tracked connection."""

import time

import pytest
import redis
from django.test import override_settings

from core.cache import RedisCache
from tests.helpers import needs_local_redis

URL = "redis://127.0.0.1:6379/14"


pytestmark = needs_local_redis


def _process() -> RedisCache:
    cache = RedisCache(URL, {"KEY_PREFIX": "test-near-cache"})
    cache._cache  # noqa: B018  # its client, made now: it reads NEAR_CACHE_SECONDS
    return cache


@pytest.fixture
def here_and_there():
    with override_settings(NEAR_CACHE_SECONDS=30):
        here, there = _process(), _process()
    yield here, there
    there.delete_many(["k", "d", "t", "other", "absent"])


class Spy:
    """Counts the commands sent on the tracked connection of ``cache``."""

    def __init__(self, cache: RedisCache) -> None:
        self.sent: list[tuple] = []
        connection = cache._cache.near._connection
        original = connection.send_command

        def send_command(*args, **kwargs):
            self.sent.append(args)
            return original(*args, **kwargs)

        connection.send_command = send_command


def _soon(read, expected, seconds=2.0):
    """What ``read()`` gives once it gives ``expected``, or its last answer after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        value = read()
        if value == expected or time.monotonic() > deadline:
            return value
        time.sleep(0.01)


def test_a_value_read_again_comes_from_the_copy_without_asking_redis(here_and_there):
    here, there = here_and_there
    there.set("k", {"n": 1}, 30)
    there.delete("absent")
    assert here.get_many_near(["k", "absent"]) == {"k": {"n": 1}}

    spy = Spy(here)
    for _ in range(3):
        assert here.get_many_near(["k", "absent"]) == {"k": {"n": 1}}
    assert spy.sent == []


def test_a_change_by_another_process_is_seen_and_read_again(here_and_there):
    here, there = here_and_there
    there.set("k", 1, 30)
    there.set("other", "same", 30)
    assert here.get_many_near(["k", "other"]) == {"k": 1, "other": "same"}
    spy = Spy(here)

    there.set("k", 2, 30)
    assert _soon(lambda: here.get_many_near(["k", "other"]), {"k": 2, "other": "same"}) == {
        "k": 2,
        "other": "same",
    }
    # Only the changed key was read again.
    assert spy.sent and all(command[1:] == ("test-near-cache:1:k",) for command in spy.sent)

    there.delete("k")  # deleted (a logout, a dropped account) is a change too
    assert _soon(lambda: here.get_many_near(["k"]), {}) == {}


def test_keys_read_once_are_read_from_redis_and_never_copied(here_and_there):
    """A page's figures come with the session but are kept by the page itself: copied here
    too, they pushed the small values every request reads out of the copies."""
    here, there = here_and_there
    there.set("k", 1, 30)
    there.set("d", {"figures": "<table>…</table>" * 100}, 30)
    both = {"k": 1, "d": {"figures": "<table>…</table>" * 100}}
    assert here.get_many_near(["k", "d"], once=["d"]) == both
    assert len(here._cache.near) == 1  # "k" only

    spy = Spy(here)
    assert here.get_many_near(["k", "d"], once=["d"]) == both
    assert spy.sent == [("MGET", "test-near-cache:1:d")]


def test_what_this_process_writes_is_read_at_once(here_and_there):
    here, _ = here_and_there
    here.set("k", 1, 30)
    assert here.get_many_near(["k"]) == {"k": 1}
    here.set("k", 2, 30)
    assert here.get_many_near(["k"]) == {"k": 2}
    here.set_many({"k": 3}, 30)
    assert here.get_many_near(["k"]) == {"k": 3}
    here.delete_many(["k"])
    assert here.get_many_near(["k"]) == {}


def test_a_key_that_expires_is_not_served_from_the_copy(here_and_there):
    here, _ = here_and_there
    here.set("t", "short", 1)
    assert here.get_many_near(["t"]) == {"t": "short"}
    time.sleep(1.1)
    assert _soon(lambda: here.get_many_near(["t"]), {}, seconds=3) == {}


def test_a_flush_drops_every_copy(here_and_there):
    here, there = here_and_there
    there.set("k", 1, 30)
    assert here.get_many_near(["k"]) == {"k": 1}
    there._cache.get_client(write=True).flushdb()
    assert _soon(lambda: here.get_many_near(["k"]), {}) == {}


def test_each_read_gets_its_own_objects(here_and_there):
    here, there = here_and_there
    there.set("d", {"names": ["a"]}, 30)
    first = here.get_many_near(["d"])["d"]
    first["names"].append("changed by a view")
    assert here.get_many_near(["d"]) == {"d": {"names": ["a"]}}


def test_a_lost_connection_drops_the_copies_and_reads_go_on(here_and_there):
    here, there = here_and_there
    there.set("k", 1, 30)
    assert here.get_many_near(["k"]) == {"k": 1}
    # Redis drops every connection (a restart): whatever happened meanwhile is unknown.
    # (Asked from a connection of its own, which Redis answers after closing the others.)
    with redis.Redis.from_url(URL) as admin:
        admin.client_kill_filter(_type="normal", skipme=True)
    there.set("k", 2, 30)
    assert here.get_many_near(["k"]) == {"k": 2}
    assert here.get_many_near(["k"]) == {"k": 2}  # tracked again on a new connection
    there.set("k", 3, 30)
    assert _soon(lambda: here.get_many_near(["k"]), {"k": 3}) == {"k": 3}


def test_past_the_heartbeat_redis_is_asked_whether_tracking_is_still_on(
    here_and_there, monkeypatch
):
    """Tracking switched off behind the process's back (an administrator's CLIENT TRACKING
    OFF, a proxy that reconnected to another server) stops the invalidations without a
    word: the copies serve for HEARTBEAT seconds at most, then every one is dropped."""
    here, there = here_and_there
    there.set("k", 1, 30)
    assert here.get_many_near(["k"]) == {"k": 1}
    near = here._cache.near
    near._connection.send_command("CLIENT", "TRACKING", "OFF")
    near._connection.read_response()
    there.set("k", 2, 30)  # no message comes now
    assert here.get_many_near(["k"]) == {"k": 1}  # within the heartbeat (5 s)
    monkeypatch.setattr(near, "_verified", time.monotonic() - 60)
    assert here.get_many_near(["k"]) == {"k": 2}  # asked, found off: read from Redis
    there.set("k", 3, 30)
    assert _soon(lambda: here.get_many_near(["k"]), {"k": 3}) == {"k": 3}  # tracked again


def test_while_tracking_is_on_the_check_costs_one_command_per_heartbeat(
    here_and_there, monkeypatch
):
    here, there = here_and_there
    there.set("k", 1, 30)
    assert here.get_many_near(["k"]) == {"k": 1}
    spy = Spy(here)
    near = here._cache.near
    monkeypatch.setattr(near, "_verified", time.monotonic() - 60)
    for _ in range(5):
        assert here.get_many_near(["k"]) == {"k": 1}
    assert spy.sent == [("CLIENT", "TRACKINGINFO")]  # the copy stays: tracking is on


def test_without_near_cache_seconds_every_read_asks_redis():
    with override_settings(NEAR_CACHE_SECONDS=0):
        here = _process()
    assert here._cache.near is None
    here.set("k", 5, 30)
    assert here.get_many_near(["k", "absent"]) == {"k": 5}
    here.delete("k")


def test_a_redis_spoken_to_without_resp3_is_read_as_before():
    with override_settings(NEAR_CACHE_SECONDS=30):
        here = RedisCache(f"{URL}?protocol=2", {"KEY_PREFIX": "test-near-cache"})
        here._cache  # noqa: B018
    here.set("k", 6, 30)
    for _ in range(2):
        assert here.get_many_near(["k", "absent"]) == {"k": 6}
    near = here._cache.near
    assert near._connection is None and near._retry_at == float("inf") and len(near) == 0
    here.delete("k")


def test_the_copies_stay_within_their_bounds(here_and_there):
    here, there = here_and_there
    near = here._cache.near
    near.max_items, near.max_bytes = 3, 64 * 100
    there.set_many({"k": "x" * 50, "d": "y" * 50, "t": "z" * 50, "other": "w" * 500}, 30)
    assert here.get_many_near(["k", "d", "t", "other"])["other"] == "w" * 500
    assert set(near._copies) == {f"test-near-cache:1:{key}" for key in ("k", "d", "t")}
    assert near._bytes == sum(len(value) for value, _ in near._copies.values())
    there.set("k", "x", 30)
    assert _soon(lambda: here.get_many_near(["k"]), {"k": "x"}) == {"k": "x"}
    assert near._bytes == sum(len(value) for value, _ in near._copies.values())


def test_a_copy_announced_changed_with_the_answer_is_read_again(here_and_there):
    """The values a request gets are of one moment: a copy used alongside keys read from
    Redis, whose change is announced before that read's answer, is read again."""
    here, there = here_and_there
    there.set_many({"k": "old", "d": 1}, 30)
    assert here.get_many_near(["k", "d"]) == {"k": "old", "d": 1}
    here._cache.near.forget(["test-near-cache:1:d"])  # "d" must be read from Redis
    connection = here._cache.near._connection
    original = connection.send_command

    def change_then_send(*args, **kwargs):
        connection.send_command = original
        there.set("k", "new", 30)  # changed before Redis reads "d"...
        while not connection.can_read(0.05):  # ...and announced before its answer
            pass
        return original(*args, **kwargs)

    connection.send_command = change_then_send
    assert here.get_many_near(["k", "d"]) == {"k": "new", "d": 1}


def test_a_redis_that_refuses_tracking_is_read_as_before(here_and_there, monkeypatch):
    """A managed Redis that disables CLIENT, or a proxy in between: every read goes to
    Redis, and the refusal is not asked again at every request."""
    here, there = here_and_there
    here.get_many_near(["k"])  # the tracked connection, made
    near = here._cache.near
    near._drop_connection()
    pool = here._cache._get_connection_pool(True)

    asked = []

    class Refusing(pool.connection_class):
        def send_command(self, *args, **kwargs):
            if args[:2] == ("CLIENT", "TRACKING"):
                asked.append(self)
                raise redis.ResponseError("unknown command 'CLIENT'")
            return super().send_command(*args, **kwargs)

    monkeypatch.setattr(pool, "connection_class", Refusing)
    there.set("k", 1, 30)
    for value in (1, 2):
        there.set("k", value, 30)
        assert here.get_many_near(["k"]) == {"k": value}
    assert near._connection is None and len(asked) == 1  # asked once, then not for 5 s
    assert asked[0]._sock is None  # and its connection closed
