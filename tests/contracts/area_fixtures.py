"""Fixtures of the subscriber-area tests: who is who around one payer.

* ``subscriber``: an account linked to ``payer`` (owner of ``contract``);
* ``second_subscriber``: another account linked to the same payer;
* ``outsider``: an account linked to another payer (and its ``other_contract``);
* ``staff_agent``: a Régie agent (staff), linked to no payer.
"""

import datetime
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile

from accounts.models import User
from contracts.models import (
    AccountPayerLink,
    Contract,
    Invoice,
    MeterReading,
    Payer,
    Payment,
    ReadingKind,
)

PASSWORD = "Motdepasse!9"
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def make_user(email: str, **extra) -> User:
    return User.objects.create_user(email, PASSWORD, **extra)


def make_contract(payer: Payer, number: str, key: str = "ABCD2345", **fields) -> Contract:
    contract = Contract(number=number, payer=payer, **fields)
    contract.set_key(key)
    contract.save()
    return contract


def link(user: User, payer: Payer) -> AccountPayerLink:
    return AccountPayerLink.objects.create(user=user, payer=payer)


@pytest.fixture
def subscriber(contract):
    user = make_user("abonne@example.fr")
    link(user, contract.payer)
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


def with_totp(user: User) -> User:
    """No admin page opens for staff without two-factor authentication."""
    TOTP.activate(user, generate_totp_secret())
    return user


def reauthenticate(client, user: User, password: str = PASSWORD):
    """Type the password again, as sensitive pages ask after 10 minutes (or force_login)."""
    EmailAddress.objects.get_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    response = client.post("/comptes/reauthenticate/", {"password": password})
    assert response.status_code == 302, response
    return response


@pytest.fixture
def subscriber_client(client, subscriber):
    client.force_login(subscriber)
    return client


def add_readings(contract: Contract, readings: list[tuple[str, str]], kind=ReadingKind.REAL):
    for date, index in readings:
        MeterReading.objects.create(
            contract=contract,
            date=datetime.date.fromisoformat(date),
            index=Decimal(index),
            kind=kind,
        )


def add_invoice(
    contract: Contract,
    number: str,
    issued: str,
    due: str,
    amount: str,
    still: str,
    pdf: bool = False,
    **fields,
) -> Invoice:
    invoice = Invoice(
        number=number,
        contract=contract,
        issue_date=datetime.date.fromisoformat(issued),
        due_date=datetime.date.fromisoformat(due),
        amount_incl_tax=Decimal(amount),
        amount_due=Decimal(still),
        **fields,
    )
    if pdf:
        invoice.pdf.save(f"{number}.pdf", ContentFile(PDF_BYTES), save=False)
    invoice.save()
    return invoice


def add_payment(
    contract: Contract, reference: str, date: str, amount: str, invoice=None, method: str = ""
) -> Payment:
    return Payment.objects.create(
        reference=reference,
        contract=contract,
        invoice=invoice,
        date=datetime.date.fromisoformat(date),
        amount=Decimal(amount),
        method=method,
    )


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
