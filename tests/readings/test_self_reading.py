"""'Transmettre mon index': the period, the plausibility rules, the request IX-… and its
details, what the consumption page and the dashboard say, and the Régie's decision."""

import pytest
from django.core import mail
from django.urls import reverse

from contracts.models import ReadingKind
from inquiries.models import Attachment, Inquiry, InquiryKind, InquiryStatus
from readings import services
from readings.models import SelfReading, SelfReadingState
from tests.builders import jpeg_bytes, mails_to, make_contract, upload
from tests.clamd import EICAR, free_port
from tests.helpers import assert_french_page, html

from .helpers import a_year_of_history, days_ago, open_window, reading, run_import, today

pytestmark = pytest.mark.django_db


def url(contract) -> str:
    return reverse("readings:self_reading", args=[contract.number])


def consumption(client, contract) -> str:
    return html(client.get(reverse("contracts:consumption", args=[contract.number])))


@pytest.fixture
def window(contract):
    a_year_of_history(contract)
    return open_window()


def nothing_saved() -> None:
    assert not SelfReading.objects.exists()
    assert not Inquiry.objects.exists()
    assert not mail.outbox


# --- Access -----------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login_page(client, contract):
    response = client.get(url(contract))
    assert response.status_code == 302
    assert response["Location"].startswith(("/?next=", "/comptes/login/"))


def test_a_subscriber_of_another_payer_gets_404_and_cannot_post(client, outsider, window, contract):
    client.force_login(outsider)
    assert client.get(url(contract)).status_code == 404
    assert client.post(url(contract), {"index": "1050"}).status_code == 404
    nothing_saved()


def test_the_second_account_of_the_payer_may_send_the_index(
    client, second_subscriber, window, contract
):
    client.force_login(second_subscriber)
    assert client.post(url(contract), {"index": "1050"}).status_code == 302
    assert SelfReading.objects.get().inquiry.user == second_subscriber


# --- Sending --------------------------------------------------------------------------------


def test_the_page_shows_the_form_while_the_period_is_open(subscriber_client, window, contract):
    response = subscriber_client.get(url(contract))
    assert_french_page(response)
    page = html(response)
    assert "Transmettre mon index" in page
    assert "Index de votre compteur (m³)" in page
    assert f"jusqu’au {window.closes_on:%d/%m/%Y}" in page
    assert f"Dernier relevé : 1{chr(0x202F)}000 m³" in page or "Dernier relevé : 1" in page


def test_a_plausible_index_files_one_request_with_its_details(
    subscriber_client, subscriber, window, contract
):
    response = subscriber_client.post(url(contract), {"index": " 1 050 "})
    assert response.status_code == 302
    inquiry = Inquiry.objects.get()
    assert inquiry.kind == InquiryKind.METER_READING
    assert inquiry.reference.startswith("IX-")
    assert (inquiry.user, inquiry.contract, inquiry.meter_index) == (subscriber, contract, 1050)
    detail = SelfReading.objects.get()
    assert (detail.inquiry, detail.contract, detail.index) == (inquiry, contract, 1050)
    assert detail.reading_date == today()
    assert detail.state == SelfReadingState.PENDING
    assert not detail.meter_changed and not detail.confirmed_high
    assert detail.last_index == 1000
    # The request's emails: to the subscriber and to the Régie.
    assert len(mails_to(subscriber.email)) == 1
    assert inquiry.reference in mails_to(subscriber.email)[0].body
    # The page now says it was sent, with the reference, and offers no second form.
    page = html(subscriber_client.get(url(contract)))
    assert inquiry.reference in page and "Merci : votre index de 1050 m³" in page
    assert 'name="index"' not in page
    # "Mes demandes" lists it.
    listing = html(subscriber_client.get(reverse("inquiries:list")))
    assert inquiry.reference in listing and "Transmission d’index" in listing


def test_the_consumption_page_shows_the_index_awaiting_and_the_link(
    subscriber_client, window, contract
):
    before = consumption(subscriber_client, contract)  # kept now
    assert "Auto-relevé en attente" not in before
    assert "Transmettre mon index" in before
    subscriber_client.post(url(contract), {"index": "1050"})
    page = consumption(subscriber_client, contract)
    assert "Auto-relevé en attente" in page
    assert f"index 1050 m³ transmis le {today():%d/%m/%Y}" in page
    assert "en cours de vérification par la Régie" in page


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("1050,5", "Indiquez l’index en m³ entiers, sans virgule"),
        ("1050.25", "Indiquez l’index en m³ entiers, sans virgule"),
        ("-1050", "L’index ne peut pas être négatif"),
        ("mille", "Indiquez l’index en chiffres seulement"),
        ("1e3", "Indiquez l’index en chiffres seulement"),
        ("١٠٥٠", "Indiquez l’index en chiffres seulement"),
        ("", "Indiquez l’index de votre compteur."),
        ("99999999", "Cet index est trop grand"),
    ],
)
def test_an_index_that_is_not_whole_m3_is_refused_in_french(
    subscriber_client, window, contract, value, error
):
    response = subscriber_client.post(url(contract), {"index": value})
    assert response.status_code == 200
    page = html(response)
    assert error in page
    assert 'aria-invalid="true"' in page
    nothing_saved()


