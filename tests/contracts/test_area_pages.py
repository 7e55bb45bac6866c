"""The pages of the subscriber area, their figures against the data, files and query bounds."""

import datetime
import re

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import usercache
from contracts.models import DocumentKind, ReadingKind, ServiceDocument
from tests.builders import (
    PDF_BYTES,
    add_invoice,
    add_payment,
    add_readings,
    make_contract,
    make_user,
)
from tests.helpers import assert_french_page, body, html

NBSP = "\xa0"
TODAY = datetime.datetime(2026, 11, 26, 11, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def billing(contract):
    add_readings(contract, [("2024-01-10", "100")])
    add_readings(contract, [("2024-07-10", "160.5")], kind=ReadingKind.ESTIMATED)
    add_readings(contract, [("2025-01-10", "200")], kind=ReadingKind.SELF)
    add_readings(contract, [("2025-07-10", "230")], kind=ReadingKind.REMOTE)
    add_readings(contract, [("2026-01-10", "270"), ("2026-07-10", "320.25")])
    paid = add_invoice(
        contract,
        "F2026-0001",
        "2026-01-20",
        "2026-02-20",
        "150.00",
        "0.00",
        pdf=True,
        period_start=datetime.date(2025, 7, 11),
        period_end=datetime.date(2026, 1, 10),
        volume_m3="40",
    )
    add_invoice(contract, "F2026-0002", "2026-07-20", "2026-08-20", "1234.56", "1234.56")
    partly = add_invoice(contract, "F2026-0003", "2026-11-10", "2026-12-10", "80.00", "30.00")
    add_payment(contract, "R1", "2026-02-01", "150.00", invoice=paid, method="direct_debit")
    add_payment(contract, "R2", "2026-11-15", "50.00", invoice=partly, method="card")
    return contract


def page(client, name, contract, **query):
    response = client.get(reverse(f"contracts:{name}", args=[contract.number]), query)
    assert response.status_code == 200
    return response


# --- Landing and welcome ------------------------------------------------------------------------


def test_an_account_without_contract_gets_the_welcome_page(client, db):
    client.force_login(make_user("nouveau@example.fr"))
    response = client.get(reverse("contracts:area"))
    assert response.status_code == 200
    assert_french_page(response)
    body = html(response)
    assert "Bienvenue sur votre espace abonné." in body
    assert "Pour lier un contrat d'eau à votre compte munissez-vous d'une facture." in body
    assert (
        'Suivez ensuite le lien ci-dessous ou utilisez le menu "Mon compte" - '
        '"Lier un contrat"' in body
    )
    assert f'href="{reverse("contracts:link")}">Lier un contrat</a>' in body
    subscription = reverse("inquiries:subscription")
    assert f'href="{subscription}">Effectuer une demande d\'abonnement</a>' in body


def test_the_menu_offers_linking_and_my_contracts_to_logged_in_users(subscriber_client, client):
    body = html(subscriber_client.get(reverse("contracts:area"), follow=True))
    assert ">Lier un contrat</a>" in body and ">Mes contrats</a>" in body


def test_the_menu_of_visitors_has_no_area_entries(client, db):
    assert "Mes contrats" not in html(client.get(reverse("home")))


def test_the_area_opens_the_only_contract(subscriber_client, contract):
    response = subscriber_client.get(reverse("contracts:area"))
    assert response["Location"] == reverse("contracts:dashboard", args=[contract.number])


def test_the_area_opens_the_last_contract_chosen_even_after_a_new_login(
    client, subscriber, contract
):
    second = make_contract(contract.payer, "11301.11377.02")
    client.force_login(subscriber)
    page(client, "invoices", second)
    subscriber.refresh_from_db()
    assert subscriber.last_contract_number == second.number
    response = client.get(reverse("contracts:area"))
    assert response["Location"] == reverse("contracts:dashboard", args=[second.number])


def test_the_last_contract_chosen_survives_a_logout_and_a_new_browser(client, subscriber, contract):
    second = make_contract(contract.payer, "11301.11377.02")
    client.force_login(subscriber)
    page(client, "invoices", second)
    client.post("/comptes/logout/")
    client.cookies.clear()  # a new browser: nothing left of the old session
    client.force_login(subscriber)
    response = client.get(reverse("contracts:area"))
    assert response["Location"] == reverse("contracts:dashboard", args=[second.number])


def test_browsing_one_contract_does_not_write_to_the_account_again(
    client, subscriber, contract, django_assert_num_queries
):
    client.force_login(subscriber)
    page(client, "invoices", contract)
    with CaptureQueriesContext(connection) as queries:
        page(client, "invoices", contract)
    assert not [q for q in queries.captured_queries if 'UPDATE "accounts_user"' in q["sql"]]


def test_the_area_rechecks_access_to_the_remembered_contract(client, subscriber, other_contract):
    client.force_login(subscriber)
    # Remembered while it was visible, say, then the payer was unlinked.
    type(subscriber).objects.filter(pk=subscriber.pk).update(
        last_contract_number=other_contract.number
    )
    response = client.get(reverse("contracts:area"))
    assert other_contract.number not in response["Location"]
    assert response["Location"] == reverse("contracts:dashboard", args=["11301.11377.01"])


# --- The switcher ----------------------------------------------------------------------------


def test_the_switcher_lists_every_visible_contract_and_keeps_the_page(
    subscriber_client, contract, other_contract
):
    second = make_contract(
        contract.payer,
        "11301.11377.02",
        street="2 chemin des Pins",
        postcode="13090",
        city="Aix-en-Provence",
    )
    body = html(page(subscriber_client, "invoices", contract))
    start = body.index('<details class="switcher">')
    bar = body[start : body.index("</details>", start)]
    assert "<summary" in bar and "11301.11377.01" in bar and "12 cours Mirabeau" in bar
    assert f'href="/contrats/{contract.number}/factures/" aria-current="true"' in bar
    assert f'href="/contrats/{second.number}/factures/"' in bar
    assert "2 chemin des Pins, 13090 Aix-en-Provence" in bar
    assert other_contract.number not in body
    assert "(changer de contrat)" in bar


def test_exactly_one_contract_is_shown_at_a_time(subscriber_client, billing):
    second = make_contract(billing.payer, "11301.11377.02")
    add_invoice(second, "F2026-0100", "2026-03-01", "2026-04-01", "99.00", "0")
    body = html(page(subscriber_client, "invoices", second))
    assert "F2026-0100" in body
    assert "F2026-0001" not in body


def test_the_switcher_works_on_every_page(subscriber_client, contract):
    for name, path in [
        ("dashboard", ""),
        ("details", "contrat/"),
        ("consumption", "consommations/"),
        ("payments", "paiements/"),
    ]:
        body = html(page(subscriber_client, name, contract))
        assert f'href="/contrats/{contract.number}/{path}" aria-current="true"' in body


# --- Dashboard ---------------------------------------------------------------------------------


def test_the_dashboard_sums_up_the_contract(subscriber_client, billing):
    response = page(subscriber_client, "dashboard", billing)
    assert_french_page(response)
    body = html(response)
    assert "En cours" in body
    assert "12 cours Mirabeau, 13100 Aix-en-Provence" in body
    assert "Marie Dupont" in body and "M123" in body
    # Last reading.
    assert f"320,25{NBSP}m³" in body and "Relevé réel du 10/07/2026" in body
    # Amount due: 1 234,56 + 30,00; the next due date is never a past one (issue 17): the
    # overdue invoice is said apart, with what to do.
    assert f"1{NBSP}264,56{NBSP}€" in body
    assert "Prochaine échéance : 10/12/2026" in body
    assert "20/08/2026" not in body
    assert "En retard depuis le 21/08/2026 — payez ou appelez le 04 13 57 39 00" in body
    # Last invoice and last payment.
    assert "F2026-0003" in body and "À payer avant le 10/12/2026" in body
    assert f"50,00{NBSP}€" in body and "Le 15/11/2026" in body and "Carte bancaire" in body
    # Last 12 months (since 26/11/2025): 40 m³ on 10/01/2026 and 50,25 m³ on 10/07/2026.
    assert f"90,25{NBSP}m³" in body
    assert f"40{NBSP}m³" in body and f"50,25{NBSP}m³" in body
    assert "10/07/2025" not in body


def test_a_direct_debit_subscriber_reads_when_the_debit_is_made(subscriber_client, billing):
    billing.payment_method = "direct_debit"
    billing.save()
    body = html(page(subscriber_client, "invoices", billing))
    assert "Prochain prélèvement : 10/12/2026" in body
    assert 'status--to_pay">Prélèvement le 10/12/2026' in body
    assert 'status--paid">Prélevée le 01/02/2026' in body
    assert "À payer" not in body[body.index("<table") :]


def test_the_dashboard_of_an_empty_contract(subscriber_client, contract):
    body = html(page(subscriber_client, "dashboard", contract))
    assert "Aucun relevé pour l’instant." in body
    assert f"0,00{NBSP}€" in body and "Rien à payer pour l’instant." in body


# --- Mon contrat and the service regulations ---------------------------------------------------


@pytest.fixture
def regulations(db):
    old = ServiceDocument(
        kind=DocumentKind.REGULATIONS,
        title="Règlement de service 2020",
        applies_from=datetime.date(2020, 1, 1),
    )
    old.pdf.save("r2020.pdf", ContentFile(b"%PDF-1.4 old"), save=False)
    old.save()
    current = ServiceDocument(
        kind=DocumentKind.REGULATIONS,
        title="Règlement de service 2025",
        applies_from=datetime.date(2025, 1, 1),
    )
    current.pdf.save("r2025.pdf", ContentFile(PDF_BYTES), save=False)
    current.save()
    return current


def test_my_contract_gives_the_details_and_the_regulations_in_force(
    subscriber_client, contract, regulations
):
    contract.start_date = datetime.date(2019, 3, 1)
    contract.usage = "Domestique"
    contract.payment_method = "monthly_plan"
    contract.paperless = True
    contract.save()
    response = page(subscriber_client, "details", contract)
    assert_french_page(response)
    body = html(response)
    for text in (
        "11301.11377.01",
        "01/03/2019",
        "En cours",
        "Domestique",
        "M123",
        "Mensualisation",
        "Oui",
    ):
        assert text in body
    assert "Règlement de service 2025, en vigueur depuis le 01/01/2025." in body
    assert "Règlement de service 2020" not in body
    assert reverse("contracts:regulations_pdf", args=[contract.number]) in body


def test_the_regulations_pdf_is_served_by_a_view(subscriber_client, contract, regulations):
    response = page(subscriber_client, "regulations_pdf", contract)
    assert body(response) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert 'filename="reglement-de-service-2025-01-01.pdf"' in response["Content-Disposition"]


def test_no_regulations_online_is_said_and_the_pdf_is_a_404(subscriber_client, contract):
    body = html(page(subscriber_client, "details", contract))
    assert "pas encore disponible en ligne" in body
    url = reverse("contracts:regulations_pdf", args=[contract.number])
    assert subscriber_client.get(url).status_code == 404


# --- Consumption ------------------------------------------------------------------------------


def test_the_readings_show_the_consumption_since_the_previous_one(subscriber_client, billing):
    response = page(subscriber_client, "consumption", billing)
    assert_french_page(response)
    body = html(response)
    table = body[body.index("Relevés du compteur") :]
    rows = [
        ("10/07/2026", f"320,25{NBSP}m³", f"50,25{NBSP}m³", "Relevé réel"),
        ("10/07/2025", f"230{NBSP}m³", f"30{NBSP}m³", "Télérelevé"),
        ("10/01/2025", f"200{NBSP}m³", f"39,5{NBSP}m³", "Auto-relevé"),
        ("10/07/2024", f"160,5{NBSP}m³", f"60,5{NBSP}m³", "Estimation"),
        ("10/01/2024", f"100{NBSP}m³", "—", "Relevé réel"),
    ]
    position = 0
    for row in rows:
        for cell in row:
            position = table.index(cell, position)


def test_the_yearly_totals_compare_with_the_previous_year(subscriber_client, billing):
    body = html(page(subscriber_client, "consumption", billing))
    years = body[body.index("Totaux annuels") : body.index("Relevés du compteur")]
    # 2026: 320,25 − 230 = 90,25 m³ over 365 days; 2025: 230 − 160,5 = 69,5 m³;
    # 2024: 160,5 − 100 = 60,5 m³ over 182 days.
    assert years.index("2026") < years.index("2025") < years.index("2024")
    assert f"90,25{NBSP}m³" in years and f"+20,75{NBSP}m³ (+30{NBSP}%)" in years
    assert "247 litres" in years  # 90 250 l / 365 days
    assert f"69,5{NBSP}m³" in years and f"+9{NBSP}m³ (+15{NBSP}%)" in years
    assert "190 litres" in years  # 69 500 l / 365 days
    assert f"60,5{NBSP}m³" in years and "332 litres" in years  # 60 500 l / 182 days


def test_the_chart_is_an_svg_image_with_the_same_figures(subscriber_client, billing):
    body = html(page(subscriber_client, "consumption", billing))
    svg = body[
        body.index('<svg class="chart__svg"') : body.index("</svg>", body.index("chart__svg"))
    ]
    assert 'role="img"' in svg and 'aria-labelledby="chart-title chart-desc"' in svg
    title = "Consommation à chaque relevé, en m³ : 2026 comparé à 2025"
    assert f'<title id="chart-title">{title}</title>' in svg
    assert (
        f"Janvier : 2026 40{NBSP}m³, 2025 39,5{NBSP}m³ ; "
        f"Juillet : 2026 50,25{NBSP}m³, 2025 30{NBSP}m³"
    ) in svg
    assert svg.count("<rect") == 4
    # The unit on the axis; no viewBox, so the text keeps its real size on a phone.
    assert "Consommation en m³" in svg and "viewBox" not in svg
    assert "style=" not in svg
    # The table twin: the same figures, and the change.
    table = body[
        body.index('id="compare-caption"') : body.index("</table>", body.index("compare-caption"))
    ]
    assert f"+0,5{NBSP}m³" in table and f"+20,25{NBSP}m³" in table


def test_the_csv_export_holds_the_whole_history(subscriber_client, billing):
    response = page(subscriber_client, "consumption_csv", billing)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response["Content-Disposition"] == 'attachment; filename="consommations-11301.11377.01.csv"'
    )
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    assert text[1:].split("\r\n") == [
        "Date;Index (m³);Consommation (m³);Type de relevé",
        "10/01/2024;100;;Relevé réel",
        "10/07/2024;160,5;60,5;Estimation",
        "10/01/2025;200;39,5;Auto-relevé",
        "10/07/2025;230;30;Télérelevé",
        "10/01/2026;270;40;Relevé réel",
        "10/07/2026;320,25;50,25;Relevé réel",
        "",
    ]


