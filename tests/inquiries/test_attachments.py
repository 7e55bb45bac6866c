"""Attachments: what is accepted, how it is stored, and who can download it."""

import io
import os

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.urls import reverse
from PIL import Image

from inquiries.models import Attachment, Inquiry
from inquiries.uploads import MAX_BYTES, check_attachment
from tests.builders import PDF, jpeg_bytes, png_bytes, upload
from tests.helpers import body, html

from .factories import contact_request

pytestmark = pytest.mark.django_db
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("facture.pdf", PDF, "application/pdf"),
        ("compteur.JPG", jpeg_bytes(), "image/jpeg"),
        ("compteur.jpeg", jpeg_bytes(), "image/jpeg"),
        ("fuite.png", png_bytes(), "image/png"),
    ],
)
def test_pdf_jpeg_and_png_are_accepted(name, data, kind):
    checked = check_attachment(upload(name, data))
    assert checked.content_type == kind


@pytest.mark.parametrize(
    ("name", "data", "error"),
    [
        ("dessin.svg", SVG, "Seuls les fichiers PDF, JPEG ou PNG sont acceptés."),
        ("page.html", b"<html><script>alert(1)</script></html>", "Seuls les fichiers PDF"),
        ("photo.gif", b"GIF89a" + b"\x00" * 20, "Seuls les fichiers PDF"),
        ("texte.pdf", b"just some text", "Seuls les fichiers PDF"),
        ("photo.pdf", jpeg_bytes(), "Le nom du fichier ne correspond pas à son contenu"),
        ("facture.png", PDF, "Le nom du fichier ne correspond pas à son contenu"),
        ("facture", PDF, "Le nom du fichier ne correspond pas à son contenu"),
        ("casse.jpg", jpeg_bytes()[:40], "Ce fichier est illisible."),
        ("tronque.pdf", b"%PDF-1.4\n" + b"x" * 100, "Ce fichier est illisible."),
        ("vide.pdf", b"", "Le fichier est vide."),
    ],
)
def test_other_types_and_broken_files_are_refused_in_french(name, data, error):
    with pytest.raises(ValidationError) as caught:
        check_attachment(upload(name, data))
    assert error in caught.value.messages[0]


def test_a_file_one_byte_over_five_megabytes_is_refused_before_reading(subscriber_client):
    big = PDF[:-6] + b"x" * (MAX_BYTES - len(PDF) + 1) + b"%%EOF\n"
    assert len(big) == MAX_BYTES + 1
    response = subscriber_client.post(
        reverse("contact"),
        {"subject": "invoice", "message": "Voir pièce", "attachment": upload("gros.pdf", big)},
    )
    assert "Le fichier est trop volumineux : 5 Mo au maximum." in html(response)
    assert 'aria-invalid="true"' in html(response)
    assert not Inquiry.objects.exists()


def test_a_file_of_exactly_five_megabytes_is_accepted():
    data = PDF[:-6] + b"x" * (MAX_BYTES - len(PDF)) + b"%%EOF\n"
    assert len(data) == MAX_BYTES
    assert check_attachment(upload("limite.pdf", data)).size == MAX_BYTES


def test_a_refused_file_through_the_form_saves_nothing(subscriber_client):
    response = subscriber_client.post(
        reverse("contact"),
        {"subject": "leak", "message": "Voir", "attachment": upload("x.svg", SVG)},
    )
    assert "Seuls les fichiers PDF, JPEG ou PNG sont acceptés." in html(response)
    assert not Inquiry.objects.exists()
    assert not Attachment.objects.exists()


def test_photos_lose_their_exif_and_gps_data():
    original = jpeg_bytes(exif=True)
    assert Image.open(io.BytesIO(original)).getexif()
    checked = check_attachment(upload("compteur.jpg", original))
    stored = Image.open(io.BytesIO(checked.content.read()))
    assert not stored.getexif()


def test_files_are_stored_under_a_generated_name_whatever_they_were_called(subscriber):
    inquiry = contact_request(subscriber, file=("../../settings.pdf", PDF))
    attachment = inquiry.attachments.get()
    assert attachment.original_name == "settings.pdf"
    stored = attachment.file.name
    assert stored.startswith("inquiries/") and stored.endswith(".pdf")
    assert "settings" not in stored and ".." not in stored
    root = os.path.realpath(default_storage.location)
    assert os.path.realpath(attachment.file.path).startswith(root + os.sep)


def test_the_private_files_are_not_under_a_public_url(client, subscriber):
    inquiry = contact_request(subscriber, file=("facture.pdf", PDF))
    path = inquiry.attachments.get().file.name
    assert client.get("/media/" + path).status_code == 404
    assert django_settings.STORAGES["default"]["OPTIONS"]["base_url"] is None


