"""Fixtures of the online payment tests: the subscriber-area cast, an invoice with an
amount due, and PayFiP configured against the simulator served over HTTP."""

import datetime
import urllib.parse
import urllib.request
from decimal import Decimal

import pytest

from contracts.models import Invoice
from payments.simulator import store
from tests.contracts.area_fixtures import *  # noqa: F403
from tests.contracts.conftest import (  # noqa: F401
    contract,
    fast_key_hashing,
    payer,
    private_media,
)
from tests.payments.simulator_server import serve

NUMCLI = "012345"


@pytest.fixture
def invoice(contract):  # noqa: F811
    return Invoice.objects.create(
        number="F2026-0042",
        contract=contract,
        issue_date=datetime.date(2026, 1, 20),
        due_date=datetime.date(2026, 2, 20),
        amount_incl_tax=Decimal("84.50"),
        amount_due=Decimal("84.50"),
    )


@pytest.fixture
def payfip(settings):
    """PayFiP on, its web service the simulator over real HTTP (the client is never mocked).

    The simulator's notifications go nowhere (the server thread's database connection
    would not see this test's transaction): tests deliver them with the test client.
    """
    store.reset()
    settings.PAYFIP_SIMULATOR = True
    settings.PAYFIP_NUMCLI = NUMCLI
    settings.PAYFIP_MODE = "T"
    settings.PAYFIP_TIMEOUT = 5
    settings.PAYFIP_PAYMENT_URL = ""
    with serve() as url:
        settings.PAYFIP_URL = f"{url}/simulateur-payfip/tpa/services/securite"
        # Notifications to a closed port (the discard port): refused at once.
        settings.SITE_URL = "http://127.0.0.1:9"
        yield url
    store.reset()


def page_url_of(response) -> str:
    location = response["Location"]
    assert "/simulateur-payfip/tpa/paiementws.web?idop=" in location, location
    return location


def id_op_of(response) -> str:
    return urllib.parse.parse_qs(urllib.parse.urlsplit(response["Location"]).query)["idop"][0]


def choose(page_url: str, choice: str) -> str:
    """Click a button of the simulator's page, as the payer would; the page's HTML."""
    id_op = urllib.parse.parse_qs(urllib.parse.urlsplit(page_url).query)["idop"][0]
    data = urllib.parse.urlencode({"idop": id_op, "choice": choice}).encode()
    with urllib.request.urlopen(page_url, data=data, timeout=10) as response:  # noqa: S310
        return response.read().decode()
