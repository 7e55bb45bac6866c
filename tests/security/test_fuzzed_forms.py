"""Every form, posted generated input: never a 500, never anything half-written.

Random Unicode (control characters and NUL included), 1 MB strings, numbers and dates
where text is expected and the reverse, missing fields, duplicated fields, files where
text is expected and random files where files are. The answer must be a French page
(form errors, 400, 429) or a redirect to this site; when it is not a redirect, no row
was written anywhere. Examples per form: the Hypothesis profile (tests/conftest.py).
"""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import event, given
from hypothesis import strategies as st

from accounts.models import OutgoingEmail, User
from contracts.models import (
    AccountPayerLink,
    Contract,
    Invoice,
    MeterReading,
    Payer,
    Payment,
)
from inquiries.models import Attachment, Inquiry, Message
from mandates.models import Mandate, MandateState, MandateStop, MoveOut
from readings.models import AlertSetting, ConsumptionAlert, SelfReading
from selfservice.models import Attestation, LeakRequest, PaperlessChoice
from tests.builders import PASSWORD, CommittingClient, reauthenticate, with_totp

pytestmark = pytest.mark.django_db

# Rows a failed form must never leave behind (LinkAttempt is the audit of failures: kept).
WATCHED = [
    User,
    EmailAddress,
    OutgoingEmail,
    AccountPayerLink,
    Payer,
    Contract,
    MeterReading,
    Invoice,
    Payment,
    Inquiry,
    Message,
    Attachment,
    LeakRequest,
    PaperlessChoice,
    Attestation,
    Mandate,
    MandateStop,
    MoveOut,
    SelfReading,
    AlertSetting,
    ConsumptionAlert,
]
ONE_MEGABYTE = "é" * 500_000 + "x" * 48_576

ODD = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\r\n",
    "on",
    "true",
    "null",
    "[]",
    "{}",
    "0",
    "-1",
    "1e309",
    "9" * 40,
    "2026-02-30",
    "31/12/1899",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "../../etc/passwd",
    "%00",
    "\u202etxt.exe",
    "abonne@example.fr",
    "11301.11377.01",
    "ABCD2345",
]

scalar = st.one_of(
    st.text(max_size=300),
    st.sampled_from(ODD),
    st.integers().map(str),
    st.floats().map(str),
    st.dates().map(str),
    st.emails(),
    st.just(ONE_MEGABYTE),
)


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    # A browser sends the last path part; Django refuses to build a file named "", "."
    # or "..", which no browser can send, so those become "x".
    part = name.replace("\\", "/").rsplit("/", 1)[-1]
    return SimpleUploadedFile(name if part not in {"", ".", ".."} else "x", content)


