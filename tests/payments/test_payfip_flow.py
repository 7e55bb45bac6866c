"""Paying an invoice online, each PayFiP outcome through the simulator over HTTP."""

import datetime

import pytest
from django.utils import timezone

from payments import services
from payments.models import AttemptState, PaymentAttempt
from payments.simulator import store
from tests.builders import add_attempt
from tests.helpers import assert_french_page, html
from tests.payments.helpers import choose, id_op_of, page_url_of
from tests.payments.simulator_server import silent_server

pytestmark = pytest.mark.django_db

PAY = "/contrats/11301.11377.01/factures/F2026-0042/payer/"


def start(client, email="abonne@example.fr"):
    response = client.post(PAY, {"email": email})
    assert response.status_code == 302, html(response)
    return response


def come_back(client, attempt):
    """The browser back from PayFiP: a POST with idOp and no session cookie needed."""
    return client.post(f"/paiement-en-ligne/retour/{attempt.token}/", {"idOp": attempt.id_op})


def test_the_confirmation_page_shows_the_amount_the_invoice_and_the_email(
    subscriber_client, invoice, payfip
):
    response = subscriber_client.get(PAY)
    assert response.status_code == 200
    assert_french_page(response)
    body = html(response)
    assert "Payer la facture F2026-0042 en ligne" in body
    assert "84,50" in body
    assert 'value="abonne@example.fr"' in body
    assert "Payer 84,50" in body


@pytest.mark.parametrize(
    ("choice", "state", "shown"),
    [
        ("P", AttemptState.PAID_CARD, "Payée en ligne le"),
        ("V", AttemptState.PAID_DEBIT, "Payée en ligne le"),
        ("R", AttemptState.REFUSED, "Le paiement en ligne a été refusé"),
        ("Z", AttemptState.REFUSED, "Le paiement en ligne a été refusé"),
        ("A", AttemptState.ABANDONED, "Le paiement en ligne a été abandonné"),
    ],
)
def test_each_outcome_of_payfip_is_recorded_and_shown(
    subscriber_client, client, invoice, payfip, choice, state, shown
):
    response = start(subscriber_client)
    attempt = PaymentAttempt.objects.get()
    assert attempt.state == AttemptState.WAITING
    assert attempt.amount_cents == 8450
    assert attempt.refdet == "F20260042"
    assert attempt.id_op == id_op_of(response)

    choose(page_url_of(response), choice)
    back = come_back(client, attempt)
    assert back.status_code == 302
    assert back["Location"] == PAY

    attempt.refresh_from_db()
    assert attempt.state == state
    assert attempt.resultrans == choice
    page = html(subscriber_client.get(PAY))
    assert shown in page
    if state in (AttemptState.PAID_CARD, AttemptState.PAID_DEBIT):
        assert attempt.numauto and f"autorisation {attempt.numauto}" in page
        assert attempt.transaction_at is not None
        assert "Réessayer" not in page
    else:
        assert "Réessayer" in page
        assert "rien n’a été débité" in page or "rien n'a été débité" in page


def test_a_result_not_known_yet_shows_processing_then_the_payment(
    subscriber_client, client, invoice, payfip
):
    response = start(subscriber_client)
    attempt = PaymentAttempt.objects.get()
    choose(page_url_of(response), "P5")
    come_back(client, attempt)
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.WAITING
    page = html(subscriber_client.get(PAY))
    assert "Paiement en cours de traitement" in page
    invoices = html(subscriber_client.get("/contrats/11301.11377.01/factures/"))
    assert "Paiement en cours de traitement" in invoices

    choose(page_url_of(response), "P")
    page = html(subscriber_client.get(PAY))  # the page asks PayFiP again
    assert "Payée en ligne le" in page
    assert PaymentAttempt.objects.get().state == AttemptState.PAID_CARD


def test_the_notification_alone_records_the_result(subscriber_client, client, invoice, payfip):
    response = start(subscriber_client)
    choose(page_url_of(response), "P")
    notified = client.post("/paiement-en-ligne/notification/", {"idOp": id_op_of(response)})
    assert notified.status_code == 200
    assert PaymentAttempt.objects.get().state == AttemptState.PAID_CARD


def test_a_purged_operation_expires(subscriber_client, client, invoice, payfip):
    response = start(subscriber_client)
    choose(page_url_of(response), "P1")
    come_back(client, PaymentAttempt.objects.get())
    attempt = PaymentAttempt.objects.get()
    assert attempt.state == AttemptState.EXPIRED
    assert attempt.error_code == "P1"
    assert "Réessayer" in html(subscriber_client.get(PAY))


def test_cron_expires_an_attempt_still_unknown_after_twenty_minutes(
    subscriber_client, invoice, payfip
):
    from io import StringIO

    from django.core.management import call_command

    start(subscriber_client)
    out = StringIO()
    call_command("refresh_online_payments", stdout=out)
    assert PaymentAttempt.objects.get().state == AttemptState.WAITING
    PaymentAttempt.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=21))
    call_command("refresh_online_payments", stdout=out)
    attempt = PaymentAttempt.objects.get()
    assert attempt.state == AttemptState.EXPIRED
    assert attempt.error_code == "P5"
    assert "expired: 1" in out.getvalue()


def test_a_replayed_notification_changes_nothing(subscriber_client, client, invoice, payfip):
    response = start(subscriber_client)
    choose(page_url_of(response), "P")
    client.post("/paiement-en-ligne/notification/", {"idOp": id_op_of(response)})
    paid = PaymentAttempt.objects.get()
    # PayFiP would never say otherwise, but even if the operation were gone now:
    store.forget(paid.id_op)
    for _ in range(3):
        response = client.post("/paiement-en-ligne/notification/", {"idOp": paid.id_op})
        assert response.status_code == 200
    again = PaymentAttempt.objects.get()
    assert (again.state, again.numauto, again.updated_at) == (
        paid.state,
        paid.numauto,
        paid.updated_at,
    )


