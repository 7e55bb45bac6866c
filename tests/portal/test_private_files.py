"""core.files.private_file: a small file read whole, a large one streamed, the same headers."""

from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage
from django.db.models import FileField
from django.db.models.fields.files import FieldFile
from django.http import Http404

from core import files
from tests.helpers import body

PDF = b"%PDF-1.4 facture " + bytes(range(256)) * 12


def _stored(tmp_path: Path, content: bytes = PDF) -> FieldFile:
    """A stored file as a model's file field gives it (its storage: ``tmp_path``)."""
    (tmp_path / "facture.pdf").write_bytes(content)
    field = FileField(storage=FileSystemStorage(location=tmp_path))
    return FieldFile(None, field, "facture.pdf")  # type: ignore[arg-type]


def _same_headers(response, size: int) -> None:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Length"] == str(size)
    assert response["Content-Disposition"] == 'inline; filename="facture-F1.pdf"'
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_small_file_is_read_whole_and_its_handle_closed(tmp_path):
    stored = _stored(tmp_path)
    response = files.private_file(stored, "facture-F1.pdf")
    assert not response.streaming  # sent with the headers, no sendfile
    assert stored.closed
    _same_headers(response, len(PDF))
    assert body(response) == PDF


def test_a_large_file_is_streamed_from_its_start(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "READ_WHOLE_BYTES", 100)
    response = files.private_file(_stored(tmp_path), "facture-F1.pdf")
    assert response.streaming
    _same_headers(response, len(PDF))
    assert body(response) == PDF  # nothing lost to the first read
    response.file_to_stream.close()  # as the server does (close() would signal a request end)


def test_a_file_of_exactly_the_limit_is_read_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "READ_WHOLE_BYTES", len(PDF))
    response = files.private_file(_stored(tmp_path), "facture-F1.pdf")
    assert not response.streaming
    assert body(response) == PDF


def test_an_attachment_and_a_sandbox(tmp_path):
    response = files.private_file(_stored(tmp_path), "piece.pdf", inline=False, sandbox=True)
    assert response["Content-Disposition"] == 'attachment; filename="piece.pdf"'
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"


def test_a_file_missing_on_disk_is_a_404(tmp_path):
    stored = _stored(tmp_path)
    (tmp_path / "facture.pdf").unlink()
    with pytest.raises(Http404):
        files.private_file(stored, "facture-F1.pdf")
