"""Fixtures of the demo tests: the contracts tests' billing data, fast hasher, private media."""

from tests.contracts.area_fixtures import *  # noqa: F403
from tests.contracts.conftest import (  # noqa: F401
    contract,
    fast_key_hashing,
    history,
    payer,
    private_media,
)
