"""The one decorator of every subscriber page."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBase
from django.views.decorators.cache import never_cache


def subscriber_page[View: Callable[..., HttpResponseBase]](view: View) -> View:
    """Logged in only (else to the login page); never stored by a browser or a proxy cache."""
    return login_required(never_cache(view))
