import pytest

from tests.accounts.conftest import CommittingClient
from tests.contracts.area_fixtures import *  # noqa: F403
from tests.contracts.conftest import (  # noqa: F401  (billing fixtures)
    contract,
    fast_key_hashing,
    payer,
    private_media,
)


@pytest.fixture
def client(db):
    """Requests run their on-commit callbacks: queued emails are delivered."""
    return CommittingClient()