a_file = st.builds(
    _upload,
    st.one_of(
        st.text(max_size=40),
        st.sampled_from(["facture.pdf", "photo.jpg", "a.png", "../../x.pdf", "évier.PDF"]),
    ),
    st.one_of(
        st.binary(max_size=2048),
        st.sampled_from([b"%PDF-1.4\n%%EOF\n", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0"]),
    ),
)
# A field's value: one value, the field twice or thrice, or a file where text was expected.
value = st.one_of(scalar, st.lists(scalar, min_size=2, max_size=3), a_file)


def form_data(fields: list[str], plausible: dict | None = None) -> st.SearchStrategy[dict]:
    """Any subset of the fields (and an unexpected one), each plausible or anything."""
    plausible = plausible or {}
    return st.fixed_dictionaries(
        {},
        optional={
            **{
                name: st.one_of(st.just(plausible[name]), value) if name in plausible else value
                for name in fields
            },
            "unexpected": value,
        },
    )


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in WATCHED}


@contextmanager
def rolled_back() -> Iterator[None]:
    """Each example starts from the same state: its writes are rolled back after.

    The cache is emptied too: with Redis (CI's second pass) it is outside the transaction,
    and the per-account login counters it holds would otherwise add up across examples
    until the lock and its (legitimate) notice to the account owner.
    """
    cache.clear()
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def post_and_check(client: Client, url: str, data: dict) -> None:
    with rolled_back():
        before = counts()
        response = client.post(url, data)
        status = response.status_code
        event(f"HTTP {status}")  # shown by --hypothesis-show-statistics
        assert status in (200, 302, 400, 403, 429), status
        if status == 302:
            location = response["Location"]
            assert location.startswith("/") and not location.startswith("//"), location
            return
        assert counts() == before, "a refused form wrote to the database"
        if response.get("Content-Type", "").startswith("text/html"):
            assert '<html lang="fr"' in response.content.decode()


@pytest.fixture(autouse=True)
def no_rate_limits(settings):
    # allauth's per-IP limits would turn most examples into 429 pages after a few posts.
    settings.ACCOUNT_RATE_LIMITS = False


@pytest.fixture
def anonymous(db) -> Client:
    return CommittingClient()


@pytest.fixture
def logged_in(subscriber) -> Client:
    client = CommittingClient()
    client.force_login(subscriber)
    reauthenticate(client, subscriber)
    return client


@pytest.fixture
def staff(db, django_user_model) -> Client:
    from django.contrib.auth.models import Group

    agent = django_user_model.objects.create_user("agent@example.fr", PASSWORD, is_staff=True)
    agent.groups.add(Group.objects.get(name="Régie agent"))
    client = CommittingClient()
    client.force_login(with_totp(agent))
    return client


PASSWORDS = {"password1": "Tortue&Violon9", "password2": "Tortue&Violon9"}


@given(
    data=form_data(["email", "password1", "password2"], {"email": "neuf@example.fr"} | PASSWORDS)
)
def test_sign_up_survives_any_input(anonymous, data):
    post_and_check(anonymous, reverse("account_signup"), data)


@given(
    data=form_data(
        ["login", "password", "remember"], {"login": "abonne@example.fr", "password": PASSWORD}
    )
)
def test_login_survives_any_input(anonymous, subscriber, data):
    post_and_check(anonymous, reverse("account_login"), data)


@given(data=form_data(["email"], {"email": "abonne@example.fr"}))
def test_password_reset_request_survives_any_input(anonymous, subscriber, data):
    post_and_check(anonymous, reverse("account_reset_password"), data)


@given(
    data=form_data(["oldpassword", "password1", "password2"], {"oldpassword": PASSWORD} | PASSWORDS)
)
def test_password_change_survives_any_input(logged_in, data):
    post_and_check(logged_in, reverse("account_change_password"), data)


@given(data=form_data(["number", "key"], {"number": "11301.11377.01", "key": "ABCD2345"}))
def test_contract_link_survives_any_input(logged_in, contract, data):
    post_and_check(logged_in, reverse("contracts:link"), data)


@pytest.fixture
def payable(contract, settings):
    """An invoice to pay online; PayFiP configured at a closed port (refused at once), so
    a valid form ends on the French "not answering" page with its attempt kept (by design:
    PaymentAttempt is the record of tries, not watched)."""
    settings.PAYFIP_NUMCLI = "012345"
    settings.PAYFIP_URL = "http://127.0.0.1:9/tpa/services/securite"
    from tests.builders import add_invoice

    return add_invoice(contract, "F2026-0042", "2026-01-20", "2026-02-20", "84.50", "84.50")


@given(data=form_data(["email", "amount"], {"email": "abonne@example.fr", "amount": "0.01"}))
def test_online_payment_confirmation_survives_any_input(logged_in, payable, data):
    url = reverse("payments:pay", args=[payable.contract.number, payable.number])
    post_and_check(logged_in, url, data)


@given(data=form_data(["idOp", "idop", "resultrans"], {"resultrans": "P"}))
def test_payfip_notification_survives_any_input(anonymous, payable, data):
    post_and_check(anonymous, reverse("payments:notify"), data)


SUBSCRIPTION_FIELDS = [
    "civility",
    "last_name",
    "first_name",
    "email",
    "phone",
    "street",
    "postcode",
    "commune",
    "start_date",
    "occupancy",
    "meter_number",
    "meter_index",
    "billing_address",
    "consent",
    "message",
    "attachment",
]


@given(data=form_data(SUBSCRIPTION_FIELDS, {"postcode": "13100", "consent": "on"}))
def test_subscription_request_survives_any_input(logged_in, data):
    post_and_check(logged_in, reverse("inquiries:subscription"), data)


@given(
    data=form_data(
        ["email", "subject", "contract", "message", "attachment"],
        {"email": "visiteur@example.fr", "subject": "invoice", "message": "Bonjour"},
    )
)
def test_contact_form_survives_any_input(anonymous, data):
    post_and_check(anonymous, reverse("contact"), data)


@pytest.fixture
def reading_open(contract):
    """The period open for the contract's commune, a year of readings behind it."""
    from tests.readings.helpers import a_year_of_history, open_window

    a_year_of_history(contract)
    open_window()
    return contract


@given(
    data=form_data(
        ["index", "meter_changed", "confirm", "attachment"],
        {"index": "1050", "meter_changed": "on", "confirm": "on"},
    )
)
def test_self_reading_survives_any_input(logged_in, reading_open, data):
    post_and_check(logged_in, reverse("readings:self_reading", args=[reading_open.number]), data)


@given(data=form_data(["enabled", "threshold", "action"], {"enabled": "on", "threshold": "500"}))
def test_consumption_alert_form_survives_any_input(logged_in, contract, data):
    post_and_check(logged_in, reverse("readings:alerts", args=[contract.number]), data)


@given(data=form_data(["files", "dry_run"], {"dry_run": "on"}))
def test_billing_import_upload_survives_any_input(staff, data):
    post_and_check(staff, reverse("admin:contracts_contract_import"), data)


@pytest.fixture
def leaky(contract):
    """An invoice issued today with twice its predecessor's volume: the request is open."""
    import datetime
    from decimal import Decimal

    from django.utils import timezone

    from tests.builders import add_invoice

    today = timezone.localdate()
    earlier = today - datetime.timedelta(days=180)
    add_invoice(
        contract, "F-1", earlier.isoformat(), today.isoformat(), "1", "0", volume_m3=Decimal(10)
    )
    return add_invoice(
        contract, "F-2", today.isoformat(), today.isoformat(), "1", "1", volume_m3=Decimal(50)
    )


@given(
    data=form_data(
        ["attestation", "leak_location", "repair_date", "after_meter", "message"],
        {"leak_location": "Jardin", "repair_date": "2026-01-02", "after_meter": "on"},
    )
)
def test_leak_relief_request_survives_any_input(logged_in, leaky, data):
    url = reverse("selfservice:leak", args=[leaky.contract.number, leaky.number])
    post_and_check(logged_in, url, data)


@given(data=form_data(["paperless"], {"paperless": "1"}))
def test_paperless_choice_survives_any_input(logged_in, contract, data):
    post_and_check(logged_in, reverse("selfservice:einvoice", args=[contract.number]), data)


MANDATE_FIELDS = ["holder_name", "holder_address", "iban", "bic", "plan", "debit_day", "consent"]


@given(
    data=form_data(
        MANDATE_FIELDS,
        {
            "holder_name": "Marie Dupont",
            "iban": "FR76 3000 6000 0112 3456 7890 189",
            "plan": "monthly",
            "debit_day": "10",
            "consent": "on",
        },
    )
)
def test_mandate_signature_survives_any_input(logged_in, contract, data):
    post_and_check(logged_in, reverse("mandates:sign", args=[contract.number]), data)


@pytest.fixture
def active_mandate(contract, subscriber):
    from tests.mandates.factories import sign

    mandate = sign(contract, subscriber)
    Mandate.objects.filter(pk=mandate.pk).update(state=MandateState.ACTIVE)
    return mandate


@given(data=form_data(["confirm"]))
def test_mandate_stop_survives_any_input(logged_in, active_mandate, data):
    url = reverse("mandates:stop", args=[active_mandate.contract.number, active_mandate.rum])
    post_and_check(logged_in, url, data)


MOVE_OUT_FIELDS = ["leaving_date", "meter_index", "attachment", "forwarding_address", "refund_iban"]


@given(
    data=form_data(
        MOVE_OUT_FIELDS,
        {"meter_index": "250", "forwarding_address": "3 rue des Lilas 13090 Aix-en-Provence"},
    )
)
def test_move_out_survives_any_input(logged_in, contract, data):
    post_and_check(logged_in, reverse("mandates:move_out", args=[contract.number]), data)
