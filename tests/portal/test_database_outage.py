"""The database down: a French 503 page, /healthz degraded, service back without restart."""

import socket
from wsgiref.util import setup_testing_defaults

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import OperationalError, connection
from django.urls import path

from portal.urls import urlpatterns as portal_urlpatterns
from tests.helpers import assert_french_page, html


def _database_gone(request):
    raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")


urlpatterns = [*portal_urlpatterns, path("db-gone/", _database_gone)]
handler500 = "portal.views.error_500"


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_database_error_gets_a_french_503_page_without_details(client):
    client.raise_request_exception = False
    response = client.get("/db-gone/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert_french_page(response)
    body = html(response)
    assert "Le portail est momentanément indisponible" in body
    assert "Connection refused" not in body and "Traceback" not in body


# --- Against the real PostgreSQL (CI) --------------------------------------------------------


def wsgi_get(path: str, cookie: str = "") -> tuple[int, str]:
    """One request through Django's WSGI handler, as gunicorn sends it.

    Unlike the test client, the handler runs close_old_connections() at the start and end
    of each request, where CONN_HEALTH_CHECKS replaces a connection that died.
    """
    environ: dict = {"PATH_INFO": path, "HTTP_HOST": "127.0.0.1"}
    if cookie:
        environ["HTTP_COOKIE"] = cookie
    setup_testing_defaults(environ)
    statuses: list[str] = []
    chunks = WSGIHandler()(environ, lambda status, headers, exc_info=None: statuses.append(status))
    body = b"".join(chunks).decode()
    getattr(chunks, "close", lambda: None)()
    return int(statuses[0].split()[0]), body


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def postgresql(transactional_db, settings):
    if connection.vendor != "postgresql":
        pytest.skip("needs the real PostgreSQL (CI runs the suite on it)")
    settings.DEBUG = False
    # Persistent connections as in production; CONN_HEALTH_CHECKS comes from settings.py
    # (the first test fails without it).
    connection.settings_dict["CONN_MAX_AGE"] = 60
    connection.close()  # both are read when the connection opens
    yield
    connection.close()


def test_a_connection_cut_by_postgresql_is_replaced_at_the_next_request(postgresql):
    assert wsgi_get("/healthz")[0] == 200
    backend_pid = connection.connection.info.backend_pid
    # PostgreSQL restarted or an administrator killed the session: terminate it from
    # another connection, as a restart would.
    from django.db import connections

    other = connections.create_connection("default")
    with other.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s, 5000)", [backend_pid])
    other.close()

    status, body = wsgi_get("/healthz")
    assert status == 200, body
    assert connection.connection.info.backend_pid != backend_pid


def test_with_postgresql_unreachable_pages_answer_503_and_recover_without_restart(postgresql):
    real_port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = unused_port()  # nothing listens there: "stopped"
    try:
        status, body = wsgi_get("/healthz")
        assert (status, body) == (503, '{"status": "degraded"}')
        # A page that needs the session (hence the database) before any view runs.
        status, body = wsgi_get("/mon-compte/", cookie="sessionid=abcdefghijklmnopqrstuvwxyz012345")
        assert status == 503
        assert '<html lang="fr">' in body and "momentanément indisponible" in body
        assert "Traceback" not in body and "psycopg" not in body
    finally:
        connection.close()
        connection.settings_dict["PORT"] = real_port

    # PostgreSQL is back: the same process answers again.
    assert wsgi_get("/healthz") == (200, '{"status": "ok"}')
    assert wsgi_get("/mon-compte/", cookie="sessionid=abcdefghijklmnopqrstuvwxyz012345")[0] == 302
