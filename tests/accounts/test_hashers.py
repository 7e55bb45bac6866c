"""Password storage: Argon2id at OWASP's parameters, older hashes upgraded at login."""

import pytest
from django.conf import settings
from django.contrib.auth.hashers import (
    Argon2PasswordHasher,
    PBKDF2PasswordHasher,
    get_hasher,
    identify_hasher,
)

from accounts.hashers import RegieArgon2PasswordHasher
from accounts.models import User
from tests.builders import PASSWORD, login

pytestmark = [pytest.mark.django_db, pytest.mark.real_password_hashers]


def _params(encoded: str) -> dict[str, int]:
    # argon2$argon2id$v=19$m=19456,t=2,p=1$salt$hash
    fields = encoded.split("$")[3]
    return {k: int(v) for k, v in (part.split("=") for part in fields.split(","))}


def test_new_passwords_are_hashed_with_argon2id_at_owasp_parameters_or_above(new_subscriber):
    new_subscriber.refresh_from_db()
    assert new_subscriber.password.startswith("argon2$argon2id$")
    params = _params(new_subscriber.password)
    assert params["m"] >= 19 * 1024
    assert params["t"] >= 2
    assert params["p"] == 1


def test_the_portal_hasher_comes_first_and_older_hashers_stay_readable():
    assert settings.PASSWORD_HASHERS[0] == "accounts.hashers.RegieArgon2PasswordHasher"
    assert isinstance(get_hasher("default"), RegieArgon2PasswordHasher)
    assert "django.contrib.auth.hashers.PBKDF2PasswordHasher" in settings.PASSWORD_HASHERS


@pytest.mark.parametrize(
    "old_hasher",
    [Argon2PasswordHasher(), PBKDF2PasswordHasher()],
    ids=["argon2-django-defaults", "pbkdf2"],
)
def test_an_older_hash_still_logs_in_and_is_rehashed_at_the_portal_parameters(
    client, new_subscriber, old_hasher
):
    old = old_hasher.encode(PASSWORD, old_hasher.salt())
    User.objects.filter(pk=new_subscriber.pk).update(password=old)

    response = login(client, new_subscriber.email)

    assert response.status_code == 302
    new_subscriber.refresh_from_db()
    assert new_subscriber.password != old
    assert isinstance(identify_hasher(new_subscriber.password), Argon2PasswordHasher)
    assert _params(new_subscriber.password) == {"m": 19 * 1024, "t": 2, "p": 1}
    # And the new hash works on the next login.
    client.post("/comptes/logout/")
    assert login(client, new_subscriber.email).status_code == 302


def test_a_wrong_password_leaves_an_older_hash_untouched(client, new_subscriber):
    old = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt())
    User.objects.filter(pk=new_subscriber.pk).update(password=old)

    response = login(client, new_subscriber.email, password="Mauvais7!")

    assert response.status_code == 200
    new_subscriber.refresh_from_db()
    assert new_subscriber.password == old
