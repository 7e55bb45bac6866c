"""Fixtures of the request tests: the subscriber-area cast, a committing client, files."""

import io
import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from tests.accounts.conftest import CommittingClient
from tests.clamd import clamd_url, scanning  # noqa: F401
from tests.contracts.area_fixtures import *  # noqa: F403
from tests.contracts.conftest import (  # noqa: F401
    contract,
    fast_key_hashing,
    payer,
    private_media,
)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def client(db) -> Client:
    # Emails leave in transaction.on_commit: run those callbacks after each request.
    return CommittingClient()


@pytest.fixture
def subscriber_client(client, subscriber):
    client.force_login(subscriber)
    return client


def jpeg_bytes(size=(40, 30), exif: bool = False) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, (20, 120, 200))
    if exif:
        data = Image.Exif()
        data[0x010F] = "PhoneMaker"  # Make
        data[0x8825] = {2: (43.0, 31.0, 0.0)}  # GPSInfo: a latitude
        image.save(out, format="JPEG", exif=data)
    else:
        image.save(out, format="JPEG")
    return out.getvalue()


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (10, 10), (255, 0, 0)).save(out, format="PNG")
    return out.getvalue()


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def reference_in(text: str, prefix: str) -> str:
    match = re.search(rf"{prefix}-\d{{4}}-\d{{6}}", text)
    assert match, f"no {prefix} reference in the text"
    return match.group(0)


def mails_to(address: str) -> list[mail.EmailMessage]:
    return [m for m in mail.outbox if address in m.to]
