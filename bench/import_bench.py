"""Benchmark of the billing import (not a test): rows per second into the configured database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wt_contracts_bench DJANGO_SECRET_KEY=x \\
        .venv/bin/python bench/import_bench.py --contracts 20000 --rows 1000000

It empties the contracts tables of that database (refuses SQLite under var/ and any database
whose name lacks "bench"), writes an export to a temporary folder, imports it, then imports
it again (nothing changes: the cheap path). Payers and contracts are created beforehand with
one shared key hash: hashing 20,000 keys with Argon2 (~0.3 s each here) would take ~100 min
and measures Argon2, not the import; payers.csv and contracts.csv are still imported (with
empty keys, the "keep the key" path). The key-hashing cost is reported separately.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from contracts.billing import import_billing  # noqa: E402
from contracts.models import (  # noqa: E402
    Contract,
    Invoice,
    MeterReading,
    Payer,
    Payment,
    hash_key,
)


def number(i: int) -> str:
    return f"{10000 + i // 100:05d}.{20000 + i:05d}.{i % 100:02d}"


def write_export(folder: Path, contracts: int, rows: int) -> dict[str, int]:
    """~60 % readings, ~25 % invoices, ~15 % payments, grouped by contract like a real export."""
    rng = random.Random(42)
    per_contract = max(1, rows // contracts)
    readings_n = max(1, round(per_contract * 0.6))
    invoices_n = max(1, round(per_contract * 0.25))
    payments_n = max(0, per_contract - readings_n - invoices_n)
    counts = dict.fromkeys(("payers", "contracts", "readings", "invoices", "payments"), 0)
    start = datetime.date(2000, 1, 15)
    with (
        (folder / "payers.csv").open("w", encoding="utf-8") as payers,
        (folder / "contracts.csv").open("w", encoding="utf-8") as contracts_f,
        (folder / "readings.csv").open("w", encoding="utf-8") as readings,
        (folder / "invoices.csv").open("w", encoding="utf-8") as invoices,
        (folder / "payments.csv").open("w", encoding="utf-8") as payments,
    ):
        payers.write("payer_ref;name;email;phone;address\n")
        contracts_f.write(
            "contract_number;payer_ref;key;status;start_date;service_address;postcode;city;"
            "meter_number;usage;payment_method;paperless\n"
        )
        readings.write("contract_number;date;index_m3;kind\n")
        invoices.write(
            "invoice_number;contract_number;issue_date;due_date;period_start;period_end;"
            "volume_m3;amount_excl_tax;amount_incl_tax;amount_due\n"
        )
        payments.write("payment_ref;contract_number;invoice_number;date;amount;method\n")
        for c in range(contracts):
            ref = f"B{c // 2:07d}"
            num = number(c)
            if c % 2 == 0:
                payers.write(f"{ref};Abonné {c // 2};a{c}@example.fr;0442000000;1 rue X\n")
                counts["payers"] += 1
            contracts_f.write(
                f"{num};{ref};;active;2000-01-01;{c} avenue Y;13100;Aix-en-Provence;"
                f"M{c:08d};Domestique;direct_debit;{c % 2}\n"
            )
            counts["contracts"] += 1
            index = 0
            for r in range(readings_n):
                index += rng.randint(10, 90)
                day = start + datetime.timedelta(days=30 * r)
                kind = ("real", "estimated", "self", "remote")[r % 4]
                readings.write(f"{num};{day:%d/%m/%Y};{index},{r % 1000:03d};{kind}\n")
            counts["readings"] += readings_n
            for i in range(invoices_n):
                issue = start + datetime.timedelta(days=60 * i + 10)
                due = issue + datetime.timedelta(days=30)
                amount = rng.randint(2000, 40000) / 100
                invoices.write(
                    f"F{c:07d}-{i:04d};{num};{issue:%Y-%m-%d};{due:%Y-%m-%d};;;"
                    f"{rng.randint(5, 90)}.5;{amount * 0.9:.2f};{amount:.2f};0\n"
                )
            counts["invoices"] += invoices_n
            for p in range(payments_n):
                inv = f"F{c:07d}-{p % invoices_n:04d}" if p < invoices_n else ""
                day = start + datetime.timedelta(days=60 * p + 25)
                payments.write(
                    f"R{c:07d}-{p:04d};{num};{inv};{day:%Y-%m-%d};{rng.randint(1, 400)},50;card\n"
                )
            counts["payments"] += payments_n
    return counts


def prepare_database(contracts: int, *, migrate: bool = True) -> None:
    if migrate:
        call_command("migrate", verbosity=0)
    for model in (Payment, Invoice, MeterReading, Contract, Payer):
        model.objects.all()._raw_delete(model.objects.db)
    shared = hash_key("BENCHKEY")
    Payer.objects.bulk_create(
        Payer(
            reference=f"B{p:07d}",
            name=f"Abonné {p}",
            email=f"a{p * 2}@example.fr",
            phone="0442000000",
            address="1 rue X",
        )
        for p in range((contracts + 1) // 2)
    )
    payer_ids = dict(Payer.objects.values_list("reference", "id"))
    Contract.objects.bulk_create(
        (
            Contract(
                number=number(c),
                payer_id=payer_ids[f"B{c // 2:07d}"],
                key_hash=shared,
                start_date=datetime.date(2000, 1, 1),
                street=f"{c} avenue Y",
                postcode="13100",
                city="Aix-en-Provence",
                meter_number=f"M{c:08d}",
                usage="Domestique",
                payment_method="direct_debit",
                paperless=bool(c % 2),
            )
            for c in range(contracts)
        ),
        batch_size=5000,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contracts", type=int, default=20_000)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    name = str(settings.DATABASES["default"]["NAME"])
    if "bench" not in name:
        sys.exit(f"refusing to empty {name!r}: use a database whose name contains 'bench'")

    t = time.monotonic()
    for _ in range(3):
        hash_key("ABCD2345")
    key_seconds = (time.monotonic() - t) / 3

    prepare_database(args.contracts)
    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        folder = Path(tmp)
        counts = write_export(folder, args.contracts, args.rows)
        total = sum(counts.values())
        print(f"database: {connection.vendor} {name}; rows: {counts} (total {total})")

        def progress(file: str, rows: int, rate: float) -> None:
            print(f"  {file}: {rows} rows ({int(rate)} rows/s)", flush=True)

        for label in ("first import", "re-import (unchanged)"):
            load = os.getloadavg()[0]
            cpu = time.process_time()
            report = import_billing(folder, progress=progress)
            cpu = time.process_time() - cpu
            assert report.ok, [str(e) for e in report.errors[:10]]
            print(
                f"{label}: {report.rows} rows in {report.seconds:.1f} s = "
                f"{report.rows / report.seconds:,.0f} rows/s "
                f"(load average before: {load:.1f} on {os.cpu_count()} CPUs; "
                f"Python process CPU {cpu:.1f} s)"
            )
            for line in report.summary_lines()[:-1]:
                print("   ", line)
            print("    phases:", ", ".join(f"{k} {v:.1f} s" for k, v in report.timings.items()))
    print(
        f"key hashing (Argon2, settings.PASSWORD_HASHERS[0]): {key_seconds * 1000:.0f} ms "
        f"per new or changed key"
    )


if __name__ == "__main__":
    main()
