"""Fixtures of the audit tests: a committing client, an activated subscriber, a contract."""

from tests.accounts.conftest import client, subscriber  # noqa: F401
from tests.contracts.conftest import (  # noqa: F401
    contract,
    fast_key_hashing,
    payer,
    private_media,
)
