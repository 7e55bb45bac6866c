"""A served request is freed as soon as its response is: nothing it carries holds it in a
reference cycle (core/cycles.py), so no page waits for Python's cycle collector, which
under load ran every ~25 requests and took 4 % of the workers' CPU (issue #22)."""

import gc
import io
import sys

import pytest
from django.conf import settings
from django.core import signals
from django.core.files.base import ContentFile
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from django.urls import reverse

from contracts.models import Invoice

pytestmark = pytest.mark.django_db


def served(handler: WSGIHandler, path: str, session: str = "") -> str:
    """``path`` through Django's WSGI handler as gunicorn calls it; returns the status."""
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.url_scheme": "http",
    }
    if session:
        environ["HTTP_COOKIE"] = f"{settings.SESSION_COOKIE_NAME}={session}"
    status = []
    # As Django's test client: the test's transaction keeps its connection open.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        body = handler(environ, lambda line, headers, exc_info=None: status.append(line))
        b"".join(body)
        body.close()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    return status[0]


def left_to_the_collector(path: str, session: str = "") -> set[str]:
    """The kinds of object the request left in reference cycles, once it was served."""
    handler = WSGIHandler()  # its middleware chain is made once, as in a worker
    served(handler, path, session)  # first views keep what later ones read
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        status = served(handler, path, session)
        gc.collect()
        left = {type(o).__name__ for o in gc.garbage}
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert status == "200 OK", (path, status)
    return left


@pytest.fixture
def session(subscriber_client) -> str:
    return subscriber_client.cookies[settings.SESSION_COOKIE_NAME].value


def test_an_anonymous_page_is_freed_with_its_response(client):
    assert left_to_the_collector(reverse("home")) == set()


@pytest.mark.parametrize("name", ["dashboard", "invoices", "payments", "consumption"])
def test_a_contract_page_is_freed_with_its_response(session, history, name):
    path = reverse(f"contracts:{name}", args=[history.number])
    assert left_to_the_collector(path, session) == set()


def test_an_invoice_pdf_is_freed_with_its_response(session, history):
    invoice = Invoice.objects.get()
    invoice.pdf.save("F2024-0001.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=True)
    path = reverse("contracts:invoice_pdf", args=[history.number, invoice.number])
    assert left_to_the_collector(path, session) == set()
