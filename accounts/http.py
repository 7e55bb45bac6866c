"""The request of a page behind ``core.decorators.subscriber_page``.

``subscriber_page`` sends anonymous visitors to the login page, so its views only ever see
a logged-in ``User``. The type checker cannot follow a decorator's redirect: annotate
such a view's ``request`` with ``AuthenticatedRequest`` and ``request.user`` is a
``User`` (never ``AnonymousUser``). At run time it is the plain ``HttpRequest``.
"""

from __future__ import annotations

from django.http import HttpRequest

from accounts.models import User


class AuthenticatedRequest(HttpRequest):
    user: User
