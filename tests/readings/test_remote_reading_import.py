"""contracts.csv's optional remote_reading column: read when present, the stored value
kept when an older export does not have it, anything but 0 or 1 refused."""

import pytest

from contracts.billing.run import import_billing
from contracts.models import Contract
from tests.contracts.exports import GOOD, write_export

pytestmark = pytest.mark.django_db

HEADER = GOOD["contracts.csv"].split("\n", 1)[0]
ROWS = GOOD["contracts.csv"].split("\n")[1:3]


def with_column(first: str, second: str) -> str:
    return "\n".join(
        [HEADER + ";remote_reading", ROWS[0] + f";{first}", ROWS[1] + f";{second}", ""]
    )


def test_the_column_says_which_meters_are_read_remotely(tmp_path):
    report = import_billing(write_export(tmp_path / "a", contracts_csv=with_column("1", "0")))
    assert report.ok, report.errors
    flags = dict(Contract.objects.values_list("number", "remote_reading"))
    assert flags == {"11301.11377.01": True, "22201.00042.01": False}


def test_an_export_without_the_column_keeps_the_stored_flag(tmp_path):
    import_billing(write_export(tmp_path / "a", contracts_csv=with_column("1", "")))
    report = import_billing(write_export(tmp_path / "b"))  # the old columns only
    assert report.ok, report.errors
    assert Contract.objects.get(number="11301.11377.01").remote_reading is True
    assert Contract.objects.get(number="22201.00042.01").remote_reading is False


def test_a_value_other_than_0_or_1_is_refused(tmp_path):
    report = import_billing(write_export(tmp_path / "a", contracts_csv=with_column("oui", "0")))
    assert not report.ok
    first = report.errors[0]
    assert (first.file, first.line, first.column) == ("contracts.csv", 2, "remote_reading")
    assert "oui" in first.reason
    assert not Contract.objects.exists()
