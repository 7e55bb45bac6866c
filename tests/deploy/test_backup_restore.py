"""The restore drill: a backup (manage.py backup) restored into an empty PostgreSQL database
and an empty folder serves the same subscriber's pages and files.

PostgreSQL only (pg_dump): skipped on SQLite; with CI=true a missing pg_dump fails.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from tests.builders import PDF_BYTES, add_invoice, add_payment

pytestmark = [pytest.mark.restore, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]

# Run in a separate process on the restored database: the subscriber's pages, as served.
READ_PAGES = """
import json, sys
import django
django.setup()
from django.test import Client
from django.urls import reverse
from accounts.models import User
number, invoice = sys.argv[1], sys.argv[2]
client = Client(HTTP_HOST="127.0.0.1")
client.force_login(User.objects.get(email="abonne@example.fr"))
out = {}
for name, args in [("contracts:dashboard", [number]), ("contracts:invoices", [number]),
                   ("contracts:payments", [number]), ("contracts:invoice", [number, invoice])]:
    response = client.get(reverse(name, args=args))
    out[name] = [response.status_code, response.content.decode()]
pdf = client.get(reverse("contracts:invoice_pdf", args=[number, invoice]))
out["pdf"] = [pdf.status_code, pdf.content.hex()]
print(json.dumps(out))
"""


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        pytest.skip("the restore drill needs PostgreSQL (DATABASE_URL=postgres://…)")
    for tool in ("pg_dump", "pg_restore"):
        if not any((Path(d) / tool).exists() for d in os.environ["PATH"].split(":")):
            message = f"{tool} is missing (apt-get install postgresql-client-15)"
            if os.environ.get("CI", "").lower() in {"true", "1", "yes"}:
                pytest.fail(message)
            pytest.skip(message)
    return connection.settings_dict


def database_url(settings_dict, name):
    user = settings_dict.get("USER") or "postgres"
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{name}"


@pytest.fixture
def empty_database(postgres):
    name = f"{postgres['NAME']}_restored"[:63]
    admin_url = database_url(postgres, "postgres")
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    yield database_url(postgres, name)
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_on(url, files, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))}
    env.update(
        DJANGO_DEBUG="1",
        DJANGO_SETTINGS_MODULE="portal.settings",
        DATABASE_URL=url,
        PRIVATE_MEDIA_ROOT=str(files),
        CACHE_URL="locmem://",
    )
    result = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_a_backup_restored_into_an_empty_database_serves_the_same_pages(
    subscriber_client, contract, private_media, tmp_path, empty_database
):
    invoice = add_invoice(contract, "F2024-7", "2024-07-01", "2024-08-01", "123.45", "0", pdf=True)
    add_payment(contract, "R-77", "2024-07-15", "123.45", invoice=invoice, method="card")
    before = {
        name: subscriber_client.get(reverse(name, args=args)).content.decode()
        for name, args in [
            ("contracts:invoices", [contract.number]),
            ("contracts:payments", [contract.number]),
        ]
    }
    assert "F2024-7" in before["contracts:invoices"]

    call_command("backup", str(tmp_path / "backups"))
    (folder,) = (tmp_path / "backups").iterdir()
    assert {p.name for p in folder.iterdir()} == {
        "database.dump",
        "private.tar.gz",
        "manifest.json",
    }

    restored_files = tmp_path / "restored-private"
    out = run_on(empty_database, restored_files, "manage.py", "restore", str(folder))
    assert "Restored the backup" in out
    pages = json.loads(
        run_on(empty_database, restored_files, "-c", READ_PAGES, contract.number, "F2024-7")
    )
    assert all(status == 200 for status, _ in pages.values()), {k: v[0] for k, v in pages.items()}
    for page in ("contracts:invoices", "contracts:payments", "contracts:invoice"):
        assert "F2024-7" in pages[page][1]
        assert "123,45" in pages[page][1]
    assert contract.number in pages["contracts:dashboard"][1]
    assert bytes.fromhex(pages["pdf"][1]) == PDF_BYTES


def test_restore_refuses_a_database_that_is_not_empty(contract, tmp_path, postgres):
    call_command("backup", str(tmp_path / "backups"))
    (folder,) = (tmp_path / "backups").iterdir()
    with pytest.raises(CommandError, match="is not empty"):
        call_command("restore", str(folder))


def test_restore_refuses_a_damaged_backup(contract, tmp_path, postgres):
    call_command("backup", str(tmp_path / "backups"))
    (folder,) = (tmp_path / "backups").iterdir()
    with (folder / "database.dump").open("ab") as dump:
        dump.write(b"x")
    with pytest.raises(CommandError, match="damaged backup"):
        call_command("restore", "--dry-run", str(folder))
