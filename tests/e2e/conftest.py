"""Browser tests: Playwright (sync API) drives Debian's Chromium against `live_server`.

Every test here is marked `e2e`. Without /usr/bin/chromium they are skipped on a
developer's machine, but fail when CI=true: CI must run them. Assertions live in
`tests/e2e/helpers.py` (`check_page`).
"""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
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
