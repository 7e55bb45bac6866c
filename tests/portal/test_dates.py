"""core.dates.today: the date in TIME_ZONE, as timezone.localdate() gives it."""

import datetime
import re
from pathlib import Path

import time_machine
from django.utils import timezone

from core.dates import today


def test_today_is_the_local_date_on_either_side_of_midnight_in_paris():
    # 22:59:59 UTC on 31 December is 23:59:59 in Paris; a second later it is the new year.
    before = datetime.datetime(2026, 12, 31, 22, 59, 59, tzinfo=datetime.UTC)
    for moment, expected in (
        (before, datetime.date(2026, 12, 31)),
        (before + datetime.timedelta(seconds=1), datetime.date(2027, 1, 1)),
    ):
        with time_machine.travel(moment, tick=False):
            assert today() == timezone.localdate() == expected


def test_no_code_of_the_portal_activates_a_time_zone():
    """today() reads the default zone: it is right only while nothing activates another."""
    root = Path(__file__).resolve().parents[2]
    found = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if not path.is_relative_to(root / ".venv")
        and not path.is_relative_to(root / "tests")
        and re.search(r"timezone\.(activate|override)\(|TimezoneMiddleware", path.read_text())
    ]
    assert found == []
