"""The billing import: validation, all-or-nothing, idempotency."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from contracts.billing import import_billing
from contracts.models import Contract, Invoice, MeterReading, Payer, Payment, ReadingKind

from .exports import GOOD, write_export

pytestmark = pytest.mark.django_db


def counts():
    return [m.objects.count() for m in (Payer, Contract, MeterReading, Invoice, Payment)]


def errors_of(tmp_path, **overrides):
    report = import_billing(write_export(tmp_path / "export", **overrides))
    assert not report.ok
    assert counts() == [0, 0, 0, 0, 0], "nothing is written when a row is invalid"
    return [str(e) for e in report.errors]


def test_it_imports_a_complete_export(tmp_path):
    report = import_billing(write_export(tmp_path / "export"))
    assert report.ok, report.errors
    assert counts() == [2, 2, 4, 2, 2]
    contract = Contract.objects.get(number="11301.11377.01")
    assert contract.payer.reference == "P001"
    assert contract.check_key("KEY-ONE-1")
    assert contract.start_date == datetime.date(2020, 2, 1)
    assert contract.paperless is True
    assert contract.city == "Aix-en-Provence"
    assert Payer.objects.get(reference="P001").address == "3 rue Espariat\n13100 Aix"
    reading = MeterReading.objects.get(contract=contract, date=datetime.date(2023, 7, 10))
    assert reading.index == Decimal("160.500") and reading.kind == ReadingKind.SELF
    invoice = Invoice.objects.get(number="F2023-1")
    assert invoice.amount_incl_tax == Decimal("150.50")
    assert invoice.pdf.name.startswith("invoices/2023/F2023-1-")
    assert invoice.pdf.read().startswith(b"%PDF-")
    assert Payment.objects.get(reference="R1").invoice == invoice
    assert report.stats["readings.csv"].created == 4


def test_the_key_never_reaches_the_database_in_clear(tmp_path, django_db_blocker):
    import_billing(write_export(tmp_path / "export"))
    for value in Contract.objects.values_list("key_hash", flat=True):
        assert "KEY-ONE-1" not in value and "KEY-TWO-2" not in value
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM contracts_contract")
        dump = repr(cursor.fetchall())
    assert "KEY-ONE" not in dump and "KEY-TWO" not in dump


def test_reimporting_the_same_files_changes_nothing(tmp_path):
    export = write_export(tmp_path / "export")
    import_billing(export)
    before = list(Contract.objects.values_list("key_hash", flat=True))
    pdf_before = Invoice.objects.get(number="F2023-1").pdf.name
    report = import_billing(export)
    assert report.ok
    for name, stats in report.stats.items():
        assert (stats.created, stats.updated) == (0, 0), name
        assert stats.unchanged == stats.rows
    assert list(Contract.objects.values_list("key_hash", flat=True)) == before
    assert Invoice.objects.get(number="F2023-1").pdf.name == pdf_before


def test_changed_rows_are_updated_and_absent_rows_are_kept(tmp_path):
    import_billing(write_export(tmp_path / "first"))
    report = import_billing(
        write_export(
            tmp_path / "second",
            payers_csv="payer_ref;name\nP001;Marie Dupont-Martin\n",
            contracts_csv="contract_number;payer_ref;key;city\n11301.11377.01;P001;;Venelles\n",
            invoices_csv=(
                "invoice_number;contract_number;issue_date;due_date;amount_incl_tax;amount_due\n"
                "F2024-1;11301.11377.01;2024-01-20;2024-02-20;99.90;0\n"
            ),
            readings_csv=None,
            payments_csv=None,
        )
    )
    assert report.ok, report.errors
    assert report.stats["payers.csv"].updated == 1
    assert Payer.objects.get(reference="P001").name == "Marie Dupont-Martin"
    contract = Contract.objects.get(number="11301.11377.01")
    assert contract.city == "Venelles"
    assert contract.check_key("KEY-ONE-1"), "an empty key keeps the current one"
    assert Invoice.objects.get(number="F2024-1").amount_due == 0
    assert counts() == [2, 2, 4, 2, 2]


def test_a_new_key_in_the_export_replaces_the_old_one(tmp_path):
    import_billing(write_export(tmp_path / "first"))
    import_billing(
        write_export(
            tmp_path / "second",
            {"contracts.csv": "contract_number;payer_ref;key\n11301.11377.01;P001;NEWKEY77\n"},
        )
    )
    contract = Contract.objects.get(number="11301.11377.01")
    assert contract.check_key("NEWKEY77") and not contract.check_key("KEY-ONE-1")


def test_a_dry_run_validates_without_writing(tmp_path):
    report = import_billing(write_export(tmp_path / "export"), dry_run=True)
    assert report.ok and report.dry_run
    assert report.stats["contracts.csv"].created == 2
    assert counts() == [0, 0, 0, 0, 0]
    assert not (tmp_path / "private").exists() or not any((tmp_path / "private").rglob("*.pdf"))


def test_references_may_point_to_rows_already_in_the_database(tmp_path):
    import_billing(write_export(tmp_path / "first"))
    report = import_billing(
        write_export(
            tmp_path / "second",
            {
                "payments.csv": "payment_ref;contract_number;invoice_number;date;amount\n"
                "R9;11301.11377.01;F2024-1;2024-02-02;99.90\n"
            },
        )
    )
    assert report.ok, report.errors
    assert Payment.objects.get(reference="R9").invoice.number == "F2024-1"


def test_a_bad_contract_number_is_reported(tmp_path):
    errors = errors_of(
        tmp_path,
        readings_csv="contract_number;date;index_m3\n11301.11377.1;2023-01-10;1\n",
    )
    assert errors == [
        "readings.csv:2: contract_number: numéro de contrat 11301.11377.1 invalide "
        "(format attendu : 11301.11377.01)"
    ]


def test_an_unknown_payer_is_reported(tmp_path):
    errors = errors_of(
        tmp_path, contracts_csv="contract_number;payer_ref;key\n11111.22222.01;P999;K12345\n"
    )
    assert errors[0] == "contracts.csv:2: payer_ref: redevable P999 inconnu"


def test_an_unknown_contract_and_invoice_are_reported(tmp_path):
    errors = errors_of(
        tmp_path,
        payments_csv="payment_ref;contract_number;invoice_number;date;amount\n"
        "R1;11301.11377.01;F404;2023-08-01;1\n"
        "R2;99999.99999.99;;2023-08-01;1\n",
    )
    assert errors == [
        "payments.csv:3: contract_number: contrat 99999.99999.99 inconnu",
        "payments.csv:2: invoice_number: facture F404 inconnue",
    ]


def test_a_bad_date_is_reported(tmp_path):
    errors = errors_of(
        tmp_path,
        readings_csv="contract_number;date;index_m3\n"
        "11301.11377.01;2023-02-30;1\n11301.11377.01;10-07-2023;2\n",
    )
    assert errors == [
        "readings.csv:2: date: date 2023-02-30 invalide (formats attendus : AAAA-MM-JJ ou "
        "JJ/MM/AAAA)",
        "readings.csv:3: date: date 10-07-2023 invalide (formats attendus : AAAA-MM-JJ ou "
        "JJ/MM/AAAA)",
    ]


@pytest.mark.parametrize("amount", ["12.345", "douze", "1e3", "12,5,0", "", "12.00 €"])
def test_a_bad_amount_is_reported(tmp_path, amount):
    errors = errors_of(
        tmp_path,
        payments_csv=f"payment_ref;contract_number;date;amount\nR1;11301.11377.01;2023-08-01;{amount}\n",
    )
    assert len(errors) == 1 and errors[0].startswith("payments.csv:2: amount: ")


def test_a_decreasing_reading_is_reported(tmp_path):
    errors = errors_of(
        tmp_path,
        readings_csv="contract_number;date;index_m3\n"
        "11301.11377.01;2023-01-10;100\n11301.11377.01;2023-07-10;90,5\n",
    )
    assert errors == [
        "readings.csv:3: index_m3: l’index 90,5 m³ est inférieur au relevé précédent "
        "(100 m³ le 10/01/2023)"
    ]


def test_a_reading_lower_than_one_already_in_the_database_is_reported(tmp_path):
    import_billing(write_export(tmp_path / "first"))
    report = import_billing(
        write_export(
            tmp_path / "second",
            {"readings.csv": "contract_number;date;index_m3\n11301.11377.01;2024-07-10;150\n"},
        )
    )
    assert [str(e) for e in report.errors] == [
        "readings.csv:2: index_m3: l’index 150 m³ est inférieur au relevé précédent "
        "(200,125 m³ le 10/01/2024)"
    ]
    assert MeterReading.objects.count() == 4


def test_a_missing_pdf_is_reported(tmp_path):
    invoices = GOOD["invoices.csv"].replace("pdf/F2023-1.pdf", "pdf/absent.pdf")
    assert errors_of(tmp_path, invoices_csv=invoices) == [
        "invoices.csv:2: pdf: fichier PDF pdf/absent.pdf introuvable",
        "payments.csv:2: invoice_number: "
        "la ligne de F2023-1 est elle-même invalide dans cet export",
    ]


def test_a_file_that_is_not_a_pdf_is_reported(tmp_path):
    export = tmp_path / "export"
    (export / "pdf").mkdir(parents=True)
    (export / "pdf" / "fake.pdf").write_bytes(b"<html>not a pdf</html>")
    invoices = GOOD["invoices.csv"].replace("pdf/F2023-1.pdf", "pdf/fake.pdf")
    errors = errors_of(tmp_path, invoices_csv=invoices)
    assert errors[0] == "invoices.csv:2: pdf: pdf/fake.pdf n’est pas un fichier PDF"


@pytest.mark.parametrize("path", ["../secret.pdf", "/etc/passwd", "pdf/../../secret.pdf"])
def test_a_pdf_path_cannot_leave_the_export_folder(tmp_path, path):
    (tmp_path / "secret.pdf").write_bytes(b"%PDF-1.4")
    invoices = GOOD["invoices.csv"].replace("pdf/F2023-1.pdf", path)
    errors = errors_of(tmp_path, invoices_csv=invoices)
    assert errors[0] == f"invoices.csv:2: pdf: le chemin {path} sort du dossier de l’export"


def test_a_missing_required_column_is_reported(tmp_path):
    errors = errors_of(tmp_path, readings_csv="contract_number;index_m3\n11301.11377.01;1\n")
    assert errors == ["readings.csv:1: date: colonne obligatoire absente"]


def test_a_new_contract_needs_a_key(tmp_path):
    errors = errors_of(
        tmp_path, contracts_csv="contract_number;payer_ref;key\n11301.11377.01;P001;\n"
    )
    assert errors[0] == "contracts.csv:2: key: une clé est obligatoire pour un nouveau contrat"


def test_every_invalid_row_is_reported_and_nothing_is_written(tmp_path):
    export = write_export(
        tmp_path / "export",
        payers_csv="payer_ref;name\nP001;Marie\nP002;\n",
        readings_csv="contract_number;date;index_m3;kind\n"
        "11301.11377.01;2023-01-10;1;real\n11301.11377.01;2023-01-11;x;real\n"
        "11301.11377.01;2023-01-12;3;guess\n",
    )
    with pytest.raises(CommandError):
        call_command("import_billing", str(export))
    assert counts() == [0, 0, 0, 0, 0]
    report = import_billing(export)
    found = {(e.file, str(e.line), e.column) for e in report.errors}
    assert {
        ("payers.csv", "3", "name"),
        ("contracts.csv", "3", "payer_ref"),
        ("readings.csv", "3", "index_m3"),
        ("readings.csv", "4", "kind"),
    } <= found


def test_files_may_be_absent_and_columns_in_any_order(tmp_path):
    export = tmp_path / "export"
    export.mkdir()
    (export / "payers.csv").write_text(
        "\ufeffname;extra;payer_ref\nMarie;x;P001\n", encoding="utf-8"
    )
    report = import_billing(export)
    assert report.ok and list(report.stats) == ["payers.csv"]
    assert Payer.objects.get().name == "Marie"


def test_the_command_reports_progress_and_a_summary(tmp_path, capsys):
    call_command("import_billing", str(write_export(tmp_path / "export")))
    out = capsys.readouterr().out
    assert "readings.csv : lignes lues 4" in out
    assert "Importé :\n" in out
    assert "readings.csv — nouvelles : 4, modifiées : 0, inchangées : 0" in out
    assert "12 lignes lues en " in out and "lignes/s" in out


def test_the_command_dry_run_writes_nothing(tmp_path, capsys):
    call_command("import_billing", str(write_export(tmp_path / "export")), "--dry-run")
    assert counts() == [0, 0, 0, 0, 0]
    assert "rien n’a été écrit" in capsys.readouterr().out


def test_the_command_fails_on_errors(tmp_path, capsys):
    export = write_export(tmp_path / "export", payers_csv="payer_ref;name\nP001;\n")
    with pytest.raises(CommandError, match="rien n’a été importé"):
        call_command("import_billing", str(export))
    assert "payers.csv:2: name:" in capsys.readouterr().err


def test_a_repeated_row_and_a_nul_character_are_reported(tmp_path):
    errors = errors_of(
        tmp_path,
        payers_csv="payer_ref;name\nP001;Marie\nP002;Jean\x00\nP001;Marie bis\n",
    )
    assert "payers.csv:3: name: caractère invalide (NUL)" in errors
    assert "payers.csv:4: -: cette ligne répète une ligne précédente du fichier" in errors


def test_a_payment_cannot_settle_another_contracts_invoice(tmp_path):
    errors = errors_of(
        tmp_path,
        payments_csv="payment_ref;contract_number;invoice_number;date;amount\n"
        "R1;22201.00042.01;F2023-1;2023-08-01;1\n",
    )
    assert errors == [
        "payments.csv:2: invoice_number: la facture F2023-1 appartient à un autre contrat"
    ]


def test_a_changed_reading_is_updated(tmp_path):
    import_billing(write_export(tmp_path / "first"))
    readings = GOOD["readings.csv"].replace("200.125;remote", "201;real")
    report = import_billing(write_export(tmp_path / "second", readings_csv=readings))
    assert report.ok, report.errors
    assert report.stats["readings.csv"].updated == 1
    assert report.stats["readings.csv"].unchanged == 3
    reading = MeterReading.objects.get(date=datetime.date(2024, 1, 10))
    assert (reading.index, reading.kind) == (Decimal("201.000"), "real")


def test_a_file_that_is_not_utf8_is_reported_with_its_line(tmp_path):
    export = tmp_path / "export"
    export.mkdir()
    (export / "payers.csv").write_bytes("payer_ref;name\nP1;Hélène\n".encode("latin-1"))
    report = import_billing(export)
    assert str(report.errors[0]).startswith("payers.csv:")
    assert "UTF-8" in str(report.errors[0])


def test_rows_spread_over_several_batches_are_handled_like_one(tmp_path):
    from contracts.billing import BillingImport

    export = write_export(tmp_path / "export")
    report = BillingImport(export, batch_size=1).run()
    assert report.ok, report.errors
    assert counts() == [2, 2, 4, 2, 2]
    assert Payment.objects.get(reference="R1").invoice.number == "F2023-1"
    again = BillingImport(export, batch_size=1).run()
    assert all(s.created == s.updated == 0 for s in again.stats.values())


def test_an_invoice_repeated_in_a_later_batch_is_updated_not_duplicated(tmp_path):
    from contracts.billing import BillingImport

    invoices = GOOD["invoices.csv"] + (
        "F2024-1;11301.11377.01;2024-01-20;2024-02-20;;;39.625;;99.90;0;\n"
    )
    report = BillingImport(write_export(tmp_path / "e", invoices_csv=invoices), batch_size=1).run()
    assert report.ok, report.errors
    assert Invoice.objects.get(number="F2024-1").amount_due == 0


def test_an_invoice_moved_to_another_contract_follows_in_payments(tmp_path):
    import_billing(write_export(tmp_path / "first"))
    report = import_billing(
        write_export(
            tmp_path / "second",
            {
                "invoices.csv": "invoice_number;contract_number;issue_date;due_date;"
                "amount_incl_tax;amount_due\n"
                "F2024-1;22201.00042.01;2024-01-20;2024-02-20;99.90;99.90\n",
                "payments.csv": "payment_ref;contract_number;invoice_number;date;amount\n"
                "R7;22201.00042.01;F2024-1;2024-02-02;99.90\n",
            },
        )
    )
    assert report.ok, report.errors
    assert Invoice.objects.get(number="F2024-1").contract.number == "22201.00042.01"
    assert Payment.objects.get(reference="R7").invoice.number == "F2024-1"


def test_new_keys_are_hashed_with_argon2_in_parallel(tmp_path, settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    report = import_billing(
        write_export(tmp_path / "export", readings_csv=None, invoices_csv=None, payments_csv=None)
    )
    assert report.ok, report.errors
    for number, key in (("11301.11377.01", "KEY-ONE-1"), ("22201.00042.01", "KEY-TWO-2")):
        contract = Contract.objects.get(number=number)
        assert contract.key_hash.startswith("argon2$")
        assert contract.check_key(key)


def test_the_command_refuses_a_folder_without_export_files(tmp_path):
    with pytest.raises(CommandError, match="Aucun fichier de l’export"):
        call_command("import_billing", str(tmp_path))
