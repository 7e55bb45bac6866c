"""Linking an account to a contract's payer with the number and key of an invoice."""

import datetime
import re
from unittest import mock

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.models import User
from audit.models import AuditEvent, AuditKind
from contracts.models import AccountPayerLink, ContractStatus, LinkAttempt, LinkAttemptResult
from contracts.services import (
    ACCOUNT_LIMIT,
    NUMBER_LIMIT,
    NUMBER_WINDOW,
    WATCHED_TRIES,
    give_new_key,
    number_watched_until,
)
from core.clientip import client_ip
from tests.builders import link, make_contract, make_user, reauthenticate
from tests.helpers import assert_french_page, html

LINK_URL = "/espace/lier-un-contrat/"
GENERIC = "Le numéro de contrat ou la clé est incorrect. Vérifiez-les sur votre dernière facture."
FORMAT = "12 chiffres, par exemple 11301.11377.01"
LOCKED = "Trop de tentatives infructueuses"
START = datetime.datetime(2026, 11, 26, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def newcomer(contract):
    """An account with no link yet; ``contract`` has the key ABCD2345."""
    return make_user("nouveau@example.fr")


@pytest.fixture
def newcomer_client(client, newcomer):
    client.force_login(newcomer)
    return client


def login_again(client):
    """Log the same account in at the travelled-to time (an older login may have ended
    on the idle timeout in between)."""
    client.force_login(User.objects.get(pk=client.session["_auth_user_id"]))


def post(client, number, key="ABCD2345", **extra):
    return client.post(LINK_URL, {"number": number, "key": key}, **extra)


def main_of(response):
    body = html(response)
    main = body[body.index("<main") : body.index("</main>")]
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", main)


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_link_page_explains_where_to_find_the_number_and_key(newcomer_client):
    response = newcomer_client.get(reverse("contracts:link"))
    assert response.status_code == 200
    assert_french_page(response)
    body = html(response)
    assert (
        "Afin de pouvoir accéder à vos informations, il faut lier votre (ou vos) contrat(s)" in body
    )
    assert "munissez-vous d’une facture" in body or "munissez-vous d'une facture" in body
    assert "liés au redevable de la facture utilisée." in body
    assert "Numéro de contrat" in body and "Clé" in body
    assert ">Lier un contrat</button>" in body and "Retour" in body
    assert 'src="/static/img/facture-numero-et-cle.svg"' in body
    assert 'alt="' in body and "11301.11377.01" in body


@pytest.mark.parametrize(
    "typed",
    ["11301.11377.01", "113011137701", "11301 11377 01", " 11301-11377-01 ", "11301/11377/01"],
)
def test_each_accepted_form_of_the_number_links_the_payer(
    newcomer_client, newcomer, contract, typed
):
    response = post(newcomer_client, typed)
    assert response.status_code == 302
    assert response["Location"] == reverse("contracts:dashboard", args=[contract.number])
    assert AccountPayerLink.objects.filter(user=newcomer, payer=contract.payer).exists()
    assert messages_of(response) == ["Liaison enregistrée."]
    attempt = LinkAttempt.objects.get()
    assert (attempt.number, attempt.result) == (contract.number, LinkAttemptResult.LINKED)


@pytest.mark.parametrize(
    "typed", ["1130111377", "A1301.11377.01", "11301.11377.1", "113011137701x", "11301,11377"]
)
def test_any_other_form_of_the_number_gets_the_expected_format(
    newcomer_client, newcomer, contract, typed
):
    response = post(newcomer_client, typed)
    assert response.status_code == 200
    assert FORMAT in html(response)
    assert not AccountPayerLink.objects.exists()
    assert LinkAttempt.objects.get().result == LinkAttemptResult.INVALID


def test_the_key_is_trimmed_and_its_case_does_not_matter(newcomer_client, newcomer, contract):
    response = post(newcomer_client, "11301.11377.01", key="  abcd2345  ")
    assert response.status_code == 302
    assert AccountPayerLink.objects.filter(user=newcomer).count() == 1


def test_both_fields_are_required(newcomer_client):
    response = newcomer_client.post(LINK_URL, {"number": "", "key": ""})
    assert response.status_code == 200
    assert "Ce champ est obligatoire." in html(response)
    assert not LinkAttempt.objects.exists()


def test_an_unknown_number_and_a_wrong_key_get_the_same_message(newcomer_client, contract):
    wrong_key = post(newcomer_client, "11301.11377.01", key="WRONG999")
    unknown = post(newcomer_client, "99999.99999.99", key="ABCD2345")
    for response in (wrong_key, unknown):
        assert response.status_code == 200
        assert GENERIC in html(response)
    # Nothing else differs but the number and key typed back and the CSRF token.
    assert main_of(wrong_key).replace('value="11301.11377.01"', "N").replace(
        'value="WRONG999"', "K"
    ) == main_of(unknown).replace('value="99999.99999.99"', "N").replace('value="ABCD2345"', "K")
    assert not AccountPayerLink.objects.exists()
    assert [a.result for a in LinkAttempt.objects.all()] == [LinkAttemptResult.FAILED] * 2


def test_an_unknown_number_still_checks_a_password_so_timing_tells_nothing(newcomer_client, db):
    with mock.patch("contracts.services.check_password", return_value=False) as check:
        post(newcomer_client, "99999.99999.99")
    assert check.call_count == 1


def test_an_already_linked_contract_is_said_kindly(subscriber_client, subscriber, contract):
    response = post(subscriber_client, "113011137701")
    assert response.status_code == 302
    assert response["Location"] == reverse("contracts:dashboard", args=[contract.number])
    assert messages_of(response) == [
        "Ce contrat est déjà lié à votre compte : le voici, avec tous les contrats du même "
        "redevable."
    ]
    assert AccountPayerLink.objects.filter(user=subscriber).count() == 1
    assert LinkAttempt.objects.get().result == LinkAttemptResult.ALREADY_LINKED


def test_a_terminated_contract_can_be_linked(newcomer_client, newcomer, contract):
    contract.status = ContractStatus.TERMINATED
    contract.save()
    assert post(newcomer_client, contract.number).status_code == 302
    assert AccountPayerLink.objects.filter(user=newcomer).exists()


def test_linking_one_contract_opens_every_contract_of_the_payer(newcomer_client, contract):
    second = make_contract(contract.payer, "11301.11377.02", key="OTHERKEY")
    post(newcomer_client, contract.number)
    response = newcomer_client.get(reverse("contracts:dashboard", args=[second.number]))
    assert response.status_code == 200


def test_linking_needs_a_post_with_a_csrf_token(newcomer, contract):
    client = Client(enforce_csrf_checks=True)
    client.force_login(newcomer)
    response = post(client, contract.number)
    assert response.status_code == 403
    assert not AccountPayerLink.objects.exists()


def test_the_key_is_marked_sensitive_and_never_stored(newcomer_client, contract):
    response = post(newcomer_client, contract.number, key="WRONG999")
    assert response.wsgi_request.sensitive_post_parameters == ("key",)
    attempt = LinkAttempt.objects.get()
    assert "WRONG999" not in str(
        [getattr(attempt, f.attname) for f in LinkAttempt._meta.concrete_fields]
    )


def test_each_attempt_is_logged_with_the_client_ip(newcomer_client, newcomer, contract):
    post(newcomer_client, contract.number, key="BAD", REMOTE_ADDR="192.0.2.7")
    attempt = LinkAttempt.objects.get()
    assert (attempt.user, attempt.ip, attempt.number) == (newcomer, "192.0.2.7", contract.number)


def test_a_raw_number_is_logged_truncated(newcomer_client):
    post(newcomer_client, "x" * 60)
    assert LinkAttempt.objects.get().number == "x" * 32


# --- Lockouts --------------------------------------------------------------------------------


def fail(client, number="11301.11377.01", times=1):
    for _ in range(times):
        response = post(client, number, key="WRONG999")
        assert GENERIC in html(response)


def test_an_account_is_locked_after_five_failures_even_with_the_right_key(
    newcomer_client, newcomer, contract
):
    with time_machine.travel(START, tick=False):
        login_again(newcomer_client)
        fail(newcomer_client, times=ACCOUNT_LIMIT)
        response = post(newcomer_client, contract.number)
    assert response.status_code == 200
    body = html(response)
    assert LOCKED in body
    # 10:00 in Paris + 15 minutes.
    assert "10:15 le 26/11/2026" in body
    assert not AccountPayerLink.objects.exists()
    assert LinkAttempt.objects.filter(result=LinkAttemptResult.LOCKED).count() == 1


def test_the_account_lock_counts_failures_on_any_number(newcomer_client, contract):
    with time_machine.travel(START, tick=False):
        login_again(newcomer_client)
        fail(newcomer_client, "99999.99999.01", times=3)
        fail(newcomer_client, "99999.99999.02", times=2)
        assert LOCKED in html(post(newcomer_client, contract.number))


def test_the_account_lock_expires_after_fifteen_minutes(newcomer_client, newcomer, contract):
    with time_machine.travel(START, tick=False):
        login_again(newcomer_client)
        fail(newcomer_client, times=ACCOUNT_LIMIT)
    with time_machine.travel(START + datetime.timedelta(minutes=14, seconds=59), tick=False):
        assert LOCKED in html(post(newcomer_client, contract.number))
    with time_machine.travel(START + datetime.timedelta(minutes=15, seconds=1), tick=False):
        assert post(newcomer_client, contract.number).status_code == 302
    assert AccountPayerLink.objects.filter(user=newcomer).exists()


def test_refused_attempts_during_a_lock_do_not_extend_it(newcomer_client, contract):
    with time_machine.travel(START, tick=False):
        login_again(newcomer_client)
        fail(newcomer_client, times=ACCOUNT_LIMIT)
    for minute in (5, 10, 14):
        with time_machine.travel(START + datetime.timedelta(minutes=minute), tick=False):
            assert LOCKED in html(post(newcomer_client, contract.number))
    with time_machine.travel(START + datetime.timedelta(minutes=16), tick=False):
        assert post(newcomer_client, contract.number).status_code == 302


def test_four_failures_do_not_lock(newcomer_client, contract):
    with time_machine.travel(START, tick=False):
        login_again(newcomer_client)
        fail(newcomer_client, times=ACCOUNT_LIMIT - 1)
        assert post(newcomer_client, contract.number).status_code == 302


def watch(client, number):
    """Strangers' failures on ``number`` up to the ceiling: two per account."""
    for n in range(NUMBER_LIMIT // 2):
        attacker = make_user(f"attaquant{n}@example.fr")
        client.force_login(attacker)
        fail(client, number, times=2)


def test_strangers_failures_do_not_stop_the_owner_with_the_right_key(client, contract):
    with time_machine.travel(START, tick=False):
        watch(client, contract.number)
        assert number_watched_until(contract.number) == START + NUMBER_WINDOW
        # The rightful subscriber, with the invoice at hand, links at once.
        owner = make_user("proprietaire@example.fr")
        client.force_login(owner)
        assert post(client, contract.number).status_code == 302
    assert AccountPayerLink.objects.filter(user=owner).exists()


def test_staff_are_alerted_once_when_a_number_is_watched(client, contract):
    with time_machine.travel(START, tick=False):
        watch(client, contract.number)
        client.force_login(make_user("encore@example.fr"))
        fail(client, contract.number, times=1)
    (alert,) = AuditEvent.objects.filter(kind=AuditKind.LINK_ALERT)
    assert contract.number in alert.detail


def test_on_a_watched_number_each_account_has_only_a_few_tries(client, contract):
    with time_machine.travel(START, tick=False):
        watch(client, contract.number)
        stranger = make_user("inconnu@example.fr")
        client.force_login(stranger)
        fail(client, contract.number, times=WATCHED_TRIES)
        # Even the right key is refused to an account that kept guessing, until tomorrow.
        response = post(client, contract.number)
        assert LOCKED in html(response)
        assert "10:00 le 27/11/2026" in html(response)
        # Other numbers are not affected.
        assert GENERIC in html(post(client, "99999.99999.99"))
    assert not AccountPayerLink.objects.filter(user=stranger).exists()


def test_a_new_key_from_staff_lifts_the_watch(client, contract):
    with time_machine.travel(START, tick=False):
        watch(client, contract.number)
        stranger = make_user("inconnu@example.fr")
        client.force_login(stranger)
        fail(client, contract.number, times=WATCHED_TRIES)
        key = give_new_key(contract)
        assert number_watched_until(contract.number) is None
        assert post(client, contract.number, key=key).status_code == 302


def test_the_counters_live_in_the_database_and_survive_a_new_session(newcomer, contract):
    with time_machine.travel(START, tick=False):
        first = Client()
        first.force_login(newcomer)
        fail(first, times=ACCOUNT_LIMIT)
        second = Client()  # another browser, another process: same rows.
        second.force_login(newcomer)
        assert LOCKED in html(post(second, contract.number))


def test_deleting_an_account_keeps_its_attempts_in_the_log(newcomer_client, newcomer, contract):
    fail(newcomer_client, times=2)
    newcomer.delete()
    assert LinkAttempt.objects.filter(user=None).count() == 2


# --- Client IP -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "192.0.2.1"),
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        (1, "", "192.0.2.1"),
        (1, "not-an-ip", None),
    ],
)
def test_the_client_ip_trusts_forwarded_for_only_through_our_proxies(
    settings, count, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = count
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


# --- My contracts and unlinking --------------------------------------------------------------


def test_my_contracts_lists_the_contracts_grouped_by_payer(client, contract, other_contract):
    user = make_user("gestionnaire@example.fr")
    link(user, contract.payer)
    link(user, other_contract.payer)
    make_contract(contract.payer, "11301.11377.02", status=ContractStatus.TERMINATED)
    client.force_login(user)
    response = client.get(reverse("contracts:my_contracts"))
    assert_french_page(response)
    body = html(response)
    assert "Redevable : Marie Dupont" in body and "Redevable : Jean Martin" in body
    assert body.index("11301.11377.01") < body.index("11301.11377.02")
    assert "12 cours Mirabeau, 13100 Aix-en-Provence" in body
    assert "Résilié" in body and "En cours" in body


def test_unlinking_asks_for_confirmation_then_removes_the_payer(
    subscriber_client, subscriber, second_subscriber, contract
):
    url = reverse("contracts:unlink", args=[contract.payer_id])
    subscriber_client.get(reverse("contracts:dashboard", args=[contract.number]))
    reauthenticate(subscriber_client, subscriber)
    confirm = subscriber_client.get(url)
    assert confirm.status_code == 200
    assert_french_page(confirm)
    assert AccountPayerLink.objects.filter(user=subscriber).exists()  # GET changes nothing
    response = subscriber_client.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("contracts:my_contracts")
    assert not AccountPayerLink.objects.filter(user=subscriber).exists()
    assert AccountPayerLink.objects.filter(user=second_subscriber).exists()
    assert (
        subscriber_client.get(reverse("contracts:dashboard", args=[contract.number])).status_code
        == 404
    )
    # The next login lands on the welcome page, not on the unlinked contract.
    assert subscriber_client.get(reverse("contracts:area")).status_code == 200


def test_unlinking_needs_a_csrf_token(subscriber, contract):
    client = Client(enforce_csrf_checks=True)
    client.force_login(subscriber)
    response = client.post(reverse("contracts:unlink", args=[contract.payer_id]))
    assert response.status_code == 403
    assert AccountPayerLink.objects.filter(user=subscriber).exists()


# --- Staff admin -----------------------------------------------------------------------------


def test_staff_read_the_attempts_but_cannot_change_them(client, staff_agent, newcomer_client):
    post(newcomer_client, "99999.99999.99")
    client.force_login(staff_agent)
    base = "/gestion/contracts/linkattempt/"
    response = client.get(base)
    assert response.status_code == 200
    assert "99999.99999.99" in html(response)
    assert client.get(base + "add/").status_code == 403
    attempt = LinkAttempt.objects.get()
    assert client.post(f"{base}{attempt.pk}/delete/", {"post": "yes"}).status_code == 403
    assert LinkAttempt.objects.count() == 1


def test_staff_see_the_links_of_an_account_and_can_remove_one(client, staff_agent, subscriber):
    client.force_login(staff_agent)
    base = "/gestion/contracts/accountpayerlink/"
    response = client.get(base + "?q=abonne@example.fr")
    assert response.status_code == 200 and "Marie Dupont" in html(response)
    assert client.get(base + "add/").status_code == 403
    link_row = AccountPayerLink.objects.get(user=subscriber)
    response = client.post(f"{base}{link_row.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not AccountPayerLink.objects.filter(user=subscriber).exists()


def test_a_refused_key_is_not_sent_back_in_the_page(newcomer_client, contract):
    response = post(newcomer_client, contract.number, key="WRONG999")
    assert "WRONG999" not in html(response)
    assert 'value="11301.11377.01"' in html(response)  # the number is kept


def test_an_attempt_counts_as_a_failure_while_its_key_is_being_checked(
    newcomer_client, newcomer, contract
):
    """Attempts running at the same time see each other: the row exists before the check."""
    seen = []

    def check(raw):
        seen.append(LinkAttempt.objects.filter(result=LinkAttemptResult.FAILED).count())
        return False

    with mock.patch.object(type(contract), "check_key", side_effect=check, autospec=False):
        post(newcomer_client, contract.number, key="WRONG999")
    assert seen == [1]


def test_the_picture_of_where_to_find_the_key_comes_before_the_button(newcomer_client):
    body = newcomer_client.get(LINK_URL).content.decode()
    assert body.index('class="invoice-help"') < body.index('<button class="button" type="submit"')
