"""The client's IP address, trusting ``X-Forwarded-For`` only through our own proxies."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(raw: str) -> str | None:
    try:
        return str(ipaddress.ip_address(raw.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """REMOTE_ADDR, or with ``TRUSTED_PROXY_COUNT = n > 0`` the n-th ``X-Forwarded-For``
    entry from the right: each of our proxies appends the address it received from, so
    entries further left were written by the client and prove nothing.
    """
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if count > 0:
        entries = [e for e in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if e.strip()]
        if len(entries) >= count:
            return _valid(entries[-count])
    return _valid(request.META.get("REMOTE_ADDR", ""))