def test_long_histories_are_paginated_by_24(subscriber_client, ten_years):
    first = html(page(subscriber_client, "consumption", ten_years))
    assert "Page 1 sur 5" in first
    assert "15/12/2025" in first and "15/12/2023" not in first
    last = html(page(subscriber_client, "consumption", ten_years, page=5))
    assert "15/01/2016" in last and "Page 5 sur 5" in last
    # The first reading of a page still has its consumption (the previous one is on the
    # next page).
    second = html(page(subscriber_client, "consumption", ten_years, page=2))
    table = second[second.index("Relevés du compteur") :]
    cell = f'data-label="Consommation depuis le relevé précédent">9,5{NBSP}m³</td>'
    assert table.count(cell) == 24


# --- Invoices -----------------------------------------------------------------------------------


def test_the_invoices_give_status_in_words_and_the_total_due(subscriber_client, billing):
    response = page(subscriber_client, "invoices", billing)
    assert_french_page(response)
    body = html(response)
    assert f"Total restant à payer : 1{NBSP}264,56{NBSP}€" in body
    table = body[body.index("<table") :]
    assert table.index("F2026-0003") < table.index("F2026-0002") < table.index("F2026-0001")
    assert 'status--to_pay">À payer avant le 10/12/2026' in table
    assert (
        'status--overdue">En retard depuis le 21/08/2026 — payez ou appelez le 04 13 57 39 00'
        in table
    )
    assert 'status--paid">Payée le 01/02/2026' in table
    assert "du 11/07/2025 au 10/01/2026" in table and f"40{NBSP}m³" in table
    assert f"1{NBSP}234,56{NBSP}€" in table and "20/08/2026" in table
    assert f"reste à payer : 30,00{NBSP}€" in table
    # Short on screen, complete for a screen reader.
    # The size of the stored file, the French way, in the link text (PDF_BYTES: < 1 ko).
    link = (
        f'Télécharger<span class="visually-hidden"> la facture F2026-0001</span> (PDF, 1{NBSP}ko)'
    )
    assert link in table
    assert "la facture F2026-0002</span> (PDF)" not in table  # no PDF for that one
    # Every invoice, with or without a PDF, can be read as a page.
    assert 'Voir<span class="visually-hidden"> la facture F2026-0002</span></a>' in table


