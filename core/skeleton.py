"""A page's template rendered once per process, with holes for what belongs to the visit.

A logged-in page is mostly the same HTML for everyone: the header, the menu, the footer,
the scripts, the page's headings. What differs is small and known: the figures of the
contract (kept already), the visitor's contract selector, the page title, the form
tokens, the address the idle warning sends back to. Rendering the whole template on
every request cost a contract page as much CPU as everything else it does (issue #22).

``render_kept`` renders the template once per process and ``vary`` key, with each hole's
variable set to a marker, keeps the HTML split at the markers, and serves later requests
by joining the parts with this request's values. The caller names every variable that
differs between visits as a hole (escaped here unless already safe) and puts in ``vary``
whatever else the template depends on.

Kept only when nothing else of the visit can be in the HTML: no message waiting (those
pages are rendered as usual), no CSP nonce used, and no trace of the visitor (the path,
the email address) outside the holes. With ``DEBUG`` on, templates change while
developing: every page is rendered as usual.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable, Mapping
from typing import Any

from django.conf import settings
from django.contrib.messages import get_messages
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from core.csrf import get_token
from core.kept import ProcessStore

logger = logging.getLogger(__name__)

_CSRF = "csrf_token"
_MARK = "\x00hole:"
_skeletons = ProcessStore("core.skeleton", max_items=500)


def _marker(name: str) -> str:
    return f"{_MARK}{name}\x00"


def render_kept(
    request: HttpRequest,
    template_name: str,
    context: Mapping[str, Any],
    *,
    holes: Mapping[str, Any],
    vary: tuple[Hashable, ...],
) -> HttpResponse:
    """``render(request, template_name, {**context, **holes})``, the template rendered
    once per process and ``vary`` (see the module doc)."""
    if settings.DEBUG or len(get_messages(request)):
        return HttpResponse(render_to_string(template_name, {**context, **holes}, request))
    key = (template_name, get_language(), *vary)
    kept: list[bytes | str] | None = _skeletons.get(key)
    if kept is None:
        markers = {name: mark_safe(_marker(name)) for name in (*holes, _CSRF)}
        html = render_to_string(template_name, {**context, **markers}, request)
        parts = _split(html, set(markers))
        # Kept encoded: a page is served by joining bytes, the static ones encoded once.
        kept = [p[len(_MARK) :] if _is_hole(p) else p.encode() for p in parts]
        if _keepable(request, parts, holes):
            _skeletons.set(key, kept)
    values = {name: _escaped(value) for name, value in holes.items()}
    values[_CSRF] = get_token(request).encode()  # letters and digits only
    return HttpResponse(b"".join(values[p] if isinstance(p, str) else p for p in kept))


class EncodedHTML:
    """Safe HTML kept as its UTF-8 bytes only, which ``render_kept`` puts in as they are: a
    contract page's figures (3 to 15 kB, kept per process by ``contracts.fragments``).

    Kept as text as well, each page took twice the memory, and a process no longer held
    the figures of 500 subscribers' pages (46 MB for 32 allowed): one page in fourteen
    read its figures from Redis again (issue #22). In a template (``DEBUG``, a page with
    a message) it shows as the safe HTML it is."""

    __slots__ = ("utf8",)

    def __init__(self, html: str) -> None:
        self.utf8 = html.encode()

    def __html__(self) -> SafeString:
        return mark_safe(self.utf8.decode())  # kept only from safe HTML

    __str__ = __html__


def _escaped(value: Any) -> bytes:
    """``conditional_escape(value)``, encoded (``SafeString`` is a ``str``: checked first)."""
    if type(value) is EncodedHTML:
        return value.utf8
    if isinstance(value, SafeString):
        return value.encode()
    return str(conditional_escape(value)).encode()


def _split(html: str, names: set[str]) -> list[str]:
    """The HTML as a list of static parts and hole markers (``_MARK`` + name)."""
    parts: list[str] = []
    for i, chunk in enumerate(html.split(_MARK)):
        if i == 0:
            parts.append(chunk)
            continue
        name, end, rest = chunk.partition("\x00")
        if not end or name not in names:
            raise ValueError(f"unexpected marker in a kept page: {name!r}")
        parts += [_MARK + name, rest]
    return parts


def _is_hole(part: str) -> bool:
    return part.startswith(_MARK)


def _keepable(request: HttpRequest, parts: list[str], holes: Mapping[str, Any]) -> bool:
    if getattr(request, "_csp_nonce", None):  # evaluated: this request's nonce is in it
        return False
    static = "".join(p for p in parts if not _is_hole(p))
    user = getattr(request, "user", None)
    traces = [request.path, getattr(user, "email", "") or ""]
    if any(trace and trace in static for trace in traces):
        logger.warning("A page holds the visitor's data outside its holes: not kept.")
        return False
    return True


def clear() -> None:
    _skeletons.clear()
