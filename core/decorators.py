"""The one decorator of every subscriber page."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import add_never_cache_headers
from django.utils.http import http_date

# What Django's never_cache writes on a response that has no Cache-Control yet.
NEVER_CACHE = "max-age=0, no-cache, no-store, must-revalidate, private"
_expires: tuple[int, str] = (0, "")


def _expired() -> str:
    """Django's Expires of a never-cached response (now), formatted once a second."""
    global _expires
    now = int(time.time())
    if _expires[0] != now:
        _expires = (now, http_date(now))
    return _expires[1]


def never_cache[View: Callable[..., HttpResponseBase]](view: View) -> View:
    """Django's ``never_cache``, the same headers, without parsing and formatting them anew
    on every response (3 % of a contract page's CPU, issue #22): a response that sets its
    own Cache-Control (a private file) gets Django's merge."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        if "Cache-Control" in response or "Expires" in response:
            add_never_cache_headers(response)
        else:
            response["Expires"] = _expired()
            response["Cache-Control"] = NEVER_CACHE
        return response

    return wrapper  # type: ignore[return-value]


def subscriber_page[View: Callable[..., HttpResponseBase]](view: View) -> View:
    """Logged in only (else to the login page); never stored by a browser or a proxy cache."""
    return login_required(never_cache(view))
