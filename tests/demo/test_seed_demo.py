"""Demo data: complete, realistic and safe to load twice."""

import datetime
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count

from contracts.models import (
    Contract,
    ContractStatus,
    Invoice,
    InvoiceStatus,
    MeterReading,
    Payer,
    Payment,
    ServiceDocument,
)

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def snapshot():
    return [
        m.objects.count()
        for m in (Payer, Contract, MeterReading, Invoice, Payment, ServiceDocument)
    ]


def test_seed_demo_is_idempotent():
    seed()
    first = snapshot()
    hashes = list(Contract.objects.order_by("number").values_list("key_hash", flat=True))
    seed()
    assert snapshot() == first
    assert list(Contract.objects.order_by("number").values_list("key_hash", flat=True)) == hashes


def test_seed_demo_prints_the_login_and_working_keys():
    output = seed()
    assert "demo@eauxdupaysdaix.fr" in output and "Source!Claire7" in output
    user = get_user_model().objects.get(email="demo@eauxdupaysdaix.fr")
    assert user.check_password("Source!Claire7")
    for contract in Contract.objects.all():
        assert contract.number in output
        key = output.split(contract.number, 1)[1].split("clé ", 1)[1].split()[0]
        assert contract.check_key(key)
    if apps.is_installed("allauth.account"):
        from allauth.account.models import EmailAddress

        assert EmailAddress.objects.get(email="demo@eauxdupaysdaix.fr").verified


def test_the_demo_covers_what_the_pages_need():
    seed()
    assert Payer.objects.count() >= 3
    assert Payer.objects.annotate(n=Count("contracts")).filter(n__gte=2).exists()
    assert Contract.objects.filter(status=ContractStatus.TERMINATED).exists()
    assert {"Aix-en-Provence", "Gardanne", "Pertuis"} <= set(
        Contract.objects.values_list("city", flat=True)
    )
    contract = Contract.objects.get(number="11301.11377.01")
    readings = list(contract.readings.with_consumption().order_by("date"))
    assert len(readings) >= 6
    assert len({r.kind for r in readings}) >= 3
    assert all(r.consumption > 0 for r in readings[1:])
    statuses = {i.status for i in Invoice.objects.with_status()}
    assert statuses == {InvoiceStatus.PAID, InvoiceStatus.TO_PAY, InvoiceStatus.OVERDUE}
    # One overdue to pay online by card, one on a monthly plan.
    assert Invoice.objects.with_status().filter(status_code=InvoiceStatus.OVERDUE).count() == 2
    for invoice in Invoice.objects.all():
        with invoice.pdf.open("rb") as handle:
            assert handle.read(5) == b"%PDF-"
    regulations = ServiceDocument.objects.in_force()
    assert regulations is not None and regulations.pdf.read().startswith(b"%PDF-")
    assert contract.regulations_in_force() == regulations


def test_the_demo_pdfs_speak_french_and_carry_a_title():
    seed()
    data = Invoice.objects.first().pdf.read()
    assert b"/Lang (fr)" in data or b"/Lang(fr)" in data
    assert b"/Title" in data
    assert b"/DisplayDocTitle true" in data


def test_invoice_pdfs_have_no_public_url(client, settings):
    assert settings.STORAGES["default"]["OPTIONS"]["base_url"] is None
    seed()
    name = Invoice.objects.first().pdf.name
    for prefix in ("/", "/media/", "/static/", "/private/"):
        assert client.get(prefix + name).status_code == 404


def test_each_demo_invoice_pdf_says_what_its_page_says(client):
    """Amount due and due date read from the PDF's text equal those of the HTML page."""
    import io
    import re

    from pypdf import PdfReader

    from demo.management.commands.seed_demo import DEMO_EMAIL

    seed()
    client.force_login(get_user_model().objects.get(email=DEMO_EMAIL))
    invoices = Invoice.objects.select_related("contract").exclude(pdf="")
    assert invoices.filter(amount_due__gt=0).exists()  # some still to pay, not only zeros
    from contracts.models import AccountPayerLink

    user = get_user_model().objects.get(email=DEMO_EMAIL)
    for invoice in invoices:
        AccountPayerLink.objects.get_or_create(user=user, payer=invoice.contract.payer)
        with invoice.pdf.open("rb") as file:
            text = " ".join(
                page.extract_text() for page in PdfReader(io.BytesIO(file.read())).pages
            )
        text = re.sub(r"\s+", " ", text.replace("\xa0", " "))
        page = client.get(f"/contrats/{invoice.contract.number}/factures/{invoice.number}/")
        body = re.sub(r"\s+", " ", page.content.decode().replace("\xa0", " "))
        due = re.search(r"Reste à payer (\d[\d ]*,\d\d) (?:€|EUR)", text)[1]
        date = re.search(r"Date limite de paiement (\d\d/\d\d/\d{4})", text)[1]
        assert f"Reste à payer</dt><dd>{due} €</dd>" in body, (invoice.number, due)
        assert f"<dd>{date}</dd>" in body, (invoice.number, date)
        # The key sentence promises only what is printed.
        if "clé imprimée ci-dessous" in text:
            assert "Clé du contrat" in text


def test_the_demo_account_can_try_paying_online(db, tmp_path, settings):
    """Marie's card contract has an overdue invoice: 'Payer en ligne' shows with the
    simulator that make run configures."""
    from django.test import Client

    from contracts.models import AccountPayerLink

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", stdout=StringIO())
    due = Invoice.objects.filter(contract__number="11301.11377.02", amount_due__gt=0)
    assert due.count() == 1 and due.get().due_date < datetime.date.today()
    settings.PAYFIP_NUMCLI = "012345"
    settings.PAYFIP_URL = "http://127.0.0.1:9/tpa/services/securite"
    # As after "Lier un contrat" with 11301.11377.01 and DEMO-AIX1 (the README's journey).
    demo = get_user_model().objects.get(email="demo@eauxdupaysdaix.fr")
    AccountPayerLink.objects.create(
        user=demo, payer=Contract.objects.get(number="11301.11377.02").payer
    )
    client = Client()
    client.force_login(demo)
    body = client.get("/contrats/11301.11377.02/factures/").content.decode()
    assert "Payer en ligne" in body
