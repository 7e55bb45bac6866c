"""instalments.csv in the billing export: read by the same import, all-or-nothing."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from contracts.billing import import_billing
from contracts.models import Contract, Payer
from payments.models import Instalment
from tests.contracts.exports import write_export

pytestmark = pytest.mark.django_db

GOOD = (
    "contract_number;due_date;amount;state\n"
    "11301 11377 01;2026-03-10;42,00;debited\n"
    "11301.11377.01;10/04/2026;42.00;planned\n"
    "22201.00042.01;2026-04-10;15;rejected\n"
)


def test_the_schedule_arrives_with_the_export(tmp_path):
    report = import_billing(write_export(tmp_path / "export", **{"instalments.csv": GOOD}))
    assert report.ok, report.errors
    rows = list(Instalment.objects.order_by("contract__number", "due_date"))
    assert [(r.contract.number, r.due_date, r.amount, r.state) for r in rows] == [
        ("11301.11377.01", datetime.date(2026, 3, 10), Decimal("42.00"), "debited"),
        ("11301.11377.01", datetime.date(2026, 4, 10), Decimal("42.00"), "planned"),
        ("22201.00042.01", datetime.date(2026, 4, 10), Decimal("15.00"), "rejected"),
    ]
    assert Contract.objects.get(number="11301.11377.01").payment_method == "direct_debit"


def test_a_new_export_replaces_the_schedule_of_the_contracts_it_names(tmp_path):
    import_billing(write_export(tmp_path / "one", **{"instalments.csv": GOOD}))
    again = "contract_number;due_date;amount;state\n11301.11377.01;2026-05-10;43.00;planned\n"
    report = import_billing(write_export(tmp_path / "two", **{"instalments.csv": again}))
    assert report.ok
    assert list(
        Instalment.objects.filter(contract__number="11301.11377.01").values_list("due_date")
    ) == [(datetime.date(2026, 5, 10),)]
    assert Instalment.objects.filter(contract__number="22201.00042.01").count() == 1


def test_one_bad_line_and_nothing_of_the_export_is_written(tmp_path):
    bad = (
        "contract_number;due_date;amount;state\n"
        "11301.11377.01;2026-03-10;42,00;debited\n"
        "99999.99999.99;2026-03-10;42,00;planned\n"
        "11301.11377.01;2026-02-30;abc;paid\n"
        "11301.11377.01;2026-03-10;42,00;planned\n"
    )
    directory = write_export(tmp_path / "export", **{"instalments.csv": bad})
    with pytest.raises(CommandError):
        call_command(
            "import_billing", str(directory), stdout=StringIO(), stderr=(err := StringIO())
        )
    errors = err.getvalue()
    assert "instalments.csv:3: contract_number: contrat inconnu" in errors
    assert "instalments.csv:4: due_date:" in errors
    assert "instalments.csv:4: amount:" in errors
    assert "instalments.csv:4: state:" in errors
    assert "instalments.csv:5: due_date: même contrat et même date qu’à la ligne 2" in errors
    assert not Instalment.objects.exists()
    assert not Payer.objects.exists()  # the whole export rolled back


def test_a_missing_column_is_reported(tmp_path):
    directory = write_export(
        tmp_path / "export", **{"instalments.csv": "contract_number;amount\n11301.11377.01;1\n"}
    )
    report = import_billing(directory)
    assert not report.ok
    assert {(e.file, e.line, e.column) for e in report.errors} == {
        ("instalments.csv", 1, "due_date"),
        ("instalments.csv", 1, "state"),
    }


def test_a_dry_run_writes_nothing(tmp_path):
    report = import_billing(
        write_export(tmp_path / "export", **{"instalments.csv": GOOD}), dry_run=True
    )
    assert report.ok
    assert not Instalment.objects.exists()


def test_the_admin_upload_accepts_and_finds_instalments_csv(tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from contracts.billing.upload import extract_upload, found_files

    extract_upload([SimpleUploadedFile("instalments.csv", GOOD.encode())], tmp_path)
    assert found_files(tmp_path) == ["instalments.csv"]
