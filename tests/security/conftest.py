"""Fixtures of the security tests: the subscriber-area cast and its billing data."""

from tests.contracts.area_fixtures import *  # noqa: F403
from tests.contracts.conftest import (  # noqa: F401
    contract,
    fast_key_hashing,
    history,
    payer,
    private_media,
)
