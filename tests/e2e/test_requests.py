"""A subscriber files a subscription request and a contact message with a photo, follows
both in "Mes demandes" and reads the Régie's answer, in a real browser."""

import datetime
import io

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Page, expect

from accounts.models import User
from contracts.models import AccountPayerLink, Contract, Payer
from inquiries.models import Commune, Inquiry, InquiryStatus
from inquiries.services import staff_update
from tests.e2e.helpers import check_page

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "Tortue&Violon9"


@pytest.fixture
def subscriber(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Transactional tests flush the tables, data migrations included.
    Commune.objects.get_or_create(name="Venelles", postcode="13770")
    payer = Payer.objects.create(reference="P0001", name="Marie Dupont")
    contract = Contract(
        number="11301.11377.01",
        payer=payer,
        street="12 cours Mirabeau",
        postcode="13100",
        city="Aix-en-Provence",
    )
    contract.set_key("ABCD2345")
    contract.save()
    user = User.objects.create_user("abonne@example.fr", PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    AccountPayerLink.objects.create(user=user, payer=payer)
    return user


def log_in(page: Page, base: str) -> None:
    page.goto(base + "/")
    page.set_default_timeout(10_000)
    page.locator("input[name=login]").fill("abonne@example.fr")
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()


def photo(tmp_path) -> str:
    path = tmp_path / "compteur.jpg"
    out = io.BytesIO()
    Image.new("RGB", (200, 150), (30, 110, 180)).save(out, format="JPEG")
    path.write_bytes(out.getvalue())
    return str(path)


def test_a_subscriber_files_requests_and_reads_the_answer(
    page: Page, live_server, subscriber, tmp_path
):
    base = live_server.url
    log_in(page, base)

    # The subscription request, first with mistakes.
    page.goto(base + "/demandes/abonnement/")
    expect(page.locator("h1")).to_have_text("Effectuer une demande d'abonnement")
    check_page(page, "request-subscription")
    page.get_by_label("Nom", exact=True).fill("Dupont")
    page.get_by_label("Date de début souhaitée").fill("2001-01-01")
    page.get_by_role("button", name="Envoyer ma demande").click()
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.get_by_label("Nom", exact=True)).to_have_value("Dupont")
    check_page(page, "request-subscription-errors")

    page.get_by_label("Civilité").select_option("mme")
    page.get_by_label("Prénom").fill("Marie")
    page.get_by_label("Numéro de téléphone").fill("04 42 12 34 56")
    page.get_by_label("Numéro et voie").fill("4 chemin des Vignes")
    page.get_by_label("Code postal").fill("13770")
    page.get_by_label("Commune").select_option(label="Venelles (13770)")
    start = timezone.localdate() + datetime.timedelta(days=7)
    page.get_by_label("Date de début souhaitée").fill(start.isoformat())
    page.get_by_label("Vous êtes").select_option("tenant")
    page.get_by_label("J’accepte que la Régie").check()
    page.get_by_role("button", name="Envoyer ma demande").click()
    expect(page.locator("h1")).to_have_text("Votre demande a bien été reçue")
    expect(page.locator(".inquiry-reference")).to_contain_text("DA-")
    check_page(page, "request-confirmation")

    # A contact message with a photo.
    page.goto(base + "/contact/")
    page.get_by_label("Objet").select_option("meter")
    page.get_by_label("Contrat concerné (facultatif)").select_option("11301.11377.01")
    page.get_by_label("Votre message").fill("Mon compteur fuit, voici une photo.")
    page.get_by_label("Pièce jointe").set_input_files(photo(tmp_path))
    check_page(page, "contact-subscriber")
    page.get_by_role("button", name="Envoyer mon message").click()
    expect(page.locator(".inquiry-reference")).to_contain_text("CT-")

    # Both in "Mes demandes".
    page.goto(base + "/demandes/")
    expect(page.get_by_role("link", name="DA-", exact=False)).to_be_visible()
    expect(page.get_by_role("link", name="CT-", exact=False)).to_be_visible()
    check_page(page, "my-requests")

    # The Régie answers (as the admin does); the subscriber reads it in the thread.
    contact = Inquiry.objects.get(reference__startswith="CT-")
    agent = User.objects.create_user("agent@eauxdupaysdaix.fr", PASSWORD, is_staff=True)
    contact.status = InquiryStatus.IN_PROGRESS
    contact.save()
    staff_update(
        contact, agent, reply="Un technicien passe demain.", previous_status=InquiryStatus.RECEIVED
    )
    page.get_by_role("link", name=contact.reference).click()
    expect(page.get_by_text("Un technicien passe demain.")).to_be_visible()
    expect(page.get_by_role("link", name="Télécharger compteur.jpg", exact=False)).to_be_visible()
    check_page(page, "request-thread")


def test_a_visitor_writes_from_the_contact_page(page: Page, live_server):
    page.goto(live_server.url + "/contact/")
    page.get_by_label("Votre adresse e-mail").fill("visiteur@example.fr")
    page.get_by_label("Objet").select_option("other")
    page.get_by_label("Votre message").fill("Bonjour, une question.")
    page.get_by_role("button", name="Envoyer mon message").click()
    expect(page.locator("h1")).to_have_text("Votre demande a bien été reçue")
    check_page(page, "contact-confirmation-visitor")
