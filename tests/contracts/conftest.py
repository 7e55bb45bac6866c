"""Fixtures of the contracts tests: billing data and a fast hasher."""

import datetime
from decimal import Decimal

import pytest

from contracts.models import Contract, Invoice, MeterReading, Payer, Payment
from tests.contracts.area_fixtures import *  # noqa: F403  (subscriber-area fixtures)


@pytest.fixture(autouse=True)
def fast_key_hashing(settings):
    # Argon2 takes ~0.3 s per key here; tests that are about Argon2 restore it themselves.
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
