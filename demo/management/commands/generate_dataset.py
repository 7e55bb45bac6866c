"""Fill the database with a synthetic billing history at the Régie's scale (benchmarks).

    manage.py generate_dataset                       # 150,000 payers, 180,000 contracts, 10 years
    manage.py generate_dataset --payers 800 --contracts 1000 --years 10 --accounts 200

Contracts are spread over the Pays d'Aix communes, with half-yearly meter readings, an
invoice per reading, a payment for every paid invoice (the last one is often still due), a
share of payers holding several contracts and subscriber accounts (activated, linked to a
payer) for a share of the payers. The same seed gives the same data.

Streamed in batches of contracts: COPY on PostgreSQL (psycopg 3), multi-row INSERT
elsewhere; memory stays flat whatever the size. The contracts and account tables must be
empty (``--reset`` empties them first: never on a database that matters).

Secrets are deliberately cheap here, and only here:
- every account gets the same password (``--password``), hashed once with the portal's
  hasher and the hash reused: Argon2 for 30,000 accounts one by one would take ~20 min and
  measure Argon2, not the portal;
- contracts get no key (linking is done directly with AccountPayerLink rows), so there is
  no key to guess and no 180,000 Argon2 hashes to compute;
- every invoice points to the same small PDF, written once under the private storage.
"""

from __future__ import annotations

import datetime
import random
import time
from decimal import Decimal
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from contracts import fragments
from contracts.models import (
    AccountPayerLink,
    Contract,
    Invoice,
    LinkAttempt,
    MeterReading,
    Payer,
    Payment,
)
from demo.pdf import document_pdf
from demo.rules import half_years, invoice_amounts, invoice_dates
from demo.writer import TableWriter

DEFAULT_PASSWORD = "Robinet!Bench7"  # noqa: S105 - synthetic accounts only, documented
EMAIL_PATTERN = "abonne{:07d}@bench.example.org"
PDF_NAME = "invoices/dataset/facture-exemple.pdf"

# (postcode, commune, weight ~ population) in the Pays d'Aix.
COMMUNES = [
    ("13100", "Aix-en-Provence", 30),
    ("13090", "Aix-en-Provence", 12),
    ("13080", "Aix-en-Provence", 4),
    ("13120", "Gardanne", 6),
    ("13770", "Venelles", 3),
    ("13590", "Meyreuil", 2),
    ("84120", "Pertuis", 5),
    ("13320", "Bouc-Bel-Air", 3),
    ("13122", "Ventabren", 1),
    ("13480", "Cabriès", 2),
    ("13540", "Puyricard", 2),
    ("13410", "Lambesc", 2),
    ("13610", "Le Puy-Sainte-Réparade", 1),
    ("13880", "Velaux", 2),
    ("13510", "Éguilles", 2),
    ("13850", "Gréasque", 1),
    ("13530", "Trets", 2),
    ("13790", "Rousset", 1),
    ("13100", "Le Tholonet", 1),
    ("13450", "Grans", 1),
]
STREETS = [
    "cours Mirabeau", "rue Espariat", "avenue des Belges", "boulevard Carnot",
    "chemin de la Colline", "route de Gardanne", "rue Voltaire", "avenue Jean Jaurès",
    "impasse des Oliviers", "allée des Pins", "rue de la République", "place de la Mairie",
    "chemin des Vignes", "avenue de la Gare", "rue Frédéric Mistral", "traverse des Lavandes",
]  # fmt: skip
FIRST = [
    "Marie", "Jean", "Nathalie", "Pierre", "Sophie", "Michel", "Isabelle", "Philippe",
    "Catherine", "Alain", "Sylvie", "Patrick", "Christine", "Nicolas", "Julie", "Karim",
    "Fatima", "Thomas", "Camille", "Lucas",
]  # fmt: skip
LAST = [
    "Martin", "Bernard", "Dubois", "Durand", "Lefebvre", "Moreau", "Laurent", "Simon",
    "Michel", "Garcia", "Roux", "Fournier", "Girard", "Bonnet", "Mercier", "Blanc",
    "Guerin", "Muller", "Henry", "Rossi",
]  # fmt: skip
USAGES = ["Domestique"] * 8 + ["Résidence secondaire", "Professionnel"]
METHODS = ["direct_debit"] * 4 + ["monthly_plan"] * 3 + ["card", "transfer", "cheque"]
KINDS = ["real", "real", "real", "estimated", "self", "remote"]


