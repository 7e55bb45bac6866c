"""“Mes données”: what is kept and why, and all of it downloadable, nobody else's data."""

import json

import pytest
from allauth.usersessions.models import UserSession
from django.urls import reverse

from contracts.models import LinkAttempt, LinkAttemptResult
from tests.helpers import assert_french_page, html

from .factories import contact_request

pytestmark = pytest.mark.django_db

PAGES = ["my_data", "my_data_page", "my_data_json"]


@pytest.fixture
def history(subscriber, outsider):
    """The subscriber's traces, with the outsider's alongside that must never show."""
    contact_request(subscriber, body="Ma facture de janvier semble trop élevée.")
    contact_request(outsider, body="Message du voisin, pas pour vous.")
    for user, ip in ((subscriber, "203.0.113.7"), (outsider, "198.51.100.9")):
        UserSession.objects.create(
            user=user, ip=ip, session_key=f"key-{user.pk}", user_agent="Firefox 140"
        )
        LinkAttempt.objects.create(
            user=user, number="99999.99999.99", ip=ip, result=LinkAttemptResult.FAILED
        )
    return subscriber


def test_my_data_says_what_is_kept_why_and_how_long(subscriber_client):
    response = subscriber_client.get(reverse("my_data"))
    assert_french_page(response)
    body = html(response)
    for expected in ("Mes données", "Pourquoi", "Combien de temps", "Un an au plus"):
        assert expected in body, expected
    assert f'href="{reverse("my_data_json")}"' in body
    assert f'href="{reverse("my_data_page")}"' in body
    assert f'href="{reverse("accounts:delete")}"' in body
    assert f'href="{reverse("privacy")}"' in body


def test_the_account_menu_leads_to_my_data(subscriber_client):
    body = html(subscriber_client.get(reverse("accounts:account")))
    assert f'href="{reverse("my_data")}"' in body


def test_the_json_download_holds_all_my_data_and_nobody_elses(subscriber_client, history, contract):
    response = subscriber_client.get(reverse("my_data_json"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["account"]["email"] == "abonne@example.fr"
    assert [p["name"] for p in data["payers"]] == ["Marie Dupont"]
    assert [c["number"] for c in data["payers"][0]["contracts"]] == [contract.number]
    [request] = data["requests"]
    assert request["messages"][0]["message"] == "Ma facture de janvier semble trop élevée."
    assert [s["ip_address"] for s in data["sessions"]] == ["203.0.113.7"]
    assert [a["ip_address"] for a in data["contract_linking_attempts"]] == ["203.0.113.7"]
    text = response.content.decode()
    for foreign in ("voisin", "Jean Martin", "22222.33333.44", "198.51.100.9", "pas pour vous"):
        assert foreign not in text, foreign
    assert "password" not in data["account"]


def test_the_readable_page_shows_the_same_data_in_french(subscriber_client, history):
    response = subscriber_client.get(reverse("my_data_page"))
    assert_french_page(response)
    body = html(response)
    for expected in (
        "abonne@example.fr",
        "Marie Dupont",
        "11301.11377.01",
        "Ma facture de janvier semble trop élevée.",
        "203.0.113.7",
        "Historique de connexion",
    ):
        assert expected in body, expected
    for foreign in ("voisin", "Jean Martin", "22222.33333.44", "198.51.100.9"):
        assert foreign not in body, foreign


@pytest.mark.parametrize("name", PAGES)
def test_my_data_needs_a_login(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert "next=" in response["Location"]


@pytest.mark.parametrize("name", ["my_data_page", "my_data_json"])
def test_the_export_costs_a_bounded_number_of_queries(
    subscriber_client, history, subscriber, name, django_assert_max_num_queries
):
    for n in range(10):
        contact_request(subscriber, body=f"Demande {n}")
    # 30: five of them read the self-services (mandates, moves out, alerts, paper-free
    # choices, attestations), one query each whatever their number.
    with django_assert_max_num_queries(30):
        assert subscriber_client.get(reverse(name)).status_code == 200


def test_the_export_is_rate_limited(subscriber_client, settings):
    settings.ACCOUNT_RATE_LIMITS = {"export_data": "2/10m/user"}
    url = reverse("my_data_json")
    assert [subscriber_client.get(url).status_code for _ in range(3)] == [200, 200, 429]


def test_the_self_services_are_in_my_data(subscriber_client, subscriber, contract):
    """The alert settings, the paper-free choices and the attestations issued are part of
    the export, on the page and in the download."""
    from readings.alerts import save_setting
    from selfservice import attestations, einvoice

    save_setting(subscriber, contract, enabled=True, threshold=300)
    einvoice.choose(subscriber, contract, paperless=True)
    attestation = attestations.issue(subscriber, contract)
    data = json.loads(subscriber_client.get(reverse("my_data_json")).content)
    [alert] = data["consumption_alerts"]
    assert (alert["contract"], alert["threshold_litres_per_day"]) == (contract.number, 300)
    [choice] = data["paper_free_invoices"]
    assert choice["paper_free"] and choice["consent_given"]
    assert [a["verification_code"] for a in data["attestations"]] == [attestation.code]
    body = html(subscriber_client.get(reverse("my_data_page")))
    for expected in (
        "au-delà de 300 litres par jour",
        "facture électronique depuis le",
        attestation.code,
    ):
        assert expected in body, expected
