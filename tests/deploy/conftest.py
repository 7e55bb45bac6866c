"""Fixtures of the deployment tests: the subscriber-area cast."""

from tests.contracts.area_fixtures import *  # noqa: F403
from tests.contracts.conftest import (  # noqa: F401
    contract,
    fast_key_hashing,
    payer,
    private_media,
)