def test_the_invoice_pdf_opens_for_the_subscriber(subscriber_client, billing):
    url = reverse("contracts:invoice_pdf", args=[billing.number, "F2026-0001"])
    response = subscriber_client.get(url)
    assert response.status_code == 200
    assert body(response) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="facture-F2026-0001.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]


def test_the_invoice_pdf_is_refused_to_everybody_else(client, billing, outsider, staff_agent):
    url = reverse("contracts:invoice_pdf", args=[billing.number, "F2026-0001"])
    assert client.get(url).status_code == 302
    for user in (outsider, staff_agent):
        client.force_login(user)
        assert client.get(url).status_code == 404


def test_an_invoice_without_pdf_is_a_404(subscriber_client, billing):
    url = reverse("contracts:invoice_pdf", args=[billing.number, "F2026-0002"])
    assert subscriber_client.get(url).status_code == 404


# --- Payments -----------------------------------------------------------------------------------


def test_the_payments_give_date_amount_method_and_invoice(subscriber_client, billing):
    response = page(subscriber_client, "payments", billing)
    assert_french_page(response)
    table = html(response)[html(response).index("<table") :]
    assert table.index("15/11/2026") < table.index("01/02/2026")
    assert f"50,00{NBSP}€" in table and "Carte bancaire" in table and "F2026-0003" in table
    assert f"150,00{NBSP}€" in table and "Prélèvement" in table and "F2026-0001" in table


