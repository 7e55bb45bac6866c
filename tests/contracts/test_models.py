import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contracts.models import (
    KEY_ALPHABET,
    Contract,
    DocumentKind,
    Invoice,
    InvoiceStatus,
    MeterReading,
    Payer,
    ServiceDocument,
    generate_key,
    normalize_contract_number,
    validate_contract_number,
)


@pytest.mark.parametrize(
    "raw",
    [
        "11301.11377.01",
        "113011137701",
        "11301 11377 01",
        " 11301-11377-01 ",
        "11301/11377/01",
        "11301_11377.01",
        "11301. 11377 .01",
    ],
)
def test_it_normalises_every_accepted_form_of_a_contract_number(raw):
    assert normalize_contract_number(raw) == "11301.11377.01"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "1130111377",
        "1130111377012",
        "11301.11377.1",
        "113.0111377.01",
        "A1301.11377.01",
        "11301,11377,01x",
        "11301.11377.01.02",
        "١١٣٠١١١٣٧٧٠١",
    ],
)
def test_it_rejects_anything_else_as_a_contract_number(raw):
    with pytest.raises(ValueError):
        normalize_contract_number(raw)


def test_the_model_only_accepts_canonical_numbers():
    validate_contract_number("11301.11377.01")
    with pytest.raises(ValidationError):
        validate_contract_number("113011137701")


def test_the_key_is_stored_only_as_a_salted_hash(contract):
    stored = Contract.objects.values_list("key_hash", flat=True).get(pk=contract.pk)
    assert "ABCD2345" not in stored
    other = Contract(number="11301.11377.02", payer=contract.payer)
    other.set_key("ABCD2345")
    assert other.key_hash != stored  # salted


def test_check_key_trims_and_ignores_case(contract):
    assert contract.check_key("ABCD2345")
    assert contract.check_key("  abcd2345 \n")
    assert contract.check_key("ABCD 2345")
    assert not contract.check_key("ABCD2346")
    assert not contract.check_key("")


def test_a_contract_without_a_key_accepts_none(payer):
    contract = Contract.objects.create(number="11301.11377.03", payer=payer)
    assert not contract.has_key
    assert not contract.check_key("")
    assert not contract.check_key("anything")


def test_keys_are_hashed_with_argon2_by_default(payer, settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    contract = Contract(number="11301.11377.04", payer=payer)
    contract.set_key("XK7PQ3MA")
    assert contract.key_hash.startswith("argon2$")
    assert contract.check_key("xk7pq3ma")


def test_generated_keys_use_the_unambiguous_alphabet():
    keys = {generate_key() for _ in range(50)}
    assert len(keys) == 50
    for key in keys:
        assert len(key) == 8 and set(key) <= set(KEY_ALPHABET)
    assert not set("0O1IL") & set(KEY_ALPHABET)


def test_contracts_of_payers(contract):
    other = Payer.objects.create(reference="P0002", name="Jean Martin")
    Contract.objects.create(number="22222.33333.01", payer=other)
    assert list(Contract.objects.for_payers([contract.payer])) == [contract]
    assert list(Contract.objects.for_payers([contract.payer_id])) == [contract]
    assert list(Contract.objects.for_payers(Payer.objects.filter(reference="P0001"))) == [contract]
    assert list(Contract.objects.by_number("11301 11377 01")) == [contract]
    assert not Contract.objects.by_number("nonsense").exists()


def test_the_service_address_reads_as_one_line(contract):
    assert contract.service_address == "12 cours Mirabeau, 13100 Aix-en-Provence"


def test_consumption_is_derived_in_one_query(history):
    with CaptureQueriesContext(connection) as queries:
        readings = list(
            MeterReading.objects.filter(contract=history).with_consumption().order_by("date")
        )
    assert len(queries) == 1
    assert [r.consumption for r in readings] == [None, Decimal("60.5"), Decimal("39.5")]


@pytest.mark.parametrize(
    ("due", "today", "expected", "label"),
    [
        ("0.00", datetime.date(2024, 3, 1), InvoiceStatus.PAID, "Payée"),
        ("10.00", datetime.date(2024, 2, 20), InvoiceStatus.TO_PAY, "À payer"),
        ("10.00", datetime.date(2024, 2, 21), InvoiceStatus.OVERDUE, "En retard"),
    ],
)
def test_invoice_status_is_derived_from_amount_due_and_due_date(
    contract, due, today, expected, label
):
    invoice = Invoice.objects.create(
        number="F1",
        contract=contract,
        issue_date=datetime.date(2024, 1, 20),
        due_date=datetime.date(2024, 2, 20),
        amount_incl_tax=Decimal("10.00"),
        amount_due=Decimal(due),
    )
    assert invoice.status_on(today) == expected
    annotated = Invoice.objects.with_status(today=today).get(pk=invoice.pk)
    assert annotated.status == expected
    assert str(expected.label) == label


def test_the_document_in_force_is_the_latest_that_applies(db):
    for year in (2020, 2024):
        ServiceDocument.objects.create(
            title=f"Règlement {year}", applies_from=datetime.date(year, 1, 1), pdf="documents/x.pdf"
        )
    ServiceDocument.objects.create(
        kind=DocumentKind.TARIFFS,
        title="Tarifs",
        applies_from=datetime.date(2025, 1, 1),
        pdf="documents/t.pdf",
    )
    assert ServiceDocument.objects.in_force(on=datetime.date(2023, 6, 1)).title == "Règlement 2020"
    assert ServiceDocument.objects.in_force(on=datetime.date(2025, 6, 1)).title == "Règlement 2024"
    assert ServiceDocument.objects.in_force(on=datetime.date(2019, 6, 1)) is None
    assert (
        ServiceDocument.objects.in_force(
            on=datetime.date(2025, 6, 1), kind=DocumentKind.TARIFFS
        ).title
        == "Tarifs"
    )


def test_the_regie_agent_group_exists_with_billing_permissions(db):
    from django.contrib.auth.models import Group

    codenames = set(
        Group.objects.get(name="Régie agent").permissions.values_list("codename", flat=True)
    )
    assert {"view_contract", "set_contract_key", "import_billing", "view_invoice"} <= codenames
    assert "delete_contract" not in codenames