def test_an_index_below_the_last_reading_is_refused(subscriber_client, window, contract):
    response = subscriber_client.post(url(contract), {"index": "999"})
    page = html(response)
    assert "Cet index (999 m³) est plus petit que le dernier relevé de votre compteur" in page
    assert f"(1000 m³ le {days_ago(180):%d/%m/%Y})" in page
    nothing_saved()


def test_a_replaced_meter_may_start_again_from_zero(subscriber_client, window, contract):
    response = subscriber_client.post(url(contract), {"index": "3", "meter_changed": "on"})
    assert response.status_code == 302
    detail = SelfReading.objects.get()
    assert detail.meter_changed and detail.index == 3
    assert "changé" in detail.inquiry.messages.get().body


def test_a_high_index_asks_for_confirmation_and_keeps_the_value(
    subscriber_client, window, contract
):
    assert services.plausibility(contract, today()).ceiling == 1100
    assert subscriber_client.post(url(contract), {"index": "1100"}).status_code == 302
    SelfReading.objects.all().delete()
    Inquiry.objects.all().delete()
    mail.outbox.clear()

    response = subscriber_client.post(url(contract), {"index": "1101"})
    assert response.status_code == 200
    page = html(response)
    assert "Cet index est beaucoup plus élevé que d’habitude (environ 273 litres par jour" in page
    assert "Cochez cette case pour confirmer cet index, ou corrigez-le" in page
    assert 'name="confirm"' in page and 'name="attachment"' in page
    assert 'value="1101"' in page
    nothing_saved()

    response = subscriber_client.post(url(contract), {"index": "1101", "confirm": "on"})
    assert response.status_code == 302
    detail = SelfReading.objects.get()
    assert detail.confirmed_high and detail.index == 1101
    assert "confirmé" in detail.inquiry.messages.get().body


def test_a_confirmed_high_index_may_carry_a_photo_without_its_exif(
    subscriber_client, window, contract
):
    photo = upload("compteur.jpg", jpeg_bytes(exif=True))
    response = subscriber_client.post(
        url(contract), {"index": "1500", "confirm": "on", "attachment": photo}
    )
    assert response.status_code == 302
    stored = Attachment.objects.get()
    assert stored.inquiry == SelfReading.objects.get().inquiry
    data = stored.file.read()
    assert b"PhoneMaker" not in data and b"Exif" not in data


def test_a_photo_refused_on_the_first_submit_must_be_chosen_again(
    subscriber_client, window, contract
):
    photo = upload("compteur.jpg", jpeg_bytes())
    response = subscriber_client.post(url(contract), {"index": "1500", "attachment": photo})
    assert "le fichier n’a pas été conservé" in html(response)
    nothing_saved()


@pytest.mark.clamav
def test_an_infected_photo_is_refused_and_nothing_is_saved(
    scanning, subscriber_client, window, contract
):
    response = subscriber_client.post(
        url(contract),
        {"index": "1500", "confirm": "on", "attachment": upload("compteur.jpg", EICAR)},
    )
    assert response.status_code == 200
    assert "Ce fichier contient un virus : il a été refusé." in html(response)
    nothing_saved()
    assert not Attachment.objects.exists()


def test_a_photo_is_refused_when_clamd_does_not_answer(
    settings, subscriber_client, window, contract
):
    settings.CLAMD_URL = f"tcp://127.0.0.1:{free_port()}"
    settings.CLAMD_TIMEOUT = 2
    photo = upload("compteur.jpg", jpeg_bytes())
    response = subscriber_client.post(
        url(contract), {"index": "1500", "confirm": "on", "attachment": photo}
    )
    assert "Les fichiers ne peuvent pas être vérifiés pour le moment" in html(response)
    nothing_saved()


def test_with_little_history_the_daily_average_is_100_litres(contract):
    reading(contract, days_ago(100), "1000")
    plausibility = services.plausibility(contract, today())
    assert plausibility.average_litres == 100
    assert plausibility.ceiling == 1000 + 20 + 1
    reading(contract, days_ago(130), "999")  # 30 days of history: still too little
    assert services.plausibility(contract, today()).ceiling == 1021


def test_without_any_reading_every_index_is_plausible(subscriber_client, contract):
    open_window()
    response = subscriber_client.post(url(contract), {"index": "123456"})
    assert response.status_code == 302
    assert SelfReading.objects.get().last_index is None


# --- When the form is not offered ---------------------------------------------------------------


def test_before_the_period_the_page_says_when_it_opens(subscriber_client, contract):
    upcoming = open_window(start=5, end=20)
    response = subscriber_client.get(url(contract))
    page = html(response)
    assert (
        f"Vous pourrez transmettre votre index du {upcoming.opens_on:%d/%m/%Y} "
        f"au {upcoming.closes_on:%d/%m/%Y}"
    ) in page
    assert 'name="index"' not in page
    subscriber_client.post(url(contract), {"index": "1050"})
    nothing_saved()


