"""The benchmark script keeps working (a tiny run; the real figures are in bench/results)."""

import importlib.util
import sys
from pathlib import Path

import pytest

from contracts.billing import import_billing

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_the_import_benchmark_runs_on_a_tiny_export(tmp_path):
    spec = importlib.util.spec_from_file_location("import_bench", ROOT / "bench/import_bench.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    bench.prepare_database(10, migrate=False)
    counts = bench.write_export(tmp_path, 10, 200)
    first = import_billing(tmp_path)
    assert first.ok, first.errors
    assert first.stats["readings.csv"].created == counts["readings"]
    again = import_billing(tmp_path)
    assert all(s.created == s.updated == 0 for s in again.stats.values())


def _harness():
    spec = importlib.util.spec_from_file_location("harness", ROOT / "bench/harness.py")
    harness = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("harness", harness)  # dataclasses look their module up there
    spec.loader.exec_module(harness)
    return harness


def test_runs_taking_turns_add_up_to_one_result():
    harness = _harness()
    calm = harness.Result("page", 8, 150.0, 10.0, 10.0, 10.0, 0, 300, 2.0, [10.0] * 199)
    jolt = harness.Result("page", 8, 5.0, 500.0, 500.0, 500.0, 1, 10, 2.0, [500.0] * 199)
    both = harness.combined([calm, jolt])
    assert both.requests == 310 and both.seconds == 4.0 and both.errors == 1
    assert both.rps == 77.5  # over the whole time, not the mean of the two rates
    # Percentiles of all the requests together: 300 of 310 took 10 ms.
    assert (both.p50_ms, both.p95_ms) == (10.0, 10.0)
    assert both.p99_ms == 500.0
