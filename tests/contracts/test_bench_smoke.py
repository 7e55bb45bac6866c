"""The benchmark script keeps working (a tiny run; the real figures are in bench/results)."""

import importlib.util
from pathlib import Path

import pytest

from contracts.importer import import_billing

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
