"""Fixtures shared by the whole suite."""

import pytest
from django.conf import settings


def pytest_configure(config: pytest.Config) -> None:
    # The manifest of hashed static files only exists after collectstatic; tests use
    # the plain storage so that `{% static %}` works without it.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
