"""Fixtures shared by the whole suite."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

# Property-based tests (tests/security/test_fuzzed_forms.py): 200 examples per form in CI,
# 5,000 locally with `pytest --hypothesis-profile dev` (or HYPOTHESIS_PROFILE=dev).
# Requests through the test client are slow by Hypothesis' standards and use fixtures.
hypothesis_settings.register_profile(
    "ci",
    max_examples=200,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
hypothesis_settings.register_profile(
    "dev", parent=hypothesis_settings.get_profile("ci"), max_examples=5000
)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


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

    from core import pagecache
    from core.templatetags import frame

    if not settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache"):
        cache.clear()
    pagecache.clear()
    frame.clear()
    yield
