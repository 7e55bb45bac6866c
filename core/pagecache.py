"""Entrance pages rendered once per process, not once per visit.

The home/login page, the sign-up page and the password-reset page are the same HTML for
every anonymous visitor with no message waiting: only the CSRF token in their form differs.
Rendering them (templates, form widgets, translations, URL reversing) cost ~5 ms of CPU per
visit, ~5x a bare view behind the same middleware (bench/results/). ``entrance_page``
renders such a page once per process and language, keeps it with the token replaced by a
placeholder, and serves later visits by putting a fresh token in.

Nothing personal is ever kept: a page is kept only when the visitor is anonymous, the
request is a plain GET without a query string, no message waits in the session, the answer
is a 200 and the page used no CSP nonce. Anything else goes to the view as usual. The
kept HTML depends only on code, templates and translations, which change only with a
deploy (a new process).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.messages.storage.session import SessionStorage
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language

from core.csrf import get_token
from core.kept import ProcessStore

_TOKEN_RE = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
_PLACEHOLDER = b"\x00csrf-token\x00"

# (path, language, method) → (status, headers, parts): a few pages, bounded all the same.
_pages = ProcessStore("core.pagecache", max_items=100)


def clear() -> None:
    """Forget every kept page (tests; a deploy starts new processes anyway)."""
    _pages.clear()


def _cacheable_request(request: HttpRequest) -> bool:
    if request.method not in ("GET", "HEAD") or request.META.get("QUERY_STRING"):
        return False
    # A session may hold a message to show, or a logged-in user.
    return settings.SESSION_COOKIE_NAME not in request.COOKIES or not (
        request.user.is_authenticated or request.session.get(SessionStorage.session_key)
    )


def entrance_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve an anonymous entrance page from this process's copy (see the module doc)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not _cacheable_request(request):
            return view(request, *args, **kwargs)
        key = (request.path, get_language() or "", request.method or "")
        kept = _pages.get(key)
        if kept is not None:
            status, headers, parts = kept
            token = get_token(request).encode()
            response = HttpResponse(token.join(parts), status=status)
            for name, value in headers:
                response.headers[name] = value
            return response
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and callable(response.render):
            response = response.render()
        _keep(key, request, response)
        return response

    return wrapper


def _keep(key: tuple[str, str, str], request: HttpRequest, response: HttpResponse) -> None:
    if response.status_code != 200 or response.streaming or response.cookies:
        return
    nonce = getattr(request, "_csp_nonce", None)
    if nonce:  # evaluated: the page carries this request's nonce
        return
    content = response.content
    tokens = set(_TOKEN_RE.findall(content))
    if len(tokens) != 1:
        return
    (token,) = tokens
    parts = content.replace(token, _PLACEHOLDER).split(_PLACEHOLDER)
    headers = [(k, v) for k, v in response.headers.items() if k.lower() != "content-length"]
    _pages.set(key, (response.status_code, headers, parts))
