"""Fixtures shared by the whole suite."""

from pathlib import Path

import pytest
from django.conf import settings


def pytest_configure(config: pytest.Config) -> None:
    # The manifest of hashed static files only exists after collectstatic; tests use
    # the plain storage so that `{% static %}` works without it.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # WhiteNoise warns when STATIC_ROOT does not exist yet (a fresh checkout).
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)


@pytest.fixture(autouse=True)
def _isolated_cache():
    """Each test starts with an empty cache (rate-limit counters live there).

    The database cache is rolled back with each test's transaction; a Redis cache (CI's
    second pass) is shared and persistent, so it is flushed here.
    """
    from django.core.cache import cache

    from portal import pagecache

    if not settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache"):
        cache.clear()
    pagecache.clear()
    yield
