"""The import report staff can trust (issue #18): every error of a row, a hint about the
separator, no counts passed off as done when nothing was imported, changed contracts by
name, a key given by staff kept, French labels, and a trace in the audit trail."""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from audit.models import AuditEvent, AuditKind
from contracts.billing import import_billing
from contracts.models import Contract, ImportRun, Payment
from contracts.services import give_new_key
from tests.contracts.exports import GOOD, write_export

pytestmark = pytest.mark.django_db


def test_every_error_of_a_row_is_reported(tmp_path):
    contracts = (
        "payer_ref;contract_number;key;status;start_date;payment_method;paperless\n"
        "P001;11301.11377.01;KEY-ONE-1;ouvert;31/02/2020;bitcoin;oui\n"
    )
    report = import_billing(write_export(tmp_path / "e", contracts_csv=contracts))
    columns = {e.column for e in report.errors if e.file == "contracts.csv" and e.line == 2}
    assert {"status", "start_date", "payment_method", "paperless"} <= columns


def test_a_comma_separated_file_gets_a_hint_about_semicolons(tmp_path):
    report = import_billing(write_export(tmp_path / "e", payers_csv="payer_ref,name\nP001,Marie\n"))
    assert any("points-virgules" in str(e) for e in report.errors)


def test_a_refused_import_says_so_before_what_would_have_changed(tmp_path):
    report = import_billing(write_export(tmp_path / "e", payers_csv="payer_ref;name\nP001;\n"))
    lines = report.summary_lines()
    assert lines[0].startswith("Rien n’a été importé : ")
    assert lines[1] == "Si l’export avait été valide, il aurait changé :"
    assert not Contract.objects.exists()


def test_french_labels_of_the_billing_system_are_accepted(tmp_path):
    payments = (
        "payment_ref;contract_number;invoice_number;date;amount;method\n"
        "R1;11301.11377.01;F2023-1;2023-08-01;150,50;Prélèvement\n"
        "R2;22201.00042.01;;2023-02-01;12.00;CARTE BANCAIRE\n"
        "R3;22201.00042.01;;2023-03-01;12.00;tip\n"
        "R4;22201.00042.01;;2023-04-01;12.00;Espèces\n"
        "R5;22201.00042.01;;2023-05-01;12.00;mensualisation\n"
    )
    contracts = (
        GOOD["contracts.csv"].replace(";active;", ";En cours;").replace(";terminated;", ";Résilié;")
    )
    report = import_billing(
        write_export(tmp_path / "e", payments_csv=payments, contracts_csv=contracts)
    )
    assert report.ok, report.errors
    methods = dict(Payment.objects.values_list("reference", "method"))
    assert methods == {
        "R1": "direct_debit",
        "R2": "card",
        "R3": "tip",
        "R4": "cash",
        "R5": "monthly_plan",
    }
    assert Contract.objects.get(number="22201.00042.01").status == "terminated"


def test_a_key_given_by_staff_after_the_export_is_kept_and_reported(tmp_path):
    export = write_export(tmp_path / "e")
    assert import_billing(export).ok
    contract = Contract.objects.get(number="11301.11377.01")
    made = timezone.now() - datetime.timedelta(hours=1)
    key = give_new_key(contract)
    report = import_billing(export, export_date=made)
    assert report.ok
    contract.refresh_from_db()
    assert contract.check_key(key)
    assert any(
        "11301.11377.01" in line and "clé de l’export ignorée" in line
        for line in report.summary_lines()
    )


def test_a_newer_export_replaces_a_staff_key_and_names_the_contract(tmp_path):
    export = write_export(tmp_path / "e")
    assert import_billing(export).ok
    give_new_key(Contract.objects.get(number="11301.11377.01"))
    report = import_billing(export, export_date=timezone.now() + datetime.timedelta(minutes=1))
    assert Contract.objects.get(number="11301.11377.01").check_key("KEY-ONE-1")
    assert any(
        "11301.11377.01 : clé remplacée par celle de l’export" in line
        for line in report.summary_lines()
    )


def test_a_payer_move_is_named(tmp_path):
    assert import_billing(write_export(tmp_path / "e")).ok
    moved = GOOD["contracts.csv"].replace("P001;11301 11377 01", "P002;11301 11377 01")
    report = import_billing(write_export(tmp_path / "f", contracts_csv=moved))
    assert any("11301.11377.01 : redevable P001 → P002" in line for line in report.summary_lines())


def test_each_import_is_in_the_history_and_the_audit_trail(tmp_path):
    import_billing(write_export(tmp_path / "e"), dry_run=True)
    run = ImportRun.objects.get()
    assert run.dry_run and run.ok and run.created == 12
    event = AuditEvent.objects.get(kind=AuditKind.BILLING_IMPORT)
    assert event.detail.startswith("essai : 12 lignes")


def test_agents_cannot_edit_the_fields_the_import_matches_on(client, contract, staff_agent):
    client.force_login(staff_agent)
    url = f"/{settings.ADMIN_PATH}contracts/contract/{contract.pk}/change/"
    html = client.get(url).content.decode()
    assert 'name="number"' not in html and 'name="payer"' not in html
    payer_url = f"/{settings.ADMIN_PATH}contracts/payer/{contract.payer_id}/change/"
    assert 'name="reference"' not in client.get(payer_url).content.decode()
