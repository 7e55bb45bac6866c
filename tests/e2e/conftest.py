"""Browser tests: Playwright (sync API) drives Debian's Chromium against `live_server`.

Every test here is marked `e2e`. Without /usr/bin/chromium they are skipped on a
developer's machine, but fail when CI=true: CI must run them. Assertions live in
`tests/e2e/helpers.py` (`check_page`).
"""

import os
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command
from playwright.sync_api import Page

from tests.e2e.helpers import WIDTHS, watch_page

# Playwright's sync API runs an event loop in the test thread; without this the ORM
# refuses to run there (SynchronousOnlyOperation).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

HERE = Path(__file__).resolve().parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # tests may run as root in a container
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Chromium looks up Google hosts at every start otherwise; any other host fails fast.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing (apt-get install chromium)"
        if os.environ.get("CI", "").lower() in {"true", "1", "yes"}:
            pytest.fail(f"{message}: CI must run the browser tests.", pytrace=False)
        pytest.skip(message)
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_context_args,
        "locale": "fr-FR",
        "timezone_id": "Europe/Paris",
        "viewport": {"width": WIDTHS[0], "height": 800},
    }


@pytest.fixture
def page(page: Page, live_server: Any) -> Iterator[Page]:
    """pytest-playwright's page, watched from its first request, against the live server."""
    watch_page(page, live_server.url)
    yield page


@pytest.fixture(autouse=True)
def _fast_and_private(settings: Any, tmp_path: Path) -> None:
    """Quick password hashing and private files in a temporary folder.

    Argon2 costs ~0.3 s per hash here; the journeys hash a dozen passwords and keys.
    The live server runs in this process, so it sees these settings.
    """
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private", "base_url": None},
        },
    }


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    # Rate-limit counters: a flush between browser tests does not empty the cache table.
    cache.clear()


@pytest.fixture
def demo(transactional_db: None) -> None:
    """The demo data `make run` shows: three payers, five contracts, invoices with PDFs,
    and the unlinked demo account (DEMO_EMAIL / DEMO_PASSWORD)."""
    call_command("seed_demo", stdout=StringIO())
