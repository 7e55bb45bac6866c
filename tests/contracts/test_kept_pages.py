"""Contract pages kept in the cache (contracts.fragments, contracts.access): a subscriber
never sees figures older than the data, and never a contract they may no longer see."""

import datetime
import re
from decimal import Decimal
from importlib import import_module

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts import usercache
from contracts import access, fragments, services
from contracts.billing import import_billing
from contracts.models import AccountPayerLink, Contract, Invoice, Payer
from tests.builders import add_invoice, link, make_contract, make_user
from tests.contracts.exports import write_export
from tests.helpers import html

NBSP = "\xa0"


def get(client, name, contract, **query):
    return client.get(reverse(f"contracts:{name}", args=[contract.number]), query)


@pytest.fixture
def invoiced(contract):
    return add_invoice(contract, "F2026-0101", "2026-10-01", "2026-11-01", "80.00", "80.00")


def test_an_invoice_changed_by_the_regie_shows_at_once(subscriber_client, contract, invoiced):
    assert f"80,00{NBSP}€" in html(get(subscriber_client, "invoices", contract))
    invoiced.amount_incl_tax = invoiced.amount_due = Decimal("95.40")
    invoiced.save()
    body = html(get(subscriber_client, "invoices", contract))
    assert f"95,40{NBSP}€" in body and f"80,00{NBSP}€" not in body


def test_a_deleted_payment_disappears_at_once(subscriber_client, contract, invoiced):
    payment = invoiced.payments.create(
        contract=contract, reference="R-9", date=datetime.date(2026, 10, 5), amount=Decimal(20)
    )
    assert "F2026-0101" in html(get(subscriber_client, "payments", contract))
    payment.delete()
    assert "Aucun paiement" in html(get(subscriber_client, "payments", contract))


def test_an_import_shows_at_once(client, tmp_path, db):
    assert import_billing(write_export(tmp_path / "first")).ok
    contract = Contract.objects.get(number="11301.11377.01")
    user = make_user("importe@example.fr")
    link(user, Payer.objects.get(reference="P001"))
    client.force_login(user)
    assert "F2025-7" not in html(get(client, "invoices", contract))
    newer = write_export(
        tmp_path / "second",
        invoices_csv=(
            "invoice_number;contract_number;issue_date;due_date;period_start;period_end;"
            "volume_m3;amount_excl_tax;amount_incl_tax;amount_due;pdf\n"
            "F2025-7;11301.11377.01;2025-01-20;2025-02-20;;;12;;42.00;42.00;\n"
        ),
    )
    assert import_billing(newer).ok
    assert "F2025-7" in html(get(client, "invoices", contract))


def test_a_dry_run_import_keeps_the_pages(client, tmp_path, db):
    assert import_billing(write_export(tmp_path / "first")).ok
    before = fragments.generation()
    assert import_billing(write_export(tmp_path / "again"), dry_run=True).ok
    assert fragments.generation() == before


def test_unlinking_closes_the_contract_at_once(subscriber_client, subscriber, contract):
    assert get(subscriber_client, "dashboard", contract).status_code == 200
    services.unlink_payer(subscriber, contract.payer_id)
    for name in ("dashboard", "invoices", "consumption", "payments", "details"):
        assert get(subscriber_client, name, contract).status_code == 404


def test_a_new_link_shows_in_the_selector_at_once(
    subscriber_client, subscriber, contract, other_contract
):
    assert other_contract.number not in html(get(subscriber_client, "dashboard", contract))
    link(subscriber, other_contract.payer)
    assert other_contract.number in html(get(subscriber_client, "dashboard", contract))
    assert get(subscriber_client, "dashboard", other_contract).status_code == 200


def test_a_contract_moved_to_another_payer_closes_at_once(subscriber_client, contract, other_payer):
    assert get(subscriber_client, "dashboard", contract).status_code == 200
    contract.payer = other_payer
    contract.save()
    assert get(subscriber_client, "dashboard", contract).status_code == 404


@pytest.mark.parametrize("name", ["dashboard", "invoices", "payments"])
def test_a_contract_moved_by_a_bulk_update_closes_when_the_kept_account_expires(
    subscriber_client, subscriber, contract, other_payer, name
):
    """A bulk ``update()`` sends no signal: the list of contracts kept with the account is
    dropped with it, after USER_CACHE_SECONDS at most (what ``forget`` does at once)."""
    assert get(subscriber_client, name, contract).status_code == 200
    assert get(subscriber_client, name, contract).status_code == 200  # now kept
    Contract.objects.filter(pk=contract.pk).update(payer=other_payer)
    usercache.forget(subscriber.pk)
    assert get(subscriber_client, name, contract).status_code == 404


def test_a_link_removed_by_a_bulk_delete_closes_when_the_kept_account_expires(
    subscriber_client, subscriber, contract
):
    assert get(subscriber_client, "invoices", contract).status_code == 200
    AccountPayerLink.objects.filter(user=subscriber)._raw_delete(AccountPayerLink.objects.db)
    usercache.forget(subscriber.pk)
    assert get(subscriber_client, "invoices", contract).status_code == 404


