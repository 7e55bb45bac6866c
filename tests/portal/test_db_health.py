"""The connection health check without a round trip (core/db/postgresql/base.py): a live
connection is trusted without SELECT 1, one that PostgreSQL ended is replaced."""

import pytest
from django.db import connection, connections
from django.db.backends.postgresql import base as django_postgresql

from tests.portal.test_database_outage import wsgi_get


@pytest.fixture
def postgresql(transactional_db, settings):
    if connection.vendor != "postgresql":
        pytest.skip("needs the real PostgreSQL (CI runs the suite on it)")
    assert settings.DATABASES["default"]["ENGINE"] == "core.db.postgresql"
    settings.DEBUG = False
    connection.settings_dict["CONN_MAX_AGE"] = 60
    connection.close()
    yield
    connection.close()


@pytest.fixture
def round_trips(monkeypatch):
    """Calls of Django's own check (SELECT 1)."""
    calls = []
    original = django_postgresql.DatabaseWrapper.is_usable

    def counted(self):
        calls.append(True)
        return original(self)

    monkeypatch.setattr(django_postgresql.DatabaseWrapper, "is_usable", counted)
    return calls


def test_a_live_connection_is_reused_without_asking_postgresql(postgresql, round_trips):
    assert wsgi_get("/healthz")[0] == 200
    backend_pid = connection.connection.info.backend_pid
    for _ in range(3):
        assert wsgi_get("/healthz")[0] == 200
    assert connection.connection.info.backend_pid == backend_pid
    assert round_trips == []


def test_an_ended_connection_is_asked_then_replaced(postgresql, round_trips):
    assert wsgi_get("/healthz")[0] == 200
    backend_pid = connection.connection.info.backend_pid
    other = connections.create_connection("default")
    with other.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s, 5000)", [backend_pid])
    other.close()
    assert wsgi_get("/healthz") == (200, '{"status": "ok"}')
    assert round_trips == [True]
    assert connection.connection.info.backend_pid != backend_pid


def test_a_closed_connection_is_not_usable(postgresql):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    assert connection.is_usable()
    connection.connection.close()
    assert not connection.is_usable()