# --- Speed ------------------------------------------------------------------------------------


PAGES = ["dashboard", "details", "consumption", "invoices", "payments", "consumption_csv"]


def data_queries(captured: CaptureQueriesContext) -> list[str]:
    """The queries a request made to the data, not to the cache (a database table in the
    tests, Redis in production)."""
    return [q["sql"] for q in captured.captured_queries if "portal_cache" not in q["sql"]]


@pytest.mark.parametrize("name", PAGES)
def test_ten_years_of_history_take_at_most_ten_queries(
    subscriber_client, ten_years, regulations, name
):
    url = reverse(f"contracts:{name}", args=[ten_years.number])
    with CaptureQueriesContext(connection) as captured:
        response = subscriber_client.get(url)
    assert response.status_code == 200
    # Each self-service asks one question of its own, whatever the history: consumption,
    # one more for the indexes sent and not yet billed (readings); the dashboard, the four
    # entries of "Mes démarches en ligne" (reading period, alert, mandate, paper-free
    # choice) ask two more than the ten. They are asked once per billing generation: the
    # page is then kept (contracts/fragments.py).
    budget = {"consumption": 11, "dashboard": 12}.get(name, 10)
    assert len(data_queries(captured)) <= budget, data_queries(captured)


@pytest.mark.parametrize("name", PAGES)
def test_the_number_of_queries_does_not_grow_with_history(client, contract, name):
    user = make_user("abonne2@example.fr")
    from tests.builders import link

    link(user, contract.payer)
    client.force_login(user)
    url = reverse(f"contracts:{name}", args=[contract.number])
    client.get(url)  # the account remembers the contract once
    client.get(url)  # and is kept again in the cache (accounts.usercache)
    add_readings(contract, [("2024-01-10", "100"), ("2024-07-10", "150")])
    add_invoice(contract, "F-first", "2024-01-01", "2024-02-01", "10", "1")
    add_payment(contract, "P-first", "2024-01-15", "9")
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    add_readings(contract, [(f"20{y}-03-01", str(200 + y)) for y in range(10, 24)])
    for n in range(30):
        add_invoice(contract, f"F-{n}", "2025-01-01", "2025-02-01", "10", "1")
        add_payment(contract, f"P-{n}", "2025-01-15", "9")
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(data_queries(many)) == len(data_queries(few))