def test_the_kept_contract_list_goes_with_the_kept_account(subscriber, contract):
    """Kept in the shared cache under the account's version, which expires after
    USER_CACHE_SECONDS and is dropped on every change of the account."""
    user = usercache.get_user(_request_as(subscriber))
    if usercache.version_of(user) is None:
        pytest.skip("accounts are kept only with a shared cache (Redis)")
    assert [c.number for c in access._visible_list(user)] == [contract.number]
    kept = cache.get(f"{access.VISIBLE_PREFIX}{subscriber.pk}")
    assert kept[0] == usercache.version_of(user) and kept[2][0].number == contract.number
    redis = cache._cache.get_client()
    ttl = redis.ttl(cache.make_key(f"{access.VISIBLE_PREFIX}{subscriber.pk}"))
    assert 0 < ttl <= usercache.timeout()
    usercache.forget(subscriber.pk)
    again = usercache.get_user(_request_as(subscriber))
    assert usercache.version_of(again) != kept[0]  # the list kept under the old one is unused


def _request_as(user):
    """A request carrying ``user``'s session, as a login leaves it."""
    client = Client()
    client.force_login(user)
    request = RequestFactory().get("/")
    store = import_module(settings.SESSION_ENGINE).SessionStore
    request.session = store(client.cookies[settings.SESSION_COOKIE_NAME].value)
    return request


def test_a_fragment_holding_a_form_token_is_refused(contract):
    fragment = fragments.Fragment(
        contract.number, "invoices", dict, today=datetime.date(2026, 1, 5)
    )
    with pytest.raises(ValueError, match="CSRF"):
        fragment.keep('<form><input type="hidden" name="csrfmiddlewaretoken" value="x"></form>')
    assert fragment.get() is None


def test_a_kept_page_reaches_nobody_who_may_not_see_the_contract(
    subscriber_client, second_subscriber, outsider, contract, invoiced
):
    assert "F2026-0101" in html(get(subscriber_client, "invoices", contract))
    other = Client()
    other.force_login(outsider)
    assert get(other, "invoices", contract).status_code == 404
    anonymous = get(Client(), "invoices", contract)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/?next=")
    # Another account of the same payer gets the same figures in its own frame.
    spouse = Client()
    spouse.force_login(second_subscriber)
    assert "F2026-0101" in html(get(spouse, "invoices", contract))


def test_an_invoice_falls_overdue_the_next_day(subscriber_client, contract, invoiced):
    with time_machine.travel(datetime.datetime(2026, 11, 1, 10, tzinfo=datetime.UTC)):
        assert "En retard" not in html(get(subscriber_client, "invoices", contract))
    with time_machine.travel(datetime.datetime(2026, 11, 2, 10, tzinfo=datetime.UTC)):
        assert "En retard" in html(get(subscriber_client, "invoices", contract))


@pytest.mark.parametrize("raw", ["", None, "1", "3", "500"])
def test_page_numbers_a_link_can_carry_are_kept(raw):
    assert fragments.page_number(raw) == (int(raw) if raw else 1)


@pytest.mark.parametrize("raw", ["0", "501", "99999999999", "abc", "-1", "1.5", "٣"])
def test_other_page_numbers_are_served_but_not_kept(raw, subscriber_client, contract):
    assert fragments.page_number(raw) is None
    assert get(subscriber_client, "invoices", contract, page=raw).status_code == 200


def test_each_visitor_gets_their_own_form_token(subscriber, second_subscriber, contract):
    """The menu is rendered once per process; the logout form's token is the visitor's."""
    for user in (subscriber, second_subscriber, subscriber):
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(user)
        body = html(get(browser, "dashboard", contract))
        form = body[body.index('action="/comptes/logout/"') :]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
        response = browser.post("/comptes/logout/", {"csrfmiddlewaretoken": token})
        assert response.status_code == 302
        assert get(browser, "dashboard", contract).status_code == 302  # logged out


def test_the_kept_html_changes_with_the_code(settings, tmp_path):
    fragments.code_fingerprint.cache_clear()
    first = fragments.code_fingerprint()
    settings.BASE_DIR = tmp_path
    (tmp_path / "templates" / "contracts").mkdir(parents=True)
    (tmp_path / "templates" / "contracts" / "dashboard.html").write_text("x")
    (tmp_path / "contracts" / "templatetags").mkdir(parents=True)
    (tmp_path / "contracts" / "templatetags" / "fr_format.py").write_text("")
    for name in ("stats.py", "models.py", "views.py"):
        (tmp_path / "contracts" / name).write_text("")
    fragments.code_fingerprint.cache_clear()
    try:
        assert fragments.code_fingerprint() != first
    finally:
        fragments.code_fingerprint.cache_clear()


def test_an_invoice_row_reaches_the_page_after_a_new_invoice(subscriber_client, contract, invoiced):
    get(subscriber_client, "dashboard", contract)
    Invoice.objects.create(
        contract=contract,
        number="F2026-0102",
        issue_date=datetime.date(2026, 11, 20),
        due_date=datetime.date(2026, 12, 20),
        amount_incl_tax=Decimal("12.00"),
        amount_due=Decimal("12.00"),
    )
    assert "F2026-0102" in html(get(subscriber_client, "dashboard", contract))


