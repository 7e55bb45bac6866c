"""Logs never hold a password, a contract key, an activation or reset token, a session id."""

import logging

import pytest
from django.core import mail

from tests.builders import link_in, login

pytestmark = pytest.mark.django_db

FIRST = "Tortue&Violon9"
SECOND = "Girafe#Cerisier4"
WRONG = "Hibou$Parapluie3"
KEY = "ABCD2345"  # the contract fixture's key


def test_a_whole_journey_leaves_no_secret_in_the_logs(client, contract, caplog):
    caplog.set_level(logging.DEBUG)
    secrets = [FIRST, SECOND, WRONG, KEY]

    # Sign-up and activation.
    client.post(
        "/comptes/signup/", {"email": "nouvelle@example.fr", "password1": FIRST, "password2": FIRST}
    )
    activation = link_in(mail.outbox[-1])
    secrets.append(activation.rstrip("/").rsplit("/", 1)[-1])
    client.post(activation)
    secrets.append(client.cookies["sessionid"].value)

    # Linking a contract: a wrong key, then the right one.
    client.post("/espace/lier-un-contrat/", {"number": contract.number, "key": "WRONGKEY"})
    linked = client.post("/espace/lier-un-contrat/", {"number": contract.number, "key": KEY})
    assert linked.status_code == 302
    client.post("/comptes/logout/")

    # A failed login, then a password reset and a login with the new password.
    login(client, "nouvelle@example.fr", password=WRONG)
    client.post("/comptes/password/reset/", {"email": "nouvelle@example.fr"})
    reset = link_in(mail.outbox[-1])
    secrets.append(reset.rstrip("/").rsplit("/", 1)[-1])
    form = client.get(reset, follow=True).redirect_chain[-1][0]
    client.post(form, {"password1": SECOND, "password2": SECOND})
    assert login(client, "nouvelle@example.fr", password=SECOND).status_code == 302
    secrets.append(client.cookies["sessionid"].value)

    logged = caplog.text + "".join(str(record.args) for record in caplog.records)
    assert caplog.records, "the journey logged nothing: the test would prove nothing"
    for secret in secrets:
        assert secret and secret not in logged, "a secret reached the logs"
    assert "nouvelle@example.fr" not in logged