CACHED_PAGES = ["dashboard", "details", "consumption", "invoices", "payments"]


@pytest.mark.parametrize("name", CACHED_PAGES)
def test_a_page_seen_again_asks_the_database_nothing_when_the_account_is_kept(
    subscriber_client, ten_years, regulations, name
):
    url = reverse(f"contracts:{name}", args=[ten_years.number])
    subscriber_client.get(url)  # the first view remembers the contract on the account
    first = subscriber_client.get(url)
    with CaptureQueriesContext(connection) as captured:
        again = subscriber_client.get(url)
    assert again.status_code == 200
    # The session, the account and the figures are kept in the cache. The contracts the
    # account may see are kept with the account (Redis: not a query), else read with the
    # access rule's query (no shared cache: the tests' database cache).
    if usercache.timeout() > 0:
        assert data_queries(captured) == []
    else:
        others = [q for q in data_queries(captured) if "accounts_user" not in q]
        assert len(others) == 1 and "contracts_accountpayerlink" in others[0]
    # Same page, apart from the form tokens.
    assert strip_tokens(again) == strip_tokens(first)


def strip_tokens(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html(response))


def test_an_invoice_pdf_seen_again_reads_only_the_file(subscriber_client, billing):
    url = reverse("contracts:invoice_pdf", args=[billing.number, "F2026-0001"])
    assert subscriber_client.get(url).status_code == 200  # where the PDFs lie is now kept
    with CaptureQueriesContext(connection) as captured:
        again = subscriber_client.get(url)
    assert body(again) == PDF_BYTES
    # No invoice row (the access rule's query only without a shared cache, as above).
    assert not [q for q in data_queries(captured) if "contracts_invoice" in q]
    if usercache.timeout() > 0:
        assert data_queries(captured) == []


