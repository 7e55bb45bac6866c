"""Filing a subscription request: the form, its checks, the reference and the emails."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from inquiries.models import Commune, Inquiry, Message
from tests.builders import mails_to, reference_in
from tests.helpers import assert_french_page, html

pytestmark = pytest.mark.django_db
URL = reverse("inquiries:subscription")


def good_data(**changes) -> dict:
    venelles = Commune.objects.get(name="Venelles")
    data = {
        "civility": "mme",
        "last_name": "Dupont",
        "first_name": "Marie",
        "email": "marie@example.fr",
        "phone": "04 42 12 34 56",
        "street": "4 chemin des Vignes",
        "postcode": "13770",
        "commune": str(venelles.pk),
        "start_date": (timezone.localdate() + datetime.timedelta(days=10)).isoformat(),
        "occupancy": "tenant",
        "meter_number": "",
        "meter_index": "",
        "billing_address": "",
        "message": "Emménagement prévu début du mois.",
        "consent": "on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_the_welcome_page_and_the_menu_lead_to_the_subscription_request(subscriber_client):
    body = html(subscriber_client.get(reverse("contracts:area"), follow=True))
    assert f'href="{URL}"' in body
    assert (
        "Effectuer une demande d’abonnement" in body or "Effectuer une demande d'abonnement" in body
    )


def test_the_form_is_in_french_with_the_account_email_prefilled(subscriber_client, subscriber):
    response = subscriber_client.get(URL)
    assert_french_page(response)
    body = html(response)
    assert f'value="{subscriber.email}"' in body
    assert "Venelles (13770)" in body
    assert "<legend>" in body


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/?next=")


def test_a_complete_request_gets_a_reference_a_confirmation_page_and_two_emails(
    subscriber_client, subscriber, settings
):
    settings.REGIE_REQUESTS_EMAIL = "abonnements@eauxdupaysdaix.fr"
    response = subscriber_client.post(URL, good_data(), follow=True)

    assert_french_page(response)
    body = html(response)
    year = timezone.localdate().year
    assert f"DA-{year}-000001" in body
    assert "Votre demande a bien été reçue" in body
    inquiry = Inquiry.objects.get()
    assert inquiry.user == subscriber
    assert inquiry.commune.name == "Venelles"
    assert inquiry.phone == "0442123456"
    assert inquiry.consent_at is not None
    assert inquiry.get_status_display() == "Reçue"
    assert Message.objects.get().body == "Emménagement prévu début du mois."

    (to_subscriber,) = mails_to("marie@example.fr")
    assert reference_in(to_subscriber.subject, "DA") == inquiry.reference
    assert "/demandes/" in to_subscriber.body
    (to_regie,) = mails_to("abonnements@eauxdupaysdaix.fr")
    assert inquiry.reference in to_regie.subject
    assert "4 chemin des Vignes" in to_regie.body
    assert "Emménagement prévu" in to_regie.body


@pytest.mark.parametrize(
    ("changes", "field", "error"),
    [
        ({"last_name": ""}, "last_name", "Ce champ est obligatoire."),
        ({"email": "pas-une-adresse"}, "email", "Saisissez une adresse e-mail valide."),
        ({"phone": "12"}, "phone", "Saisissez un numéro de téléphone français à 10 chiffres."),
        ({"postcode": "1377"}, "postcode", "Saisissez un code postal à 5 chiffres."),
        ({"postcode": "13100"}, "postcode", "Ce code postal n’est pas celui de Venelles (13770)."),
        ({"commune": "999999"}, "commune", "Choisissez dans la liste une commune desservie"),
        ({"start_date": "2001-01-01"}, "start_date", "La date de début ne peut pas être passée."),
        ({"start_date": "demain"}, "start_date", "Saisissez une date valide."),
        ({"occupancy": "squatter"}, "occupancy", "Sélectionnez un choix valide."),
        ({"meter_index": "-4"}, "meter_index", "supérieure ou égale à 0"),
        ({"message": "x" * 5001}, "message", "5000 caractères"),
        ({"consent": None}, "consent", "Votre accord est nécessaire"),
    ],
)
def test_a_wrong_field_is_explained_next_to_it_and_nothing_typed_is_lost(
    subscriber_client, changes, field, error
):
    response = subscriber_client.post(URL, good_data(**changes))

    assert response.status_code == 200
    body = html(response)
    assert error in body
    assert f'id="id_{field}_error"' in body
    assert 'aria-invalid="true"' in body
    assert 'value="4 chemin des Vignes"' in body
    if field != "message":
        assert "Emménagement prévu début du mois." in body
    assert not Inquiry.objects.exists()
    assert mail.outbox == []


def test_an_inactive_commune_is_not_offered_nor_accepted(subscriber_client):
    Commune.objects.filter(name="Venelles").update(active=False)
    assert "Venelles" not in html(subscriber_client.get(URL))
    response = subscriber_client.post(
        URL, good_data(commune=str(Commune.objects.get(name="Venelles").pk))
    )
    assert "Choisissez dans la liste une commune desservie" in html(response)
    assert not Inquiry.objects.exists()


def test_today_is_an_acceptable_start_date(subscriber_client):
    response = subscriber_client.post(URL, good_data(start_date=timezone.localdate().isoformat()))
    assert response.status_code == 302
    assert Inquiry.objects.count() == 1


def test_a_request_that_fails_half_way_saves_nothing(subscriber_client, monkeypatch):
    from inquiries import services

    def broken(*args, **kwargs):
        raise RuntimeError("mail queue down")

    monkeypatch.setattr(services, "_notify_new", broken)
    subscriber_client.raise_request_exception = False
    response = subscriber_client.post(URL, good_data())
    assert response.status_code == 500
    assert not Inquiry.objects.exists()
    assert not Message.objects.exists()


def test_many_requests_in_a_row_are_refused_in_french(subscriber_client, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "inquiry": "2/10m/user"}
    for _ in range(2):
        assert subscriber_client.post(URL, good_data()).status_code == 302
    response = subscriber_client.post(URL, good_data())
    assert response.status_code == 429
    assert "Vous avez envoyé beaucoup de demandes en peu de temps" in html(response)
    assert 'value="4 chemin des Vignes"' in html(response)
    assert Inquiry.objects.count() == 2


def test_the_daily_business_limit_holds_even_without_rate_limits(subscriber_client, settings):
    from inquiries.services import DAILY_LIMIT

    settings.ACCOUNT_RATE_LIMITS = False
    for _ in range(DAILY_LIMIT):
        assert subscriber_client.post(URL, good_data()).status_code == 302
    response = subscriber_client.post(URL, good_data())
    assert response.status_code == 429
    assert Inquiry.objects.count() == DAILY_LIMIT


def test_the_start_date_example_is_always_ahead_of_today(client, subscriber):
    import datetime
    import re

    import time_machine

    for today in (datetime.date(2026, 3, 20), datetime.date(2031, 7, 1)):
        with time_machine.travel(today, tick=False):
            client.force_login(subscriber)
            body = client.get("/demandes/abonnement/").content.decode()
        (example,) = re.findall(r"Aujourd’hui ou plus tard, par exemple (\d\d/\d\d/\d{4})", body)
        assert datetime.datetime.strptime(example, "%d/%m/%Y").date() > today
