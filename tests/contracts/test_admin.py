"""Staff admin of the billing data, as a superuser and as a Régie agent."""

import io
import re
import zipfile

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from contracts.models import (
    KEY_ALPHABET,
    Contract,
    Invoice,
    MeterReading,
    Payer,
    Payment,
    ServiceDocument,
)
from tests.builders import with_totp
from tests.helpers import body

from .exports import GOOD, PDF

MODELS = [Payer, Contract, MeterReading, Invoice, Payment, ServiceDocument]


@pytest.fixture
def superuser(db, django_user_model):
    return with_totp(django_user_model.objects.create_superuser("admin@example.fr", "Admin!Pass7"))


@pytest.fixture
def agent(db, django_user_model):
    user = django_user_model.objects.create_user("agent@example.fr", "Agent!Pass7", is_staff=True)
    user.groups.add(Group.objects.get(name="Régie agent"))
    return with_totp(user)


@pytest.fixture
def document(db, settings):
    from django.core.files.base import ContentFile

    doc = ServiceDocument(title="Règlement de service", applies_from="2024-01-01")
    doc.pdf.save("reglement.pdf", ContentFile(PDF), save=True)
    return doc


def url(model, view, *args):
    return reverse(f"admin:contracts_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_each_changelist_and_change_form_loads_with_data(
    client, superuser, history, document, model
):
    client.force_login(superuser)
    response = client.get(url(model, "changelist"))
    assert response.status_code == 200
    obj = model.objects.first()
    response = client.get(url(model, "change", obj.pk))
    assert response.status_code == 200
    assert "argon2$" not in response.text and "md5$" not in response.text


def test_the_admin_reads_in_french(client, superuser, history):
    client.force_login(superuser)
    response = client.get(url(Contract, "change", history.pk))
    assert "Numéro de contrat" in response.text
    assert "Relevés de compteur" in response.text
    response = client.get(url(Invoice, "changelist"))
    assert "Payée" in response.text


def test_the_contract_page_never_shows_the_key_hash(client, superuser, contract):
    client.force_login(superuser)
    response = client.get(url(Contract, "change", contract.pk))
    assert contract.key_hash not in response.text
    assert 'name="key_hash"' not in response.text
    assert "Définie (enregistrée sous forme d’empreinte)" in response.text


def test_changelist_searches_and_filters(client, superuser, history):
    client.force_login(superuser)
    assert history.number in client.get(url(Contract, "changelist"), {"q": "Mirabeau"}).text
    assert history.number in client.get(url(Contract, "changelist"), {"q": "11301.11377"}).text
    assert "Marie Dupont" in client.get(url(Payer, "changelist"), {"q": "P0001"}).text
    assert "F2024-0001" in client.get(url(Invoice, "changelist"), {"q": "F2024"}).text
    response = client.get(url(Invoice, "changelist"), {"status": "paid"})
    assert "F2024-0001" in response.text
    response = client.get(url(Invoice, "changelist"), {"status": "overdue"})
    assert "F2024-0001" not in response.text
    response = client.get(url(Contract, "changelist"), {"city": "Aix-en-Provence"})
    assert history.number in response.text


def _contract_post_data(contract, **extra):
    data = {
        "number": contract.number,
        "payer": contract.payer_id,
        "status": contract.status,
        "street": contract.street,
        "postcode": contract.postcode,
        "city": contract.city,
        "meter_number": contract.meter_number,
        "usage": "",
        "payment_method": "",
        "start_date": "",
        "end_date": "",
    }
    for prefix in ("readings", "invoices", "payments"):
        data |= {
            f"{prefix}-TOTAL_FORMS": "0",
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
    return data | extra


def test_staff_can_generate_a_key_shown_once(client, agent, contract):
    client.force_login(agent)
    old_hash = contract.key_hash
    response = client.post(
        url(Contract, "change", contract.pk),
        _contract_post_data(contract, generate_new_key="on"),
        follow=True,
    )
    assert response.status_code == 200
    message = next(str(m) for m in response.context["messages"])
    key = re.search(r"11301\.11377\.01 : ([A-Z0-9]{8})", message).group(1)
    assert set(key) <= set(KEY_ALPHABET)
    contract.refresh_from_db()
    assert contract.key_hash != old_hash
    assert contract.check_key(key)
    assert key not in contract.key_hash
    # Not shown again.
    assert key not in client.get(url(Contract, "change", contract.pk)).text


def test_staff_can_type_a_key(client, agent, contract):
    client.force_login(agent)
    client.post(
        url(Contract, "change", contract.pk), _contract_post_data(contract, new_key="XY7K9QAT")
    )
    contract.refresh_from_db()
    assert contract.check_key("XY7K9QAT")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM contracts_contract")
        assert "XY7K9QAT" not in repr(cursor.fetchall())


def test_staff_without_the_permission_cannot_set_a_key(client, django_user_model, contract):
    user = with_totp(
        django_user_model.objects.create_user("clerk@example.fr", "Clerk!Pass7", is_staff=True)
    )
    from django.contrib.auth.models import Permission

    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_contract", "change_contract"])
    )
    client.force_login(user)
    old_hash = contract.key_hash
    client.post(
        url(Contract, "change", contract.pk), _contract_post_data(contract, new_key="XY7K9QAT")
    )
    contract.refresh_from_db()
    assert contract.key_hash == old_hash