def contract_number(i: int, postcode: str) -> str:
    """Unique for i < 10⁷ whatever the postcode: NNNNN (commune).NNNNN.NN."""
    return f"{postcode}.{i // 100:05d}.{i % 100:02d}"


class Command(BaseCommand):
    help = "Fill the database with synthetic payers, contracts, history and accounts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--payers", type=int, default=150_000)
        parser.add_argument("--contracts", type=int, default=180_000)
        parser.add_argument("--years", type=int, default=10)
        parser.add_argument(
            "--accounts",
            type=int,
            default=None,
            help="Subscriber accounts, each linked to one payer (default: a fifth of payers).",
        )
        parser.add_argument("--password", default=DEFAULT_PASSWORD)
        parser.add_argument("--batch", type=int, default=2000, help="Contracts per batch.")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument(
            "--reset", action="store_true", help="Empty the contracts and account tables first."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        payers, contracts, years = options["payers"], options["contracts"], options["years"]
        accounts = options["accounts"]
        if accounts is None:
            accounts = payers // 5
        if payers < 1 or contracts < payers or years < 1 or not 0 <= accounts <= payers:
            raise CommandError(
                "Expected 1 <= payers <= contracts, years >= 1 and 0 <= accounts <= payers."
            )
        if options["reset"]:
            self._reset()
        if Payer.objects.exists() or User.objects.exists():
            raise CommandError("The database already holds payers or accounts: use --reset.")
        self.rng = random.Random(options["seed"])  # noqa: S311 - synthetic data
        self.today = timezone.localdate()
        self.started = time.monotonic()
        self._pdf()
        with transaction.atomic():
            self._skip_foreign_key_triggers()
            self._payers(payers)
            rebuild = self._drop_secondary_indexes()
            self._contracts_and_history(payers, contracts, years, options["batch"])
            self._rebuild_indexes(rebuild)
            self._accounts(accounts, payers, options["password"])
        # Written with COPY, which sends no signals: retire the contract pages kept.
        fragments.data_changed()
        self._finish()
        self.stdout.write(
            f"Done in {time.monotonic() - self.started:.0f} s: {payers} payers, "
            f"{contracts} contracts, {self.counts['readings']} readings, "
            f"{self.counts['invoices']} invoices, {self.counts['payments']} payments, "
            f"{accounts} accounts (password: the --password value)."
        )

    # --- Steps --------------------------------------------------------------------------

    def _reset(self) -> None:
        models = [
            Payment, Invoice, MeterReading, AccountPayerLink, LinkAttempt, Contract, Payer,
            EmailAddress, User,
        ]  # fmt: skip
        if connection.vendor == "postgresql":
            tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
            with connection.cursor() as cursor:
                cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        else:
            for model in models:
                model.objects.all().delete()

    def _skip_foreign_key_triggers(self) -> None:
        """Rows are consistent by construction: skip PostgreSQL's per-row foreign-key
        triggers for this transaction (about half the load time). Needs a superuser;
        without one the checks simply run."""
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            if cursor.fetchone()[0]:
                cursor.execute("SET LOCAL session_replication_role = replica")

    def _drop_secondary_indexes(self) -> list[str]:
        """On PostgreSQL, drop the history tables' secondary indexes and unique constraints
        (not primary nor foreign keys) and return the statements that rebuild them: one
        sorted build per index after the load is several times cheaper than keeping each
        index up to date row by row. All in the command's transaction."""
        if connection.vendor != "postgresql":
            return []
        tables = [m._meta.db_table for m in (Contract, MeterReading, Invoice, Payment)]
        rebuild: list[str] = []
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                "FROM pg_constraint WHERE contype = 'u' AND conrelid::regclass::text = ANY(%s)",
                [tables],
            )
            for table, name, definition in cursor.fetchall():
                cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
                rebuild.append(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
            cursor.execute(
                "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) "
                "FROM pg_index i WHERE i.indrelid::regclass::text = ANY(%s) "
                "AND NOT i.indisprimary AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
                [tables],
            )
            for name, definition in cursor.fetchall():
                cursor.execute(f"DROP INDEX {name}")
                rebuild.append(definition)
        return rebuild

    def _rebuild_indexes(self, statements: list[str]) -> None:
        if not statements:
            return
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for statement in statements:
                cursor.execute(statement)
        self._progress(f"indexes rebuilt ({len(statements)})", 1, 1)

    def _pdf(self) -> None:
        if not default_storage.exists(PDF_NAME):
            content = document_pdf(
                "Facture (exemple)", "-", ["Facture d'exemple du jeu de données de test."]
            )
            default_storage.save(PDF_NAME, ContentFile(content))

    def _progress(self, label: str, done: int, total: int) -> None:
        elapsed = time.monotonic() - self.started
        self.stdout.write(f"  {label}: {done}/{total} ({elapsed:.0f} s)")
        self.stdout.flush()

    def _payers(self, count: int) -> None:
        writer = TableWriter(
            Payer._meta.db_table, ["id", "reference", "name", "email", "phone", "address"]
        )
        rng = self.rng
        for pid in range(1, count + 1):
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            if pid % 97 == 0:
                name = f"SCI {rng.choice(LAST)} {pid}"
            postcode, city, _ = rng.choice(COMMUNES)
            writer.add(
                (
                    pid,
                    f"P{pid:08d}",
                    name,
                    "",
                    "",
                    f"{rng.randint(1, 120)} {rng.choice(STREETS)} {postcode} {city}",
                )
            )
            if len(writer.rows) >= 20_000:
                writer.flush()
        writer.flush()
        self._progress("payers", count, count)

    def _contracts_and_history(self, payers: int, contracts: int, years: int, batch: int) -> None:
        rng = self.rng
        weights = [w for *_, w in COMMUNES]
        contract_w = TableWriter(
            Contract._meta.db_table,
            ["id", "number", "payer_id", "key_hash", "status", "start_date", "end_date",
             "street", "postcode", "city", "meter_number", "usage", "payment_method",
             "paperless", "remote_reading"],
        )  # fmt: skip
        reading_w = TableWriter(
            MeterReading._meta.db_table, ["id", "contract_id", "date", "index", "kind"]
        )
        invoice_w = TableWriter(
            Invoice._meta.db_table,
            ["id", "number", "contract_id", "issue_date", "due_date", "period_start",
             "period_end", "volume_m3", "amount_excl_tax", "amount_incl_tax", "amount_due",
             "pdf"],
        )  # fmt: skip
        payment_w = TableWriter(
            Payment._meta.db_table,
            ["id", "reference", "contract_id", "invoice_id", "date", "amount", "method"],
        )
        dates = half_years(self.today, years)
        ids = {"reading": 0, "invoice": 0, "payment": 0}
        self.counts = {"readings": 0, "invoices": 0, "payments": 0}
        for cid in range(1, contracts + 1):
            # The first `payers` contracts give every payer one; the others go to payers
            # who then hold several (a landlord, a family with a second home).
            payer_id = cid if cid <= payers else rng.randint(1, payers)
            postcode, city, _ = rng.choices(COMMUNES, weights)[0]
            # Contracts started over the last decades; some ended.
            start = dates[0] - datetime.timedelta(days=rng.randint(0, 3650))
            terminated = rng.random() < 0.04
            end = dates[-1] - datetime.timedelta(days=rng.randint(1, 170)) if terminated else None
            method = rng.choice(METHODS)
            contract_w.add(
                (cid, contract_number(cid, postcode), payer_id, "",
                 "terminated" if terminated else "active", start, end,
                 f"{rng.randint(1, 150)} {rng.choice(STREETS)}", postcode, city,
                 f"M{cid:09d}", rng.choice(USAGES), method, rng.random() < 0.4,
                 cid % 5 == 0)  # a meter in five read remotely
            )  # fmt: skip
            self._history(cid, dates, end, method, ids, reading_w, invoice_w, payment_w)
            if cid % batch == 0 or cid == contracts:
                contract_w.flush()
                self.counts["readings"] += reading_w.flush()
                self.counts["invoices"] += invoice_w.flush()
                self.counts["payments"] += payment_w.flush()
                if cid % (batch * 10) == 0 or cid == contracts:
                    self._progress("contracts with history", cid, contracts)

    def _history(
        self,
        cid: int,
        dates: list[datetime.date],
        end: datetime.date | None,
        method: str,
        ids: dict[str, int],
        reading_w: TableWriter,
        invoice_w: TableWriter,
        payment_w: TableWriter,
    ) -> None:
        rng = self.rng
        half_year = rng.choice((12, 20, 30, 40, 45, 50, 60, 80, 120))
        index = Decimal(rng.randint(0, 4000))
        previous: datetime.date | None = None
        last = len(dates) - 1
        for n, date in enumerate(dates):
            if end is not None and date > end:
                break
            if previous is not None:
                volume = Decimal(max(0, round(half_year * rng.uniform(0.6, 1.4))))
                index += volume
            ids["reading"] += 1
            reading_w.add((ids["reading"], cid, date, index, rng.choice(KINDS)))
            if previous is None:
                previous = date
                continue
            ids["invoice"] += 1
            excl, incl = invoice_amounts(volume)
            issue, due = invoice_dates(date)
            # The latest invoice is still due for a third of contracts, overdue or not.
            unpaid = n == last and rng.random() < 0.33
            invoice_w.add(
                (ids["invoice"], f"F{ids['invoice']:010d}", cid, issue, due, previous, date,
                 volume, excl, incl, incl if unpaid else Decimal("0.00"), PDF_NAME)
            )  # fmt: skip
            if not unpaid:
                ids["payment"] += 1
                paid_on = min(due, self.today)
                payment_w.add(
                    (ids["payment"], f"R{ids['payment']:010d}", cid, ids["invoice"], paid_on,
                     incl, method)
                )  # fmt: skip
            previous = date

    def _accounts(self, count: int, payers: int, password: str) -> None:
        if not count:
            return
        # One hash for every account (see the module docstring).
        encoded = make_password(password)
        joined = timezone.now()
        user_w = TableWriter(
            User._meta.db_table,
            ["id", "password", "last_login", "is_superuser", "email", "is_staff", "is_active",
             "date_joined", "last_contract_number"],
        )  # fmt: skip
        email_w = TableWriter(
            EmailAddress._meta.db_table, ["id", "user_id", "email", "verified", "primary"]
        )
        link_w = TableWriter(
            AccountPayerLink._meta.db_table, ["id", "user_id", "payer_id", "created_at"]
        )
        step = payers / count
        for uid in range(1, count + 1):
            email = EMAIL_PATTERN.format(uid)
            user_w.add((uid, encoded, None, False, email, False, True, joined, ""))
            email_w.add((uid, uid, email, True, True))
            link_w.add((uid, uid, int((uid - 1) * step) + 1, joined))
            if uid % 20_000 == 0:
                self._flush(user_w, email_w, link_w)
        self._flush(user_w, email_w, link_w)
        self._progress("accounts", count, count)

    @staticmethod
    def _flush(*writers: TableWriter) -> None:
        for writer in writers:
            writer.flush()

    def _finish(self) -> None:
        """Sequences past the explicit ids; fresh planner statistics."""
        if connection.vendor != "postgresql":
            return
        models = [Payer, Contract, MeterReading, Invoice, Payment, User, EmailAddress,
                  AccountPayerLink]  # fmt: skip
        with connection.cursor() as cursor:
            for model in models:
                table = model._meta.db_table
                quoted = connection.ops.quote_name(table)
                sql = f"SELECT setval(pg_get_serial_sequence(%s, 'id'), COALESCE((SELECT MAX(id) FROM {quoted}), 0) + 1, false)"  # noqa: S608, E501
                cursor.execute(sql, [table])
            cursor.execute("ANALYZE")
        self._progress("sequences and statistics", 1, 1)