def test_without_a_period_the_page_says_none_is_planned(subscriber_client, contract):
    open_window(start=-20, end=-5)  # over
    open_window(postcode="13770", name="Venelles")  # another commune
    page = html(subscriber_client.get(url(contract)))
    assert "Aucune période de transmission de l’index n’est prévue" in page
    assert 'name="index"' not in page


def test_a_meter_read_remotely_has_no_form(subscriber_client, window, contract):
    contract.remote_reading = True
    contract.save()
    page = html(subscriber_client.get(url(contract)))
    assert "Votre compteur est télérelevé" in page
    assert 'name="index"' not in page
    subscriber_client.post(url(contract), {"index": "1050"})
    nothing_saved()


def test_a_refused_index_may_be_sent_again(subscriber_client, window, contract, staff_agent):
    subscriber_client.post(url(contract), {"index": "1050"})
    services.decide(SelfReading.objects.get(), SelfReadingState.REFUSED, staff_agent)
    assert 'name="index"' in html(subscriber_client.get(url(contract)))


def test_the_period_follows_the_postcode_and_prefers_the_commune_named_like_the_city(payer, db):
    aix = open_window()
    elsewhere = make_contract(payer, "11301.11377.09", postcode="13770", city="Venelles")
    assert services.window_state(elsewhere, today()).current is None
    venelles = open_window(postcode="13770", name="Venelles")
    assert services.window_state(elsewhere, today()).current == venelles
    no_postcode = make_contract(payer, "11301.11377.08", city="AIX EN PROVENCE")
    assert services.window_state(no_postcode, today()).current is None  # iexact on the name
    spelled = make_contract(payer, "11301.11377.07", city="Aix-en-Provence")
    assert services.window_state(spelled, today()).current == aix


# --- Dashboard ----------------------------------------------------------------------------------


def test_the_dashboard_lists_the_service_and_says_whether_it_is_open(subscriber_client, contract):
    dashboard = reverse("contracts:dashboard", args=[contract.number])
    page = html(subscriber_client.get(dashboard))
    assert "Transmettre mon index" in page
    assert "Pas de période prévue pour l’instant." in page
    window = open_window()  # retires the kept dashboard
    page = html(subscriber_client.get(dashboard))
    assert f"Ouvert jusqu’au {window.closes_on:%d/%m/%Y}." in page
    assert url(contract) in page
    assert "Alertes de consommation" in page


# --- The Régie's decision and the import ----------------------------------------------------------


def test_validating_closes_the_request_and_tells_the_subscriber(
    subscriber_client, subscriber, window, contract, staff_agent, django_capture_on_commit_callbacks
):
    subscriber_client.post(url(contract), {"index": "1050"})
    mail.outbox.clear()
    detail = SelfReading.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.decide(detail, SelfReadingState.VALIDATED, staff_agent)
    detail.refresh_from_db()
    assert detail.state == SelfReadingState.VALIDATED and detail.decided_by == staff_agent
    assert detail.inquiry.status == InquiryStatus.DONE
    assert "a été accepté" in detail.inquiry.messages.last().body
    assert len(mails_to(subscriber.email)) == 1
    # Deciding twice does nothing.
    assert not services.decide(detail, SelfReadingState.REFUSED, staff_agent)
    # Still shown as awaiting until the billing system brings it back.
    page = consumption(subscriber_client, contract)
    assert "Auto-relevé en attente" in page and "accepté par la Régie" in page


def test_the_import_of_the_same_self_reading_validates_it(
    subscriber_client, subscriber, window, contract, tmp_path
):
    subscriber_client.post(url(contract), {"index": "1050"})
    consumption(subscriber_client, contract)  # kept
    mail.outbox.clear()
    row = f"{contract.number};{today():%Y-%m-%d};1050;self"

    report = run_import(tmp_path, [row], dry_run=True, name="dry")
    assert report.ok
    assert SelfReading.objects.get().state == SelfReadingState.PENDING
    assert not mail.outbox

    report = run_import(tmp_path, [row])
    assert report.ok
    detail = SelfReading.objects.get()
    assert detail.state == SelfReadingState.VALIDATED and detail.decided_by is None
    assert detail.inquiry.status == InquiryStatus.DONE
    assert len(mails_to(subscriber.email)) == 1
    page = consumption(subscriber_client, contract)
    assert "Auto-relevé en attente" not in page
    assert "Auto-relevé" in page  # the reading itself, kind "self"


def test_a_reading_with_another_index_leaves_it_pending(
    subscriber_client, window, contract, tmp_path
):
    subscriber_client.post(url(contract), {"index": "1050"})
    run_import(tmp_path, [f"{contract.number};{today():%Y-%m-%d};1049;real"])
    assert SelfReading.objects.get().state == SelfReadingState.PENDING
    assert "Auto-relevé en attente" in consumption(subscriber_client, contract)
    assert ReadingKind.SELF  # the kind the billing system uses for a self-reading
