"""Small assertions about rendered pages, shared by the tests."""

import re
import socket

import pytest
from django.http import HttpResponse
from django.http.response import HttpResponseBase


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


# For tests that talk to a Redis server of their own choosing (not CACHE_URL's).
needs_local_redis = pytest.mark.skipif(not _redis_up(), reason="no Redis at 127.0.0.1:6379")


def body(response: HttpResponseBase) -> bytes:
    """What a browser receives: a private file is read whole when small, else streamed."""
    if response.streaming:
        return b"".join(response.streaming_content)  # type: ignore[attr-defined]
    return response.content  # type: ignore[attr-defined]


def html(response: HttpResponse) -> str:
    return response.content.decode()


def count_h1(response: HttpResponse) -> int:
    return len(re.findall(r"<h1[\s>]", html(response)))


def assert_french_page(response: HttpResponse) -> None:
    """A full page in French: lang attribute, exactly one <h1>, the site's landmarks."""
    body = html(response)
    assert '<html lang="fr">' in body
    assert count_h1(response) == 1, f"expected one <h1>, found {count_h1(response)}"
    for landmark in ("<header", "<main", "<footer"):
        assert landmark in body
