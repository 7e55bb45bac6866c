"""The form token of a page served from its kept frame (``core.skeleton``).

Django's ``get_token`` masks the cookie's secret with 32 characters drawn one at a time
from the system's random source: 32 ``getrandom`` calls, about 4 % of a contract page's
CPU once everything else was kept (issue #22). Here the mask is drawn from one read of
the same source, by rejection (bytes of 248 and over are dropped, so that each of the 62
characters is equally likely), and the cipher is worked out with byte tables and one
addition rather than a Python step per character (3 µs instead of about 15). The token
is the one Django makes: same length, same characters, same cipher, checked by Django's
own middleware. The secret and the cookie are Django's.

One difference: a browser that sent the cookie is not sent it again. Django re-sends it
with every page that shows a form, only to push back its expiry (a year); that is a
``Set-Cookie`` header, its date and a ``Vary`` on every contract page (about 2 % of one).
Here the cookie lasts a year from the page that first set it; then the next page sets a
new one, as for a first visit (Django itself keeps an old masked cookie without
re-sending it, "only in cases where the secret is already getting saved anyways").
"""

from __future__ import annotations

import secrets

from django.http import HttpRequest
from django.middleware import csrf

CHARS = csrf.CSRF_ALLOWED_CHARS
_SIZE = len(CHARS)
# The largest multiple of len(CHARS) that fits in a byte: bytes below it map evenly.
_LIMIT = 256 - 256 % _SIZE
# Byte tables for bytes.translate: the cipher is worked out on character indexes, 32 at
# once, without a Python step per character.
_RANDOM_TO_INDEX = bytes(b % _SIZE for b in range(256))
_REJECTED = bytes(range(_LIMIT, 256))
_CHAR_TO_INDEX = bytes.maketrans(CHARS.encode(), bytes(range(_SIZE)))
_INDEX_TO_CHAR = bytes(CHARS[i % _SIZE].encode()[0] for i in range(256))


def _mask() -> bytes:
    """32 character indexes (0 to 61), each equally likely."""
    drawn = b""
    while len(drawn) < csrf.CSRF_SECRET_LENGTH:
        drawn += secrets.token_bytes(48).translate(_RANDOM_TO_INDEX, _REJECTED)
    return drawn[: csrf.CSRF_SECRET_LENGTH]


def get_token(request: HttpRequest) -> str:
    """``django.middleware.csrf.get_token``, with the mask drawn in one read, and the
    cookie sent only to a browser that has none (see the module doc)."""
    if "CSRF_COOKIE" in request.META:
        secret = request.META["CSRF_COOKIE"]
    else:
        secret = csrf._add_new_csrf_cookie(request)  # type: ignore[attr-defined]  # Django's
    mask = _mask()
    # Django's cipher: each character's index plus the mask's, modulo 62. Indexes are
    # under 62, so added as one big number their bytes never carry into each other.
    length = csrf.CSRF_SECRET_LENGTH  # Django's secrets (checked by its middleware)
    indexes = secret.encode().translate(_CHAR_TO_INDEX)
    total = int.from_bytes(indexes) + int.from_bytes(mask)
    cipher = total.to_bytes(length).translate(_INDEX_TO_CHAR)
    return (mask.translate(_INDEX_TO_CHAR) + cipher).decode()
