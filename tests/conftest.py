"""The fixtures of the whole suite, in one place.

The cast, around one payer:
* ``payer`` and its ``contract`` (``history``: readings, an invoice, a payment;
  ``ten_years``: ten years of them);
* ``subscriber``: an activated account linked to ``payer``; ``subscriber_client`` is
  logged in as them;
* ``second_subscriber``: another account linked to the same payer;
* ``outsider``: an account linked to another payer (``other_payer``, ``other_contract``);
* ``new_subscriber``: an activated account that has linked no contract yet;
* ``inactive_subscriber``: an account whose address is not confirmed yet;
* ``invoice``: an invoice of ``contract`` with an amount due; ``payfip``: online payment
  on, against the PayFiP simulator served over HTTP;
* ``staff_agent``: a "Régie agent" (staff, two-factor on), linked to no payer.

Builders and constants (``PASSWORD``, ``make_user``, ``add_invoice``…) are in
``tests/builders.py``; browser-test fixtures in ``tests/e2e/conftest.py``.
"""

import datetime
import os
from decimal import Decimal
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import Client
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from accounts.models import User
from contracts.models import Contract, Invoice, MeterReading, Payer, Payment
from payments.simulator import store
from tests.builders import CommittingClient, link, make_contract, make_user, with_totp
from tests.payments.simulator_server import serve

# Property-based tests (tests/security/test_fuzzed_forms.py): 200 examples per form in CI,
# 5,000 locally with `pytest --hypothesis-profile dev` (or HYPOTHESIS_PROFILE=dev).
# Requests through the test client are slow by Hypothesis' standards and use fixtures.
# The clamd fixtures (clamd_url, scanning) live beside their helpers.
pytest_plugins = ["tests.clamd"]

hypothesis_settings.register_profile(
    "ci",
    max_examples=200,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
hypothesis_settings.register_profile(
    "dev", parent=hypothesis_settings.get_profile("ci"), max_examples=5000
)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_configure(config: pytest.Config) -> None:
    # The manifest of hashed static files only exists after collectstatic; tests use
    # the plain storage so that `{% static %}` works without it.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # WhiteNoise warns when STATIC_ROOT does not exist yet (a fresh checkout).
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)


@pytest.fixture(autouse=True)
def _isolated_cache():
    """Each test starts with an empty cache (rate-limit counters live there).

    The database cache is rolled back with each test's transaction; a Redis cache (CI's
    second pass) is shared and persistent, so it is flushed here.
    """
    from django.core.cache import cache

    from core import pagecache
    from core.templatetags import frame

    if not settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache"):
        cache.clear()
    pagecache.clear()
    frame.clear()
    yield


@pytest.fixture(autouse=True)
def fast_key_hashing(request, settings):
    """Argon2 takes ~0.3 s per key here: a fast hasher, except in tests marked
    ``real_password_hashers`` (the ones about hashing itself)."""
    if request.node.get_closest_marker("real_password_hashers") is None:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private", "base_url": None},
        },
    }


@pytest.fixture
def client(db) -> Client:
    """A client whose requests run their on-commit callbacks (emails leave then)."""
    from django.core.cache import cache

    # Rate-limit counters live in the cache; each test starts from zero, including tests
    # with real transactions, which the database cache does not roll back.
    cache.clear()
    return CommittingClient()


@pytest.fixture
def payer(db):
    return Payer.objects.create(reference="P0001", name="Marie Dupont", email="marie@example.fr")


@pytest.fixture
def contract(payer):
    contract = Contract(
        number="11301.11377.01",
        payer=payer,
        street="12 cours Mirabeau",
        postcode="13100",
        city="Aix-en-Provence",
        meter_number="M123",
    )
    contract.set_key("ABCD2345")
    contract.save()
    return contract


@pytest.fixture
def history(contract):
    """Readings, an invoice and a payment on the contract."""
    for date, index in (("2023-01-10", "100"), ("2023-07-10", "160.5"), ("2024-01-10", "200")):
        MeterReading.objects.create(
            contract=contract, date=datetime.date.fromisoformat(date), index=Decimal(index)
        )
    invoice = Invoice.objects.create(
        number="F2024-0001",
        contract=contract,
        issue_date=datetime.date(2024, 1, 20),
        due_date=datetime.date(2024, 2, 20),
        amount_incl_tax=Decimal("150.00"),
        amount_due=Decimal("0.00"),
    )
    Payment.objects.create(
        reference="R0001",
        contract=contract,
        invoice=invoice,
        date=datetime.date(2024, 2, 1),
        amount=Decimal("150.00"),
    )
    return contract


@pytest.fixture
def subscriber(contract) -> User:
    user = make_user("abonne@example.fr")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    link(user, contract.payer)
    return user


@pytest.fixture
def new_subscriber(db) -> User:
    """Activated, but has linked no contract yet (the tutorial's first visit)."""
    user = make_user("abonne@example.fr")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@pytest.fixture
def inactive_subscriber(db) -> User:
    user = make_user("nouveau@example.fr")
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    return user


@pytest.fixture
def second_subscriber(contract):
    user = make_user("conjoint@example.fr")
    link(user, contract.payer)
    return user


@pytest.fixture
def other_payer(db):
    return Payer.objects.create(reference="P0002", name="Jean Martin")


@pytest.fixture
def other_contract(other_payer):
    return make_contract(
        other_payer, "22222.33333.44", key="WXYZ7766", street="3 rue Espariat", city="Aix"
    )


@pytest.fixture
def outsider(other_contract):
    user = make_user("voisin@example.fr")
    link(user, other_contract.payer)
    return user


@pytest.fixture
def staff_agent(db):
    user = make_user("agent@eauxdupaysdaix.fr", is_staff=True)
    user.groups.add(Group.objects.get(name="Régie agent"))
    return with_totp(user)


@pytest.fixture
def subscriber_client(client, subscriber):
    client.force_login(subscriber)
    return client


@pytest.fixture
def ten_years(contract):
    """Ten years of monthly readings, invoices every two months and their payments."""
    start = datetime.date(2016, 1, 15)
    readings = []
    index = Decimal("1000")
    for month in range(120):
        year, m = divmod(month, 12)
        date = datetime.date(start.year + year, m + 1, 15)
        index += Decimal("9.5")
        readings.append(MeterReading(contract=contract, date=date, index=index))
    MeterReading.objects.bulk_create(readings)
    invoices = [
        Invoice(
            number=f"F{2016 + n // 6}-{n:04d}",
            contract=contract,
            issue_date=datetime.date(2016 + n // 6, (n % 6) * 2 + 1, 20),
            due_date=datetime.date(2016 + n // 6, (n % 6) * 2 + 2, 20),
            amount_incl_tax=Decimal("80.00"),
            amount_due=Decimal("0.00"),
            volume_m3=Decimal("19"),
        )
        for n in range(60)
    ]
    Invoice.objects.bulk_create(invoices)
    Payment.objects.bulk_create(
        Payment(
            reference=f"R{n:04d}",
            contract=contract,
            invoice=invoice,
            date=invoice.due_date,
            amount=Decimal("80.00"),
            method="direct_debit",
        )
        for n, invoice in enumerate(Invoice.objects.filter(contract=contract))
    )
    return contract


NUMCLI = "012345"


@pytest.fixture
def invoice(contract):
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
