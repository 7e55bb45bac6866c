"""Yearly consumption figures and the chart geometry, against hand-computed values."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from contracts.stats import year_on_year, yearly_totals
from contracts.templatetags.fr_format import euros, m3, signed_m3, signed_percent
from tests.builders import add_readings
from tests.helpers import html

NBSP = "\xa0"


def test_a_single_reading_gives_no_yearly_total(contract):
    add_readings(contract, [("2020-03-01", "100")])
    assert yearly_totals(contract) == []
    assert year_on_year(contract) is None


def test_a_year_without_readings_is_skipped_and_not_compared(contract):
    add_readings(contract, [("2020-01-01", "100"), ("2022-06-01", "200"), ("2023-06-01", "250")])
    totals = yearly_totals(contract)
    assert [(t.year, t.volume, t.days, t.previous) for t in totals] == [
        (2022, Decimal("100"), (datetime.date(2022, 6, 1) - datetime.date(2020, 1, 1)).days, None),
        (2023, Decimal("50"), 365, Decimal("100")),
    ]
    assert totals[1].change == Decimal("-50") and totals[1].change_percent == -50
    assert totals[1].per_day_litres == 137  # 50 000 l / 365 days


def test_several_readings_in_a_year_add_up(contract):
    add_readings(
        contract,
        [("2023-12-01", "10"), ("2024-03-01", "20"), ("2024-06-01", "25.5"), ("2024-12-01", "40")],
    )
    # 2023 holds only the first reading: nothing measured yet. 2024: 40 − 10 over
    # 01/12/2023 → 01/12/2024 (a leap year).
    (y2024,) = yearly_totals(contract)
    assert (y2024.year, y2024.volume, y2024.readings, y2024.days) == (
        2024,
        Decimal("30"),
        3,
        366,
    )


def test_the_chart_sets_each_reading_beside_the_same_month_a_year_before(contract):
    add_readings(
        contract,
        [
            ("2024-12-01", "0"),
            ("2025-01-10", "20"),
            ("2025-07-10", "50"),
            ("2026-01-12", "90"),
            ("2026-03-01", "95"),
        ],
    )
    chart = year_on_year(contract)
    assert (chart.this_year, chart.last_year) == (2026, 2025)
    rows = [(p.month, p.this.value, p.last.value, p.change) for p in chart.periods]
    assert rows == [
        (1, Decimal("40"), Decimal("20"), Decimal("20")),
        (3, Decimal("5"), None, None),
        (7, None, Decimal("30"), None),
    ]
    # The scale ends at a round 40 m³: the largest bar takes the whole span, 20 m³ half.
    assert [value for _, value in chart.ticks] == [0, 20, 40]
    january = chart.periods[0]
    assert float(january.this.width.rstrip("%")) == 2 * float(january.last.width.rstrip("%"))
    assert chart.periods[2].this.width == "0.0%"


def test_no_chart_without_consumption_in_the_latest_year(contract):
    add_readings(contract, [("2026-02-01", "10")])
    assert year_on_year(contract) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("1234.5"), f"1{NBSP}234,50{NBSP}€"),
        (Decimal("0"), f"0,00{NBSP}€"),
        (None, "—"),
    ],
)
def test_money_is_shown_the_french_way(value, expected):
    assert euros(value) == expected


def test_volumes_and_changes_are_shown_the_french_way():
    assert m3(Decimal("1200.000")) == f"1{NBSP}200{NBSP}m³"
    assert m3(Decimal("160.500")) == f"160,5{NBSP}m³"
    assert signed_m3(Decimal("-3.5")) == f"−3,5{NBSP}m³"
    assert signed_m3(Decimal("12")) == f"+12{NBSP}m³"
    assert signed_percent(-32) == f"−32{NBSP}%"


def test_the_dashboard_of_a_contract_without_recent_readings(
    subscriber_client, subscriber, contract
):
    add_readings(contract, [("2019-01-10", "100"), ("2020-01-10", "150")])
    with time_machine.travel(datetime.datetime(2026, 11, 26, 12, tzinfo=datetime.UTC)):
        # A login at that date (an earlier one could have ended on the idle timeout).
        subscriber_client.force_login(subscriber)
        body = html(subscriber_client.get(reverse("contracts:dashboard", args=[contract.number])))
    assert f"150{NBSP}m³" in body and "Relevé réel du 10/01/2020" in body
    assert "Aucun relevé au cours des 12 derniers mois." in body


def test_my_contracts_takes_a_bounded_number_of_queries(
    subscriber_client, contract, django_assert_max_num_queries
):
    from tests.builders import make_contract

    for n in range(2, 30):
        make_contract(contract.payer, f"11301.11377.{n:02d}")
    with django_assert_max_num_queries(5):
        assert subscriber_client.get(reverse("contracts:my_contracts")).status_code == 200


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (1, "1 ko"),
        (45_000, "45 ko"),
        (45_001, "46 ko"),
        (999_999, "1 Mo"),
        (1_234_567, "1,3 Mo"),
    ],
)
def test_file_sizes_are_written_the_french_way(size, text):
    from contracts.templatetags.fr_format import file_size

    assert file_size(size) == text.replace(" ", NBSP)