def test_a_forged_notification_changes_nothing(subscriber_client, client, invoice, payfip):
    start(subscriber_client)
    attempt = PaymentAttempt.objects.get()
    forged = ({"idOp": "forged"}, {"idOp": attempt.id_op, "resultrans": "P"}, {})
    odd = ({"idOp": "a\x00b"}, {"idOp": "' OR 1=1 --"}, {"idOp": "x" * 500})
    for data in forged + odd:
        assert client.post("/paiement-en-ligne/notification/", data).status_code == 200
    assert PaymentAttempt.objects.get().state == AttemptState.WAITING  # PayFiP says P5


def test_an_answer_for_another_amount_is_never_counted_as_paid(
    subscriber_client, client, invoice, payfip
):
    response = start(subscriber_client)
    store.get(id_op_of(response)).values["montant"] = "100"
    choose(page_url_of(response), "P")
    come_back(client, PaymentAttempt.objects.get())
    attempt = PaymentAttempt.objects.get()
    assert attempt.state == AttemptState.ERROR
    assert attempt.error_code == "mismatch"


def test_two_tabs_cannot_open_two_attempts(subscriber_client, invoice, payfip):
    first = start(subscriber_client)
    second = start(subscriber_client)
    assert second["Location"] == first["Location"]  # the same PayFiP operation
    assert PaymentAttempt.objects.count() == 1


def test_the_database_refuses_a_second_open_attempt(subscriber_client, invoice, payfip, contract):
    from django.db import IntegrityError, transaction

    start(subscriber_client)
    with pytest.raises(IntegrityError), transaction.atomic():
        add_attempt(invoice, amount_cents=1, email="a@example.fr")


def test_a_posted_amount_is_ignored(subscriber_client, invoice, payfip):
    subscriber_client.post(PAY, {"email": "abonne@example.fr", "amount": "0.01", "montant": "1"})
    attempt = PaymentAttempt.objects.get()
    assert attempt.amount_cents == 8450
    assert store.get(attempt.id_op).values["montant"] == "8450"


def test_a_soap_fault_gives_a_french_error_and_keeps_the_attempt(
    subscriber_client, invoice, payfip
):
    store.arm_fault("creerPaiementSecurise", "R3")
    response = subscriber_client.post(PAY, {"email": "abonne@example.fr"})
    assert response.status_code == 200
    assert "Le service de paiement en ligne a refusé la demande (code R3)" in html(response)
    attempt = PaymentAttempt.objects.get()
    assert (attempt.state, attempt.error_code) == (AttemptState.ERROR, "R3")
    # Not stuck: the next try opens a new operation.
    assert start(subscriber_client)
    assert PaymentAttempt.objects.filter(state=AttemptState.WAITING).count() == 1


def test_a_web_service_that_does_not_answer_gives_a_french_error(
    settings, subscriber_client, invoice, payfip
):
    settings.PAYFIP_TIMEOUT = 1
    with silent_server() as url:
        settings.PAYFIP_URL = url
        response = subscriber_client.post(PAY, {"email": "abonne@example.fr"})
    assert response.status_code == 200
    assert "Le service de paiement en ligne ne répond pas" in html(response)
    attempt = PaymentAttempt.objects.get()
    assert (attempt.state, attempt.error_code) == (AttemptState.ERROR, "unavailable")


def test_a_timeout_while_asking_keeps_the_attempt_waiting(
    settings, subscriber_client, client, invoice, payfip
):
    start(subscriber_client)
    attempt = PaymentAttempt.objects.get()
    settings.PAYFIP_TIMEOUT = 1
    with silent_server() as url:
        settings.PAYFIP_URL = url
        assert come_back(client, attempt).status_code == 302
    assert PaymentAttempt.objects.get().state == AttemptState.WAITING


def test_an_invoice_paid_online_is_pending_on_the_payments_page_until_the_import(
    subscriber_client, client, invoice, payfip, contract
):
    from tests.builders import add_payment

    response = start(subscriber_client)
    choose(page_url_of(response), "P")
    come_back(client, PaymentAttempt.objects.get())
    page = html(subscriber_client.get("/contrats/11301.11377.01/paiements/"))
    assert "pour la facture F2026-0042, payés en ligne le" in page
    attempt = PaymentAttempt.objects.get()
    paid_on = timezone.localdate(attempt.transaction_at).isoformat()
    add_payment(contract, "PAY-1", paid_on, "84.50", invoice=invoice)
    page = html(subscriber_client.get("/contrats/11301.11377.01/paiements/"))
    assert "pour la facture F2026-0042" not in page


def test_the_feature_is_off_when_not_configured(subscriber_client, invoice, settings):
    settings.PAYFIP_NUMCLI = ""
    settings.PAYFIP_URL = ""
    assert subscriber_client.get(PAY).status_code == 404
    page = html(subscriber_client.get("/contrats/11301.11377.01/factures/"))
    assert "Payer en ligne" not in page


def test_the_refdet_is_the_invoice_number_in_letters_and_digits():
    from payments.payfip import refdet_for

    assert refdet_for("F2026-000123") == "F2026000123"
    assert refdet_for("42") == "000042"
    assert refdet_for("fé-12/3") == "FE123"[:0] + "0FE123"
    with pytest.raises(ValueError):
        refdet_for("X" * 31)


def test_services_compute_cents_exactly():
    from decimal import Decimal

    assert services.to_cents(Decimal("84.50")) == 8450
    assert services.to_cents(Decimal("0.01")) == 1