def test_an_invoice_pdf_replaced_by_the_regie_is_the_one_served(subscriber_client, billing):
    """Saving an invoice replaces the billing generation: the kept file names go with it."""
    url = reverse("contracts:invoice_pdf", args=[billing.number, "F2026-0001"])
    assert subscriber_client.get(url).status_code == 200
    invoice = billing.invoices.get(number="F2026-0001")
    invoice.pdf.save("nouvelle.pdf", ContentFile(b"%PDF-1.4 new"), save=True)
    assert body(subscriber_client.get(url)) == b"%PDF-1.4 new"
    invoice.pdf = ""
    invoice.save()
    assert subscriber_client.get(url).status_code == 404
    missing = reverse("contracts:invoice_pdf", args=[billing.number, "F2026-9999"])
    assert subscriber_client.get(missing).status_code == 404


def test_the_contract_pages_have_no_inline_script_or_style(subscriber_client, billing):
    body = html(page(subscriber_client, "consumption", billing))
    assert '<script src="/static/js/switcher.js" defer></script>' in body
    assert "<script>" not in body and "style=" not in body and "<style" not in body


def test_an_invoice_pdf_missing_on_disk_is_a_french_404_and_a_log_line(
    subscriber_client, billing, caplog
):
    invoice = billing.invoices.get(number="F2026-0001")
    invoice.pdf.storage.delete(invoice.pdf.name)
    url = reverse("contracts:invoice_pdf", args=[billing.number, "F2026-0001"])
    with caplog.at_level("ERROR", logger="core.files"):
        response = subscriber_client.get(url)
    assert response.status_code == 404
    assert "Page introuvable" in html(response)
    assert "Private file missing on disk" in caplog.text


def test_a_regulations_pdf_missing_on_disk_is_a_french_404(subscriber_client, billing, regulations):
    regulations.pdf.storage.delete(regulations.pdf.name)
    response = subscriber_client.get(reverse("contracts:regulations_pdf", args=[billing.number]))
    assert response.status_code == 404
    assert "Page introuvable" in html(response)


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("dashboard", "Tableau de bord"),
        ("details", "Mon contrat"),
        ("consumption", "Consommations"),
        ("invoices", "Factures"),
        ("payments", "Paiements"),
    ],
)
def test_each_contract_page_is_titled_with_its_contract_number(
    subscriber_client, contract, name, title
):
    """The title is translated in the frame kept per process, around the number: the
    second contract's page, served from the first one's frame, names its own number."""
    second = make_contract(contract.payer, "11301.11377.02")
    for shown in (contract, second, contract):
        body = html(page(subscriber_client, name, shown))
        assert f"<title>{title} – contrat {shown.number}" in body
