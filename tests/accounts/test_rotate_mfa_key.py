"""Rotating MFA_ENCRYPTION_KEY: new key first, old key after it, re-encrypt, old key gone."""

import io

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from cryptography.fernet import Fernet
from django.core.management import call_command

from accounts.mfa import fernet
from accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def keys(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()

    def use(value):
        settings.MFA_ENCRYPTION_KEY = value
        fernet.cache_clear()

    use(old)
    yield old, new, use
    fernet.cache_clear()


def test_secrets_survive_a_key_rotation(keys):
    old, new, use = keys
    user = User.objects.create_user("chef@example.fr", "x", is_staff=True)
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    use(f"{new},{old}")
    call_command("rotate_mfa_key", stdout=io.StringIO())
    use(new)  # the old key is dropped
    stored = Authenticator.objects.get(user=user).data["secret"]
    assert fernet().decrypt(stored.encode()).decode() == secret
