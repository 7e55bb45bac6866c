"""Two gunicorn instances behind nginx (docker/nginx.conf, TLS) on one PostgreSQL and one
Redis: nginx alternates between them (round robin), and what one instance did holds on the
other. Each test uses its own client address (127.0.0.x) so that per-IP limits stay apart.
"""

import pytest

from tests.contracts.exports import write_export
from tests.multiprocess.cluster import LINKER, LOCKED, PASSWORD, SUBSCRIBER, direct_get

pytestmark = pytest.mark.multiprocess

CONTRACT = "11301.11377.01"
OTHER = "22201.00042.01"


def other(instance):
    return {"A": "B", "B": "A"}[instance]


def test_each_instance_is_healthy_and_nginx_alternates_between_them(cluster):
    for port in cluster.instances.values():
        assert direct_get(port, "/healthz", "localhost") == (200, '{"status": "ok"}')
    browser = cluster.browser("127.0.0.2")
    served = [browser.get("/healthz") for _ in range(4)]
    assert all(answer.status == 200 for answer in served)
    assert {answer.instance for answer in served} == {"A", "B"}


def test_a_session_made_on_one_instance_is_valid_on_the_other(cluster):
    browser = cluster.browser("127.0.0.2")
    # The login page is kept per process: its form token must still be this visitor's.
    visits = [browser.get("/comptes/login/") for _ in range(4)]
    assert {visit.instance for visit in visits} == {"A", "B"}
    page = visits[-1]
    answer = browser.post(
        "/comptes/login/",
        {"csrfmiddlewaretoken": page.csrf_token(), "login": SUBSCRIBER, "password": PASSWORD},
        # Written by the client: must not reach the audit trail as its address.
        **{"X-Forwarded-For": "203.0.113.9"},
    )
    assert answer.instance != page.instance
    assert answer.status == 302, answer.body[:500]
    area = browser.get_on(other(answer.instance), "/espace/")
    assert area.status in (200, 302)
    dashboard = browser.get_on(other(answer.instance), f"/contrats/{CONTRACT}/")
    assert dashboard.status == 200
    assert CONTRACT in dashboard.body
    again = browser.get_on(answer.instance, f"/contrats/{CONTRACT}/factures/")
    assert again.status == 200 and "F2024-1" in again.body
    # The client's own address, not the proxy's (127.0.0.1) nor the forged one.
    (ip,) = cluster.query(
        "SELECT e.ip FROM audit_auditevent e JOIN accounts_user u ON u.id = e.user_id "
        "WHERE e.kind = 'login' AND u.email = %s",
        SUBSCRIBER,
    )[0]
    assert str(ip) == "127.0.0.2"


def test_the_entrance_pages_kept_per_process_carry_each_visitors_token(cluster):
    """Every process keeps its own copy of the home page: a token taken from any copy is
    accepted by any instance, and is never another visitor's."""
    tokens = {}
    for source in ("127.0.0.6", "127.0.0.7"):
        browser = cluster.browser(source)
        pages = [browser.get("/") for _ in range(6)]
        assert {p.instance for p in pages} == {"A", "B"}
        tokens[source] = {p.csrf_token() for p in pages}
        answer = browser.post(
            "/comptes/login/",
            {"csrfmiddlewaretoken": pages[-1].csrf_token(), "login": "x@example.fr",
             "password": "Faux-mot-de-passe1"},
        )  # fmt: skip
        # 200 with the form again (wrong password), not the 403 of a refused token.
        assert answer.status == 200 and answer.instance != pages[-1].instance
    assert not tokens["127.0.0.6"] & tokens["127.0.0.7"]


def test_the_per_account_lock_counts_failures_on_both_instances(cluster):
    browser = cluster.browser("127.0.0.4")
    served = set()
    for n in range(5):
        answer = browser.log_in(LOCKED, "Mauvais-mot-de-passe1", on="AB"[n % 2])
        served.add(answer.instance)
        assert answer.status == 200
    assert served == {"A", "B"}
    # The right password, on either instance: the account is locked for a while.
    for instance in ("B", "A"):
        answer = browser.log_in(LOCKED, PASSWORD, on=instance)
        assert answer.status == 200
        assert "la connexion est suspendue jusqu’à" in answer.body
    assert browser.get(f"/contrats/{CONTRACT}/").status == 302


def test_allauths_limit_per_address_counts_on_both_instances(cluster):
    browser = cluster.browser("127.0.0.3")
    served = set()
    for n in range(10):
        answer = browser.log_in(f"inconnu{n}@example.fr", "Mauvais-mot-de-passe1", on="AB"[n % 2])
        served.add(answer.instance)
        assert answer.status == 200
    assert served == {"A", "B"}
    # allauth's "10/m/ip": the eleventh failure of this address, whichever instance.
    answer = browser.log_in("inconnu10@example.fr", "Mauvais-mot-de-passe1", on="A")
    assert "la connexion est suspendue jusqu’à" in answer.body


def test_the_contract_key_limit_counts_on_both_instances(cluster):
    browser = cluster.browser("127.0.0.5")
    assert browser.log_in(LINKER).status == 302
    served = set()
    for n in range(5):
        answer = browser.submit(
            "AB"[n % 2], "/espace/lier-un-contrat/", {"number": CONTRACT, "key": "FAUX-CLE-1"}
        )
        served.add(answer.instance)
        assert answer.status == 200
    assert served == {"A", "B"}
    answer = browser.submit(
        "B", "/espace/lier-un-contrat/", {"number": CONTRACT, "key": "KEY-ONE-1"}
    )
    assert answer.status == 200
    assert "Trop de tentatives infructueuses" in answer.body
    assert browser.get_on(other(answer.instance), f"/contrats/{CONTRACT}/").status == 404


def test_an_import_run_beside_one_instance_shows_on_the_next_page_of_the_other(cluster):
    browser = cluster.browser("127.0.0.8")
    assert browser.log_in(SUBSCRIBER).status == 302
    # Kept fragments and the list of visible contracts, on both instances.
    for instance in ("A", "B"):
        invoices = browser.get_on(instance, f"/contrats/{CONTRACT}/factures/")
        assert "F2025-7" not in invoices.body
        assert browser.get_on(instance, f"/contrats/{OTHER}/").status == 404
    newer = write_export(
        cluster.workdir / "export-2",
        invoices_csv=(
            "invoice_number;contract_number;issue_date;due_date;period_start;period_end;"
            "volume_m3;amount_excl_tax;amount_incl_tax;amount_due;pdf\n"
            "F2025-7;11301.11377.01;2025-01-20;2025-02-20;;;12;;42.00;42.00;\n"
        ),
        # The other contract moves to the subscriber's payer.
        contracts_csv=(
            "payer_ref;contract_number;key;status;start_date;end_date;service_address;postcode;"
            "city;meter_number;usage;payment_method;paperless\n"
            "P001;11301 11377 01;KEY-ONE-1;active;01/02/2020;;3 rue Espariat;13100;"
            "Aix-en-Provence;M001;Domestique;direct_debit;1\n"
            "P001;22201.00042.01;KEY-TWO-2;terminated;2018-01-01;2023-06-30;Stade;13590;"
            "Meyreuil;M002;Collectivité;transfer;0\n"
        ),
    )
    # The command runs with instance A's settings, as an operator would run it beside it.
    cluster.manage("import_billing", str(newer))
    for instance in ("B", "A"):
        invoices = browser.get_on(instance, f"/contrats/{CONTRACT}/factures/")
        assert "F2025-7" in invoices.body, instance
        assert browser.get_on(instance, f"/contrats/{OTHER}/").status == 200, instance
