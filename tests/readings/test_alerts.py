"""Consumption alerts: the page, the check after an import (one email per account and
reading, never on a dry run or a rolled-back import) and the dashboard banner."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import OutgoingEmail
from readings import alerts
from readings.models import AlertEmail, AlertReason, AlertSetting, ConsumptionAlert
from tests.builders import link_in, mails_to
from tests.helpers import assert_french_page, html

from .helpers import days_ago, reading, run_import, today

pytestmark = pytest.mark.django_db


def url(contract) -> str:
    return reverse("readings:alerts", args=[contract.number])


def dashboard(client, contract) -> str:
    return html(client.get(reverse("contracts:dashboard", args=[contract.number])))


@pytest.fixture
def usual(contract):
    """A year at 100 litres a day, the last reading 30 days ago (index 1,000)."""
    reading(contract, days_ago(395), "963.5")
    reading(contract, days_ago(210), "982")
    reading(contract, days_ago(30), "1000")
    return contract


def row(contract, index: str, when: datetime.date | None = None) -> str:
    return f"{contract.number};{(when or today()):%Y-%m-%d};{index};real"


# --- The page ---------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login_page(client, contract):
    response = client.get(url(contract))
    assert response.status_code == 302
    assert response["Location"].startswith(("/?next=", "/comptes/login/"))


def test_a_subscriber_of_another_payer_gets_404(client, outsider, contract):
    client.force_login(outsider)
    assert client.get(url(contract)).status_code == 404
    assert client.post(url(contract), {"enabled": "on"}).status_code == 404
    assert not AlertSetting.objects.exists()


def test_the_page_explains_the_alert_in_plain_words(subscriber_client, contract):
    response = subscriber_client.get(url(contract))
    assert_french_page(response)
    page = html(response)
    assert "Alertes de consommation" in page
    assert "combien de litres d’eau vous avez consommés par jour" in page
    assert "Mon propre seuil, en litres par jour (facultatif)" in page


def test_switching_alerts_on_with_a_threshold_then_off(subscriber_client, subscriber, usual):
    response = subscriber_client.post(url(usual), {"enabled": "on", "threshold": "500"})
    assert response.status_code == 302
    setting = AlertSetting.objects.get()
    assert (setting.user, setting.contract, setting.enabled) == (subscriber, usual, True)
    assert setting.threshold_litres_per_day == 500
    assert setting.checked_through == days_ago(30)  # known readings never alert
    page = html(subscriber_client.get(url(usual)))
    assert "Enregistré : vous serez prévenu par e-mail" in page
    assert 'value="500"' in page and "checked" in page

    subscriber_client.post(url(usual), {"threshold": "500"})
    assert not AlertSetting.objects.get().enabled
    assert "vous ne recevrez plus d’alertes" in html(subscriber_client.get(url(usual)))


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("abc", "Indiquez un nombre entier de litres"),
        ("1,5", "Indiquez un nombre entier de litres"),
        ("-5", "Indiquez un nombre de litres plus grand que 0."),
        ("0", "Indiquez un nombre de litres plus grand que 0."),
        ("1000000", "Indiquez 100 000 litres par jour au plus."),
    ],
)
def test_a_bad_threshold_is_refused_in_french(subscriber_client, contract, value, error):
    response = subscriber_client.post(url(contract), {"enabled": "on", "threshold": value})
    assert response.status_code == 200
    assert error in html(response)
    assert not AlertSetting.objects.exists()


# --- After an import --------------------------------------------------------------------------


@pytest.fixture
def alert_on(subscriber, usual):
    return alerts.save_setting(subscriber, usual, enabled=True, threshold=None)


def test_a_reading_twice_the_usual_sends_one_email(
    subscriber_client, subscriber, second_subscriber, alert_on, usual, tmp_path
):
    # 30 days at 250 litres a day: 7.5 m³, 2.5 times the usual 100 litres.
    report = run_import(tmp_path, [row(usual, "1007.5")])
    assert report.ok
    sent = mails_to(subscriber.email)
    assert len(sent) == 1
    message = sent[0]
    assert message.subject == f"Consommation d’eau anormalement élevée – contrat {usual.number}"
    assert "250 litres d’eau par jour" in message.body
    assert "plus du double de votre consommation habituelle (100 litres par jour)" in message.body
    assert link_in(message) == reverse("contracts:consumption", args=[usual.number])
    assert f"http://127.0.0.1:8000{url(usual)}" in message.body
    assert not mails_to(second_subscriber.email)  # no alert asked
    email = AlertEmail.objects.get()
    assert (email.user, email.reason) == (subscriber, AlertReason.USUAL)

    # The same export again, then a dry run: nothing more.
    run_import(tmp_path, [row(usual, "1007.5")], name="again")
    run_import(tmp_path, [row(usual, "1007.5")], name="dry", dry_run=True)
    assert len(mails_to(subscriber.email)) == 1
    assert AlertEmail.objects.count() == ConsumptionAlert.objects.count() == 1


def test_the_threshold_alerts_below_twice_the_usual(subscriber, usual, tmp_path):
    alerts.save_setting(subscriber, usual, enabled=True, threshold=150)
    run_import(tmp_path, [row(usual, "1005")])  # 166 litres a day
    message = mails_to(subscriber.email)[0]
    assert "C’est plus que le seuil que vous avez choisi : 150 litres par jour." in message.body
    assert AlertEmail.objects.get().reason == AlertReason.THRESHOLD


def test_a_usual_reading_sends_nothing_but_is_checked(subscriber, alert_on, usual, tmp_path):
    run_import(tmp_path, [row(usual, "1004")])  # 133 litres a day
    assert not mail.outbox and not ConsumptionAlert.objects.exists()
    assert AlertSetting.objects.get().checked_through == today()


def test_a_dry_run_sends_nothing(subscriber, alert_on, usual, tmp_path):
    run_import(tmp_path, [row(usual, "1050")], dry_run=True)
    assert not mail.outbox and not OutgoingEmail.objects.exists()
    assert not ConsumptionAlert.objects.exists()
    assert AlertSetting.objects.get().checked_through == days_ago(30)


def test_a_rolled_back_import_sends_nothing(subscriber, alert_on, usual, tmp_path):
    report = run_import(tmp_path, [row(usual, "1050"), "99999.99999.99;2026-01-01;5;real"])
    assert not report.ok
    assert not mail.outbox and not OutgoingEmail.objects.exists()
    assert not ConsumptionAlert.objects.exists()


def test_alerts_switched_off_send_nothing(subscriber, usual, tmp_path):
    alerts.save_setting(subscriber, usual, enabled=False, threshold=None)
    run_import(tmp_path, [row(usual, "1050")])
    assert not mail.outbox


def test_a_reading_known_when_the_alert_was_set_never_alerts(subscriber, usual, tmp_path):
    reading(usual, days_ago(1), "1050")
    alerts.save_setting(subscriber, usual, enabled=True, threshold=None)
    run_import(tmp_path, [row(usual, "1050", days_ago(1))])
    assert not mail.outbox


def test_a_replaced_meter_or_too_little_history_does_not_alert_on_the_usual(
    subscriber, contract, tmp_path
):
    reading(contract, days_ago(40), "1000")
    alerts.save_setting(subscriber, contract, enabled=True, threshold=None)
    run_import(tmp_path, [row(contract, "1100")])  # 10,000 litres a day, no usual known
    assert not mail.outbox
    run_import(tmp_path, [row(contract, "5", today() + datetime.timedelta(days=1))], name="new")
    assert not mail.outbox


# --- The dashboard banner ---------------------------------------------------------------------


def test_the_banner_shows_until_hidden(subscriber_client, alert_on, usual, tmp_path):
    assert "Consommation élevée." not in dashboard(subscriber_client, usual)  # kept now
    run_import(tmp_path, [row(usual, "1007.5")])
    page = dashboard(subscriber_client, usual)
    assert "Consommation élevée." in page
    assert f"Du {days_ago(30):%d/%m/%Y} au {today():%d/%m/%Y}" in page
    assert "250 litres d’eau par jour (d’habitude 100 litres par jour)" in page
    alerts_page = html(subscriber_client.get(url(usual)))
    assert "J’ai compris : masquer cette alerte" in alerts_page

    response = subscriber_client.post(url(usual), {"action": "dismiss"})
    assert response.status_code == 302
    assert ConsumptionAlert.objects.get().dismissed_at is not None
    assert "Consommation élevée." not in dashboard(subscriber_client, usual)


def test_the_banner_goes_with_the_next_reading(subscriber_client, alert_on, usual, tmp_path):
    run_import(tmp_path, [row(usual, "1007.5", days_ago(1))])
    assert "Consommation élevée." in dashboard(subscriber_client, usual)
    run_import(tmp_path, [row(usual, "1007.6")], name="next")
    assert "Consommation élevée." not in dashboard(subscriber_client, usual)


def test_an_outsider_cannot_hide_the_banner(client, outsider, alert_on, usual, tmp_path):
    run_import(tmp_path, [row(usual, "1007.5")])
    client.force_login(outsider)
    assert client.post(url(usual), {"action": "dismiss"}).status_code == 404
    assert ConsumptionAlert.objects.get().dismissed_at is None
