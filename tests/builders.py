"""What tests build and do again and again: accounts, contracts, billing rows, files, logins.

Plain functions and constants, imported by name. The fixtures that use them (the cast:
subscriber, second subscriber, outsider, staff agent…) are in ``tests/conftest.py``.
"""

import datetime
import io
import re
from decimal import Decimal

from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase
from PIL import Image

from accounts.models import User
from contracts.models import (
    AccountPayerLink,
    Contract,
    Invoice,
    MeterReading,
    Payer,
    Payment,
    ReadingKind,
)
from payments.models import PaymentAttempt

# Meets the Régie's rule and the strength check; every test account has it.
PASSWORD = "Tortue&Violon9"
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PDF = PDF_BYTES


class CommittingClient(Client):
    """Runs each request's on-commit callbacks when it ends, as in production.

    Tests run inside a transaction that never commits; without this, emails queued in
    ``transaction.on_commit`` would never be sent.
    """

    def request(self, **request):  # type: ignore[no-untyped-def]
        with TestCase.captureOnCommitCallbacks(execute=True):
            return super().request(**request)


def make_user(email: str, **extra) -> User:
    return User.objects.create_user(email, PASSWORD, **extra)


def make_contract(payer: Payer, number: str, key: str = "ABCD2345", **fields) -> Contract:
    contract = Contract(number=number, payer=payer, **fields)
    contract.set_key(key)
    contract.save()
    return contract


def link(user: User, payer: Payer) -> AccountPayerLink:
    return AccountPayerLink.objects.create(user=user, payer=payer)


def with_totp(user: User) -> User:
    """No admin page opens for staff without two-factor authentication."""
    TOTP.activate(user, generate_totp_secret())
    return user


def reauthenticate(client, user: User, password: str = PASSWORD):
    """Type the password again, as sensitive pages ask after 10 minutes (or force_login)."""
    EmailAddress.objects.get_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    response = client.post("/comptes/reauthenticate/", {"password": password})
    assert response.status_code == 302, response
    return response


def add_readings(contract: Contract, readings: list[tuple[str, str]], kind=ReadingKind.REAL):
    for date, index in readings:
        MeterReading.objects.create(
            contract=contract,
            date=datetime.date.fromisoformat(date),
            index=Decimal(index),
            kind=kind,
        )


def add_invoice(
    contract: Contract,
    number: str,
    issued: str,
    due: str,
    amount: str,
    still: str,
    pdf: bool = False,
    **fields,
) -> Invoice:
    invoice = Invoice(
        number=number,
        contract=contract,
        issue_date=datetime.date.fromisoformat(issued),
        due_date=datetime.date.fromisoformat(due),
        amount_incl_tax=Decimal(amount),
        amount_due=Decimal(still),
        **fields,
    )
    if pdf:
        invoice.pdf.save(f"{number}.pdf", ContentFile(PDF_BYTES), save=False)
    invoice.save()
    return invoice


def add_payment(
    contract: Contract, reference: str, date: str, amount: str, invoice=None, method: str = ""
) -> Payment:
    return Payment.objects.create(
        reference=reference,
        contract=contract,
        invoice=invoice,
        date=datetime.date.fromisoformat(date),
        amount=Decimal(amount),
        method=method,
    )


def link_in(message: mail.EmailMessage) -> str:
    """The portal link in an email (path only), taken from the plain-text body."""
    match = re.search(r"https?://[^/\s]+(/\S+)", message.body)
    assert match, message.body
    return match.group(1)


def login(client: Client, email: str, password: str = PASSWORD, remember: bool = False):
    data = {"login": email, "password": password}
    if remember:
        data["remember"] = "on"
    return client.post("/comptes/login/", data)


def jpeg_bytes(size=(40, 30), exif: bool = False) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, (20, 120, 200))
    if exif:
        data = Image.Exif()
        data[0x010F] = "PhoneMaker"  # Make
        data[0x8825] = {2: (43.0, 31.0, 0.0)}  # GPSInfo: a latitude
        image.save(out, format="JPEG", exif=data)
    else:
        image.save(out, format="JPEG")
    return out.getvalue()


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (10, 10), (255, 0, 0)).save(out, format="PNG")
    return out.getvalue()


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def reference_in(text: str, prefix: str) -> str:
    match = re.search(rf"{prefix}-\d{{4}}-\d{{6}}", text)
    assert match, f"no {prefix} reference in the text"
    return match.group(0)


def mails_to(address: str) -> list[mail.EmailMessage]:
    return [m for m in mail.outbox if address in m.to]


def add_attempt(invoice: Invoice, **fields: object) -> PaymentAttempt:
    """An online payment attempt for ``invoice`` (created state unless told), as the
    payments app records one."""
    values: dict[str, object] = {
        "invoice": invoice,
        "contract": invoice.contract,
        "invoice_number": invoice.number,
        "contract_number": invoice.contract.number,
        "refdet": invoice.number.replace("-", ""),
        "exer": invoice.issue_date.year,
        "amount_cents": int(invoice.amount_due * 100),
        "email": "abonne@example.fr",
        "saisie": "T",
    }
    return PaymentAttempt.objects.create(**{**values, **fields})
