"""Bank details at rest: encrypted with MFA_ENCRYPTION_KEY, re-encrypted by its rotation."""

import io

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from core import crypto
from mandates.models import Mandate, MoveOut

from .factories import IBAN_DE, IBAN_FR, IBAN_SECRET_PART, move_out, sign

pytestmark = pytest.mark.django_db


@pytest.fixture
def keys(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()

    def use(value):
        settings.MFA_ENCRYPTION_KEY = value
        crypto.fernet.cache_clear()

    use(old)
    yield old, new, use
    crypto.fernet.cache_clear()


def raw_columns(table):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - a fixed table name
        return " ".join(str(v) for row in cursor.fetchall() for v in row)


def test_the_database_never_holds_the_iban_in_clear(contract, subscriber):
    sign(contract, subscriber)
    move_out(contract, subscriber, iban=IBAN_DE)
    for table in ("mandates_mandate", "mandates_moveout", "inquiries_message"):
        text = raw_columns(table)
        assert IBAN_FR not in text and IBAN_SECRET_PART not in text, table
        assert IBAN_DE not in text and "370400440532013" not in text, table


def test_rotation_re_encrypts_bank_details_and_two_factor_secrets(keys, contract, subscriber):
    old, new, use = keys
    mandate = sign(contract, subscriber)
    move = move_out(contract, subscriber, iban=IBAN_DE)
    secret = generate_totp_secret()
    TOTP.activate(subscriber, secret)
    use(f"{new},{old}")
    out = io.StringIO()
    call_command("rotate_mfa_key", "--dry-run", stdout=out)
    assert "2 autres valeurs chiffrées" in out.getvalue()
    assert Mandate.objects.get().iban_encrypted == mandate.iban_encrypted  # dry run
    call_command("rotate_mfa_key", stdout=io.StringIO())
    use(new)  # the old key is dropped
    assert Mandate.objects.get().iban == IBAN_FR
    assert MoveOut.objects.get(pk=move.pk).iban == IBAN_DE
    stored = Authenticator.objects.get(user=subscriber).data["secret"]
    assert crypto.decrypt(stored) == secret


def test_without_the_key_the_iban_cannot_be_read(keys, contract, subscriber):
    _, new, use = keys
    sign(contract, subscriber)
    use(new)
    with pytest.raises(crypto.InvalidToken):
        _ = Mandate.objects.get().iban