def test_the_generate_keys_action(client, agent, contract):
    client.force_login(agent)
    response = client.post(
        url(Contract, "changelist"),
        {"action": "generate_keys", "_selected_action": [contract.pk]},
        follow=True,
    )
    message = next(str(m) for m in response.context["messages"])
    key = re.search(r"11301\.11377\.01 : ([A-Z0-9]{8})", message).group(1)
    contract.refresh_from_db()
    assert contract.check_key(key)


def test_the_contract_page_stays_small_for_a_long_history(client, superuser, contract):
    import datetime

    MeterReading.objects.bulk_create(
        MeterReading(
            contract=contract,
            date=datetime.date(2000, 1, 1) + datetime.timedelta(days=30 * i),
            index=i,
        )
        for i in range(200)
    )
    client.force_login(superuser)
    response = client.get(url(Contract, "change", contract.pk))
    assert response.status_code == 200
    assert response.text.count('class="field-index"') <= 13
    assert "(200)" in response.text  # link to the full history


def test_billing_history_is_read_only(client, agent, history):
    client.force_login(agent)
    invoice = Invoice.objects.get()
    response = client.get(url(Invoice, "change", invoice.pk))
    assert response.status_code == 200
    assert 'name="amount_due"' not in response.text
    assert client.get(url(Invoice, "add")).status_code == 403


def test_invoice_pdfs_are_served_to_staff_only(client, agent, history, django_user_model):
    from django.core.files.base import ContentFile

    invoice = Invoice.objects.get()
    invoice.pdf.save("F2024-0001.pdf", ContentFile(PDF), save=True)
    pdf_url = reverse("admin:contracts_invoice_pdf", args=[invoice.pk])
    assert client.get(pdf_url).status_code == 302  # to the admin login
    client.force_login(agent)
    response = client.get(pdf_url)
    assert response.status_code == 200
    assert body(response).startswith(b"%PDF-")


# --- Import upload ----------------------------------------------------------------------------


def _zip(files: dict[str, bytes]) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    buffer.seek(0)
    buffer.name = "export.zip"
    return buffer


def _good_zip(prefix=""):
    files = {prefix + name: text.encode() for name, text in GOOD.items()}
    files[prefix + "pdf/F2023-1.pdf"] = PDF
    return _zip(files)


IMPORT_URL = "admin:contracts_contract_import"


def test_the_import_page_is_linked_and_loads(client, agent):
    client.force_login(agent)
    assert reverse(IMPORT_URL) in client.get(url(Contract, "changelist")).text
    response = client.get(reverse(IMPORT_URL))
    assert response.status_code == 200
    assert "Importer l’export de facturation" in response.text


def test_staff_without_the_permission_cannot_import(client, django_user_model):
    user = with_totp(
        django_user_model.objects.create_user("clerk@example.fr", "Clerk!Pass7", is_staff=True)
    )
    client.force_login(user)
    assert client.get(reverse(IMPORT_URL)).status_code == 403


def test_subscribers_cannot_reach_the_import(client, django_user_model):
    user = django_user_model.objects.create_user("abonne@example.fr", "Abonne!Pass7")
    client.force_login(user)
    assert client.get(reverse(IMPORT_URL)).status_code == 302


@pytest.mark.parametrize("prefix", ["", "export-2024/"])
def test_a_zip_upload_imports_the_export(client, agent, prefix):
    client.force_login(agent)
    response = client.post(reverse(IMPORT_URL), {"files": _good_zip(prefix)})
    assert response.status_code == 200
    assert "Import terminé." in response.text
    assert "readings.csv — nouvelles : 4, modifiées : 0" in response.text
    assert Contract.objects.count() == 2
    assert Invoice.objects.get(number="F2023-1").pdf


def test_csv_files_can_be_uploaded_one_by_one(client, agent):
    client.force_login(agent)
    files = []
    for name in ("payers.csv", "contracts.csv"):
        handle = io.BytesIO(GOOD[name].encode())
        handle.name = name
        files.append(handle)
    client.post(reverse(IMPORT_URL), {"files": files})
    assert Contract.objects.count() == 2


def test_a_dry_run_upload_writes_nothing(client, agent):
    client.force_login(agent)
    response = client.post(reverse(IMPORT_URL), {"files": _good_zip(), "dry_run": "on"})
    assert "rien n’a été écrit" in response.text
    assert Contract.objects.count() == 0


