"""Attachments go through clamd before they are stored (tests/clamd.py: a real clamd on
an EICAR-only database in CI, a fake speaking the same protocol elsewhere)."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent, AuditKind
from core import antivirus
from inquiries.models import Attachment, Inquiry
from tests.builders import PDF, jpeg_bytes, upload
from tests.clamd import EICAR, SIGNATURE, free_port
from tests.helpers import html

from .factories import contact_request

pytestmark = [pytest.mark.django_db, pytest.mark.clamav]

INFECTED_PDF = PDF[:-6] + EICAR + b"\n%%EOF\n"
REFUSED = "Ce fichier contient un virus : il a été refusé."
UNAVAILABLE = "Les fichiers ne peuvent pas être vérifiés pour le moment"


def post_contact(client, name, data):
    return client.post(
        reverse("contact"),
        {"subject": "invoice", "message": "Voir pièce jointe", "attachment": upload(name, data)},
    )


def test_clamd_finds_nothing_in_a_clean_file(clamd_url):
    assert antivirus.ping(clamd_url)
    assert antivirus.scan(PDF + jpeg_bytes(), url=clamd_url) == antivirus.Verdict(False)


def test_clamd_names_the_eicar_test_file(clamd_url):
    verdict = antivirus.scan(EICAR, url=clamd_url)
    # clamd adds ".UNOFFICIAL" to a signature from a database it did not download.
    assert verdict.infected and verdict.signature.startswith(SIGNATURE)
    # Also inside another file, and across the client's chunks.
    padded = b"a" * (antivirus.CHUNK - 10) + EICAR + b"z" * 100
    assert antivirus.scan(padded, url=clamd_url).infected


def test_no_answer_is_no_verdict():
    with pytest.raises(antivirus.ScannerUnavailable):
        antivirus.scan(PDF, url=f"tcp://127.0.0.1:{free_port()}", timeout=2)
    assert not antivirus.ping(f"tcp://127.0.0.1:{free_port()}")


def test_a_clean_attachment_is_scanned_then_stored(scanning, subscriber_client, private_media):
    response = post_contact(subscriber_client, "facture.pdf", PDF)
    assert response.status_code == 302
    assert Attachment.objects.get().file.read() == PDF


def test_an_infected_attachment_is_refused_in_french_and_recorded(
    scanning, subscriber_client, subscriber, private_media, tmp_path
):
    response = post_contact(subscriber_client, "facture.pdf", INFECTED_PDF)
    assert response.status_code == 200
    page = html(response)
    assert REFUSED in page
    assert 'aria-invalid="true"' in page
    assert not Inquiry.objects.exists()
    assert not Attachment.objects.exists()
    assert not list((tmp_path / "private").rglob("*.pdf"))
    event = AuditEvent.objects.get(kind=AuditKind.UPLOAD_INFECTED)
    assert (event.user, event.ip) == (subscriber, "127.0.0.1")
    assert event.detail.startswith(SIGNATURE)


def test_an_infected_file_is_refused_whatever_its_type(scanning, client):
    response = post_contact(client, "eicar.com", EICAR)
    assert REFUSED in html(response)
    assert AuditEvent.objects.get(kind=AuditKind.UPLOAD_INFECTED).user is None


def test_a_follow_up_message_with_a_virus_is_refused(scanning, subscriber_client, subscriber):
    inquiry = contact_request(subscriber)
    response = subscriber_client.post(
        reverse("inquiries:detail", args=[inquiry.reference]),
        {"message": "Voici le relevé", "attachment": upload("releve.pdf", INFECTED_PDF)},
    )
    assert REFUSED in html(response)
    assert inquiry.messages.count() == 1
    assert AuditEvent.objects.filter(kind=AuditKind.UPLOAD_INFECTED).count() == 1


def test_clamd_down_refuses_the_file_politely_and_stores_nothing(
    settings, subscriber_client, private_media
):
    settings.CLAMD_URL = f"tcp://127.0.0.1:{free_port()}"
    settings.CLAMD_TIMEOUT = 2
    response = post_contact(subscriber_client, "facture.pdf", PDF)
    assert response.status_code == 200
    assert UNAVAILABLE in html(response)
    assert not Inquiry.objects.exists()
    assert not Attachment.objects.exists()
    assert not AuditEvent.objects.filter(kind=AuditKind.UPLOAD_INFECTED).exists()