@pytest.fixture
def with_file(subscriber):
    inquiry = contact_request(subscriber, file=("Relevé été.pdf", PDF))
    return inquiry, inquiry.attachments.get()


def file_url(inquiry, attachment) -> str:
    return reverse("inquiries:attachment", args=[inquiry.reference, attachment.pk])


def test_the_owner_downloads_the_file_safely(subscriber_client, with_file):
    inquiry, attachment = with_file
    response = subscriber_client.get(file_url(inquiry, attachment))
    assert response.status_code == 200
    assert body(response) == PDF
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''Relev%C3%A9%20%C3%A9t%C3%A9.pdf" in disposition
    assert "\n" not in disposition and "\r" not in disposition
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert {"private", "no-store"} <= set(response["Cache-Control"].replace(" ", "").split(","))
    assert response["Content-Security-Policy"].startswith("sandbox")


def test_the_thread_links_to_the_file(subscriber_client, with_file):
    inquiry, attachment = with_file
    body = html(subscriber_client.get(reverse("inquiries:detail", args=[inquiry.reference])))
    assert file_url(inquiry, attachment) in body
    assert "Télécharger Relevé été.pdf" in body


def test_outsiders_and_other_accounts_get_a_404(client, outsider, second_subscriber, with_file):
    inquiry, attachment = with_file
    for user in (outsider, second_subscriber):
        client.force_login(user)
        assert client.get(file_url(inquiry, attachment)).status_code == 404


def test_a_neighbouring_id_or_another_reference_is_a_404(subscriber_client, outsider, with_file):
    inquiry, attachment = with_file
    theirs = contact_request(outsider, file=("leur.pdf", PDF))
    their_file = theirs.attachments.get()
    assert subscriber_client.get(file_url(theirs, their_file)).status_code == 404
    # My reference with their file's id.
    url = reverse("inquiries:attachment", args=[inquiry.reference, their_file.pk])
    assert subscriber_client.get(url).status_code == 404
    url = reverse("inquiries:attachment", args=[inquiry.reference, attachment.pk + 99])
    assert subscriber_client.get(url).status_code == 404


def test_anonymous_visitors_are_asked_to_log_in(client, with_file):
    response = client.get(file_url(*with_file))
    assert response.status_code == 302 and response["Location"].startswith("/?next=")


def test_a_regie_agent_downloads_any_attachment(client, staff_agent, with_file):
    client.force_login(staff_agent)
    assert client.get(file_url(*with_file)).status_code == 200


def test_staff_without_the_right_to_see_requests_get_a_404(client, with_file):
    from tests.builders import make_user

    clerk = make_user("stagiaire@eauxdupaysdaix.fr", is_staff=True)
    client.force_login(clerk)
    assert client.get(file_url(*with_file)).status_code == 404


def test_a_follow_up_message_can_carry_a_photo(subscriber_client, subscriber):
    inquiry = contact_request(subscriber)
    response = subscriber_client.post(
        reverse("inquiries:detail", args=[inquiry.reference]),
        {"message": "La photo", "attachment": upload("photo.png", png_bytes())},
        follow=True,
    )
    assert "Télécharger photo.png" in html(response)
    assert inquiry.attachments.get().message.body == "La photo"


def test_a_hostile_file_name_gives_a_single_well_formed_header(subscriber_client, subscriber):
    inquiry = contact_request(subscriber, file=('a"b\r\nX-Evil: 1.pdf', PDF))
    attachment = inquiry.attachments.get()
    assert attachment.original_name == 'a"bX-Evil: 1.pdf'
    response = subscriber_client.get(file_url(inquiry, attachment))
    disposition = response["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition
    assert "X-Evil" not in response.headers or response.headers.get("X-Evil") is None
    assert disposition.startswith("attachment;")


def _stored_files() -> list[str]:
    root = default_storage.location
    found = []
    for folder, _dirs, files in os.walk(root):
        found += [os.path.join(folder, name) for name in files]
    return found


def test_a_request_that_fails_after_the_file_was_written_leaves_no_file(subscriber, monkeypatch):
    from inquiries import services

    def broken(*args, **kwargs):
        raise RuntimeError("mail queue down")

    monkeypatch.setattr(services, "_notify_new", broken)
    with pytest.raises(RuntimeError):
        contact_request(subscriber, file=("facture.pdf", PDF))
    assert not Inquiry.objects.exists()
    assert _stored_files() == []


def test_deleting_the_account_deletes_its_requests_and_their_files(
    subscriber, django_capture_on_commit_callbacks
):
    from accounts.services import delete_account

    contact_request(subscriber, file=("facture.pdf", PDF))
    assert len(_stored_files()) == 1
    with django_capture_on_commit_callbacks(execute=True):
        delete_account(subscriber)
    assert not Inquiry.objects.exists()
    assert not Attachment.objects.exists()
    assert _stored_files() == []