def test_a_bad_upload_is_reported_not_imported(client, agent):
    client.force_login(agent)
    bad = GOOD | {"readings.csv": "contract_number;date;index_m3\n11301.11377.01;2023-02-30;1\n"}
    archive = _zip({name: text.encode() for name, text in bad.items()} | {"pdf/F2023-1.pdf": PDF})
    response = client.post(reverse(IMPORT_URL), {"files": archive})
    assert response.status_code == 200
    assert "readings.csv:2: date: date 2023-02-30 invalide" in response.text
    assert "rien n’a été importé" in response.text
    assert Contract.objects.count() == 0


@pytest.mark.parametrize(
    "archive",
    [
        _zip({"../evil.csv": b"x"}),
        _zip({"/abs/payers.csv": b"x"}),
        _zip({"a\\..\\b.csv": b"x"}),
    ],
    ids=["dotdot", "absolute", "backslash"],
)
def test_unsafe_zip_member_names_are_refused(client, agent, archive, tmp_path):
    client.force_login(agent)
    archive.seek(0)
    response = client.post(reverse(IMPORT_URL), {"files": archive})
    assert response.status_code == 200
    assert "nom dangereux" in response.text


def test_a_corrupt_zip_or_an_unknown_file_is_refused_without_a_500(client, agent):
    client.force_login(agent)
    fake = io.BytesIO(b"not a zip")
    fake.name = "export.zip"
    response = client.post(reverse(IMPORT_URL), {"files": fake})
    assert response.status_code == 200
    assert "n’est pas un fichier zip valide" in response.text
    other = io.BytesIO(b"x")
    other.name = "notes.txt"
    response = client.post(reverse(IMPORT_URL), {"files": other})
    assert response.status_code == 200
    assert "notes.txt" in response.text
    response = client.post(reverse(IMPORT_URL), {})
    assert response.status_code == 200


def test_an_oversized_zip_is_refused(client, agent, monkeypatch):
    monkeypatch.setattr("contracts.billing.upload.MAX_UPLOAD_BYTES", 1000)
    client.force_login(agent)
    response = client.post(reverse(IMPORT_URL), {"files": _zip({"payers.csv": b"x" * 5000})})
    assert "trop volumineux" in response.text
    assert Payer.objects.count() == 0


def test_a_non_utf8_file_is_reported(client, agent):
    client.force_login(agent)
    handle = io.BytesIO("payer_ref;name\nP1;Hélène\n".encode("latin-1"))
    handle.name = "payers.csv"
    response = client.post(reverse(IMPORT_URL), {"files": handle})
    assert response.status_code == 200
    assert "UTF-8" in response.text


def test_the_readings_list_shows_consumption(client, superuser, history):
    client.force_login(superuser)
    response = client.get(url(MeterReading, "changelist"))
    assert response.status_code == 200
    assert "60,500" in response.text or "60.500" in response.text


def test_a_service_document_must_be_a_pdf(client, superuser):
    client.force_login(superuser)
    fake = io.BytesIO(b"<html></html>")
    fake.name = "reglement.pdf"
    response = client.post(
        url(ServiceDocument, "add"),
        {"kind": "regulations", "title": "Règlement", "applies_from": "01/01/2025", "pdf": fake},
    )
    assert response.status_code == 200
    assert "Le fichier n’est pas un PDF." in response.text
    real = io.BytesIO(PDF)
    real.name = "reglement.pdf"
    response = client.post(
        url(ServiceDocument, "add"),
        {"kind": "regulations", "title": "Règlement", "applies_from": "01/01/2025", "pdf": real},
    )
    assert response.status_code == 302
    document = ServiceDocument.objects.get()
    pdf_url = reverse("admin:contracts_servicedocument_pdf", args=[document.pk])
    assert pdf_url in client.get(url(ServiceDocument, "change", document.pk)).text
    assert body(client.get(pdf_url)).startswith(b"%PDF-")


def test_the_contract_page_needs_a_bounded_number_of_queries(
    client, superuser, history, django_assert_max_num_queries
):
    import datetime

    for i in range(30):
        Payment.objects.create(
            reference=f"RX{i}",
            contract=history,
            invoice=Invoice.objects.get(),
            date=datetime.date(2024, 3, 1),
            amount=1,
        )
    client.force_login(superuser)
    with django_assert_max_num_queries(40):
        response = client.get(url(Contract, "change", history.pk))
    assert response.status_code == 200
    assert "60,500" in response.text or "60.500" in response.text  # consumption in the inline


def test_a_zip_without_any_export_file_is_refused(client, agent):
    client.force_login(agent)
    response = client.post(
        reverse(IMPORT_URL), {"files": _zip({"a/notes.pdf": PDF, "b/x.pdf": PDF})}
    )
    assert response.status_code == 200
    assert "Aucun fichier de l’export n’a été trouvé" in response.text