def test_a_contract_of_a_new_payer_link_shows_in_my_contracts(subscriber_client, subscriber, db):
    payer = Payer.objects.create(reference="P0777", name="Lucie Bernard")
    newer = make_contract(payer, "33333.44444.55", key="QRST2345")
    link(subscriber, payer)
    assert get(subscriber_client, "dashboard", newer).status_code == 200


def test_each_invoice_row_links_to_its_page_and_its_pdf(subscriber_client, contract):
    add_invoice(contract, "F2026-0103", "2026-10-01", "2026-11-01", "80.00", "0.00", pdf=True)
    body = html(get(subscriber_client, "invoices", contract))
    page_url = reverse("contracts:invoice", args=[contract.number, "F2026-0103"])
    pdf_url = reverse("contracts:invoice_pdf", args=[contract.number, "F2026-0103"])
    assert f'href="{page_url}"' in body and f'href="{pdf_url}"' in body
    assert subscriber_client.get(page_url).status_code == 200
    assert subscriber_client.get(pdf_url).status_code == 200


def test_the_access_rule_compiled_once_gives_what_the_orm_gives(
    subscriber, contract, other_contract, django_assert_num_queries
):
    """contracts.access runs the ORM's own SQL with each account's id: same rows, same
    objects (with their payer), one query."""
    from contracts import access
    from tests.builders import link, make_contract

    link(subscriber, other_contract.payer)
    make_contract(contract.payer, "11111.22222.99", key="QRST5544")
    expected = list(access._visible_queryset(subscriber.pk))
    with django_assert_num_queries(1):
        kept = access._visible_list(subscriber)
        payers = [c.payer.name for c in kept]
    assert [(c.pk, c.number, c.payer_id) for c in kept] == [
        (c.pk, c.number, c.payer_id) for c in expected
    ]
    assert payers == [c.payer.name for c in expected]
    assert [c.start_date for c in kept] == [c.start_date for c in expected]
    assert [c.paperless for c in kept] == [c.paperless for c in expected]
    assert "key_hash" in kept[0].get_deferred_fields()
    assert access._visible_list(type(subscriber)(pk=999999, is_active=True)) == []


@pytest.mark.parametrize("name", ["dashboard", "details", "consumption", "invoices", "payments"])
def test_a_page_served_from_its_kept_frame_is_the_page_rendered_in_full(
    subscriber_client, contract, other_contract, subscriber, invoiced, settings, name
):
    """The frame kept per process (core.skeleton) with this visit's holes put back gives
    the same HTML as the whole template rendered for the visit, tokens apart."""
    link(subscriber, other_contract.payer)
    get(subscriber_client, name, contract)
    kept = get(subscriber_client, name, contract, page="1")
    settings.DEBUG = True  # every page rendered in full
    full = get(subscriber_client, name, contract, page="1")
    assert _without_tokens(kept) == _without_tokens(full)
    assert f"contrat {contract.number}" in html(kept)  # the title's hole
    assert other_contract.number in html(kept)  # the selector's hole
    assert f'name="next" value="/contrats/{contract.number}/' in html(kept)  # idle warning


def test_a_waiting_message_is_shown_on_a_page_with_a_kept_frame(subscriber_client, contract):
    get(subscriber_client, "dashboard", contract)
    session = subscriber_client.session
    session["_messages"] = '[["__json_message",0,20,"Votre demande a bien été envoyée."]]'
    session.save()
    body = html(get(subscriber_client, "dashboard", contract))
    assert "Votre demande a bien été envoyée." in body
    assert "Votre demande a bien été envoyée." not in html(
        get(subscriber_client, "dashboard", contract)
    )


def _without_tokens(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html(response))


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/contrats/11301.11377.01/factures/F2026-0103.pdf", "files"),
        ("/contrats/113011137701/factures/F2026-0103.pdf", "files"),  # the number as typed
        ("/contrats/11301.11377.01/factures/", "figures"),
        ("/contrats/11301.11377.01/factures/F2026-0103/", None),  # an invoice's page
        ("/contrats/not-a-number/factures/F1.pdf", None),
        ("/mon-compte/", None),
    ],
)
def test_what_is_read_with_the_session_follows_the_address(db, path, expected):
    """A PDF's address reads where the contract's PDFs lie; a kept page's, its figures;
    anything else, neither (core.prefetch)."""
    from contracts import fragments
    from core import prefetch

    prefetch.reset({"PATH_INFO": path, "QUERY_STRING": ""})
    try:
        keys = fragments.prefetched_keys("1")
    finally:
        prefetch.reset()
    if expected is None:
        assert keys == []
    elif expected == "files":
        assert keys == [f"{fragments.FILES_PREFIX}11301.11377.01"]
    else:
        assert len(keys) == 1 and keys[0].startswith("contracts:page:")
