"""Values read by every logged-in request, unpickled once per process (core.decoded): each
read still gets objects of its own, as unpickling gave, so that what one request changes
is never seen by the next."""

import datetime
import pickle

import pytest
from django.test import override_settings

from accounts.models import User
from contracts.models import Contract, Payer
from core import decoded
from core.cache import RedisCache
from tests.builders import make_contract
from tests.helpers import needs_local_redis

URL = "redis://127.0.0.1:6379/14"


@pytest.fixture
def cache(monkeypatch):
    monkeypatch.setattr("core.cache.DECODED_MIN_BYTES", 0)  # every value, however small
    decoded.clear()
    with override_settings(NEAR_CACHE_SECONDS=30):
        cache = RedisCache(URL, {"KEY_PREFIX": "test-decoded"})
        cache._cache  # noqa: B018  # its client, made now: it reads NEAR_CACHE_SECONDS
    yield cache
    cache.delete_many(["account", "contracts", "same", "other", "odd"])
    decoded.clear()


class Unknown:
    """A class ``fresh`` does not copy."""

    def __init__(self, text):
        self.text = text


def _contract() -> Contract:
    payer = Payer.objects.create(reference="P0777", name="Lucie Bernard")
    return make_contract(payer, "12345.00000.01")


@pytest.mark.django_db
def test_fresh_copies_containers_and_instances_and_shares_only_what_cannot_change():
    payer = _contract().payer
    contract = Contract.objects.select_related("payer").get(payer=payer)
    value = ("v1", {"when": datetime.date(2026, 1, 2), "list": [1, {"a": "b"}]}, [contract])

    copy = decoded.fresh(value)

    assert copy == value
    assert copy[1] is not value[1] and copy[1]["list"] is not value[1]["list"]
    assert copy[1]["list"][1] is not value[1]["list"][1]
    assert copy[0] is value[0]  # a string cannot change
    got = copy[2][0]
    assert got is not contract and got.pk == contract.pk and got.number == contract.number
    assert got._state is not contract._state
    assert got._state.db == contract._state.db and got._state.adding is False
    # The payer loaded with it (select_related) is there, as a copy of its own.
    assert got.payer is not contract.payer and got.payer.pk == contract.payer.pk
    got.number, got.payer.name = "changed", "changed"
    assert contract.number != "changed" and contract.payer.name != "changed"


def test_fresh_refuses_what_it_does_not_know():
    with pytest.raises(decoded.NotCopyable):
        decoded.fresh({"x": [Unknown("a")]})


@needs_local_redis
@pytest.mark.django_db
def test_each_read_of_a_kept_account_gets_its_own_instance(cache):
    user = User.objects.create_user("decoded@example.org", "Robinet!Decoded7")
    cache.set("account", ("v", "hash", user), 60)

    first = cache.get_many_near(["account"])["account"][2]
    first.email = "changed@example.org"
    first.is_active = False
    first._state.fields_cache["anything"] = "cached on the instance"
    second = cache.get_many_near(["account"])["account"][2]

    assert second is not first
    assert second.email == "decoded@example.org" and second.is_active is True
    assert second._state.fields_cache == {}
    assert len(decoded._templates) == 1  # unpickled once


@needs_local_redis
@pytest.mark.django_db
def test_a_list_read_again_is_a_new_list_of_new_contracts(cache):
    _contract()
    contracts = list(Contract.objects.select_related("payer"))
    cache.set("contracts", ("v", "g", contracts), 60)

    first = cache.get_many_near(["contracts"])["contracts"]
    first[2].append("added by a request")
    first[2][0].payer.name = "changed"
    second = cache.get_many_near(["contracts"])["contracts"]

    assert len(second[2]) == len(contracts)
    assert second[2][0].payer.name == contracts[0].payer.name


@needs_local_redis
def test_a_changed_value_is_decoded_again(cache):
    cache.set("same", {"n": 1}, 60)
    assert cache.get_many_near(["same"])["same"]["n"] == 1
    cache.set("same", {"n": 2}, 60)
    assert cache.get_many_near(["same"])["same"]["n"] == 2


@needs_local_redis
def test_a_value_it_cannot_copy_is_unpickled_every_time(cache):
    cache.set("odd", {"odd": Unknown("a")}, 60)

    first = cache.get_many_near(["odd"])["odd"]
    first["odd"].text = "changed"
    second = cache.get_many_near(["odd"])["odd"]

    assert second["odd"] is not first["odd"] and second["odd"].text == "a"
    assert len(decoded._templates) == 0


def test_equal_bytes_under_two_keys_give_independent_values():
    raw = pickle.dumps({"items": ["a"] * 200}, pickle.HIGHEST_PROTOCOL)
    one = decoded.loads_fresh(raw, pickle.loads)
    other = decoded.loads_fresh(bytes(raw), pickle.loads)

    one["items"].append("b")
    assert other == {"items": ["a"] * 200}
    decoded.clear()
