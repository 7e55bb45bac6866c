"""What a request carries, without reference cycles back to it.

Django's middleware hang on the request objects that hold the request itself:
``request.user`` (a lazy object calling ``get_user(request)``), ``request.auser`` (a
partial of ``request``) and the messages' storage (``storage.request``). Each is a
reference cycle, so no request was freed when its response was sent: every page's request,
with its environ, session, account and everything else it reached, waited for Python's
cycle collector. Served under load (issue #22), the workers ran a collection every ~25
requests, the collector used about 4 % of the CPU, and requests caught alive by a
collection went to the older generations, which then grew until a full collection walked
them all (33 ms each, about once every 4,000 requests, after ``gc.freeze`` in
gunicorn.conf.py; 120 ms before).

Here the same objects reach the request through a weak reference: nothing else changes,
and a request is freed by its reference count the moment the server drops it.
"""

from __future__ import annotations

import inspect
import weakref
from collections.abc import Callable
from typing import Any

from django.contrib.messages.storage import session
from django.http import HttpRequest


def later[T](function: Callable[[HttpRequest], T], request: HttpRequest) -> Callable[[], T]:
    """``function(request)`` to be called later (``partial(function, request)``), holding
    the request weakly."""
    held = weakref.ref(request)

    def call() -> T:
        return function(_alive(held))

    if inspect.iscoroutinefunction(function):  # request.auser: awaited, as Django's is
        inspect.markcoroutinefunction(call)
    return call


def _alive(held: weakref.ref[HttpRequest]) -> HttpRequest:
    request = held()
    if request is None:  # only if kept past its request, which Django never does
        raise RuntimeError("The request this was made for has ended.")
    return request


class SessionStorage(session.SessionStorage):
    """Django's session storage of messages (``MESSAGE_STORAGE``), holding its request
    weakly. ``get_messages(request)`` still works after the response, as long as the
    request does (the test client's ``response.wsgi_request``)."""

    @property
    def request(self) -> HttpRequest:
        return _alive(self._request)

    @request.setter
    def request(self, request: HttpRequest) -> None:
        self._request: Any = weakref.ref(request)
