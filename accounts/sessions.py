"""Sessions that end after a while without activity, unless the subscriber asked to be
remembered on the login form.

The last activity is kept in the session itself (written at most once a minute, so pages
stay cheap); past ``SESSION_IDLE_TIMEOUT`` seconds the next request logs the session out
on the server, whatever the browser does. A small script warns two minutes before.
"""

from collections.abc import Callable

from allauth.account.adapter import get_adapter
from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

LAST_ACTIVITY = "portal_last_activity"
# How often the timestamp is rewritten (seconds): one session write a minute at most.
WRITE_EVERY = 60
# The warning shows this many seconds before the end.
WARNING_BEFORE = 120


def is_remembered(request: HttpRequest) -> bool:
    """A session the login form's "Se souvenir de moi" made last 30 days."""
    return not request.session.get_expire_at_browser_close()


def idle_seconds_left(request: HttpRequest) -> int | None:
    """Seconds before an idle logout, or None when the session is not subject to it."""
    if not request.user.is_authenticated or is_remembered(request):
        return None
    last = request.session.get(LAST_ACTIVITY)
    now = int(timezone.now().timestamp())
    if last is None:
        return settings.SESSION_IDLE_TIMEOUT
    return settings.SESSION_IDLE_TIMEOUT - (now - int(last))


def touch(request: HttpRequest, *, force: bool = False) -> None:
    now = int(timezone.now().timestamp())
    last = request.session.get(LAST_ACTIVITY)
    if force or last is None or now - int(last) >= WRITE_EVERY:
        request.session[LAST_ACTIVITY] = now


class IdleTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        left = idle_seconds_left(request)
        if left is not None:
            if left <= 0:
                logout(request)
                messages.info(
                    request,
                    _(
                        "For your security, you were logged out after %(minutes)d minutes "
                        "without activity. Please log in again."
                    )
                    % {"minutes": settings.SESSION_IDLE_TIMEOUT // 60},
                )
                return redirect_to_login(request.get_full_path())
            touch(request)
        return self.get_response(request)


def idle_warning(request: HttpRequest) -> dict[str, object]:
    """Template context: when the idle warning should show (base.html, idle.js)."""
    left = idle_seconds_left(request) if hasattr(request, "user") else None
    if left is None:
        return {}
    return {
        "idle_timeout": settings.SESSION_IDLE_TIMEOUT,
        "idle_warning_before": WARNING_BEFORE,
        # Where "Stay logged in" comes back to (a hole of kept pages: core.skeleton).
        "idle_next": request.get_full_path(),
    }


def count_login_as_recent_authentication(
    sender: object, request: HttpRequest, method: str, **kwargs: object
) -> None:
    """A password (or second-factor) login counts as "recently authenticated".

    allauth only counts an explicit re-authentication, so a subscriber who has just typed
    the password would be asked for it again before changing it. The rule here is the
    issue's: ask again when the last authentication is older than 10 minutes. Logins by
    an activation link are not counted.
    """
    if method not in {"password", "mfa"}:
        return
    records = list(request.session.get(AUTHENTICATION_METHODS_SESSION_KEY) or [])
    if records and records[-1].get("method") == method:
        records[-1] = {**records[-1], "reauthenticated": True}
        request.session[AUTHENTICATION_METHODS_SESSION_KEY] = records


SESSIONS_SEEN = "portal_sessions_seen"


# As allauth cuts it: to the length of the sessions list's column.
AGENT_LENGTH: int = getattr(UserSession._meta.get_field("user_agent"), "max_length", 0)


def record_activity(request: HttpRequest) -> None:
    """The sessions list's row of this session, seen now: one UPDATE when the device and
    address are those already recorded; otherwise allauth records it (a new row, or a new
    device or address, which sends allauth's ``session_client_changed``)."""
    agent = request.META.get("HTTP_USER_AGENT", "")[:AGENT_LENGTH]
    seen = UserSession.objects.filter(
        session_key=request.session.session_key,
        user_id=request.user.pk,
        ip=get_adapter().get_client_ip(request),
        user_agent=agent,
    ).update(last_seen_at=timezone.now())
    if not seen:
        UserSession.objects.create_from_request(request)


class SessionActivityMiddleware:
    """Keeps the sessions list's "last activity" and IP current, at most once a minute.

    allauth's own middleware (USERSESSIONS_TRACK_ACTIVITY) writes on every request; pages
    with history stay within their query budget this way.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and request.session.session_key:
            now = int(timezone.now().timestamp())
            seen = request.session.get(SESSIONS_SEEN)
            if seen is None or now - int(seen) >= WRITE_EVERY:
                record_activity(request)
                request.session[SESSIONS_SEEN] = now
        return self.get_response(request)


def start_the_clocks(sender: object, request: HttpRequest, user: object, **kwargs: object) -> None:
    """At login: the idle clock starts, and allauth has just recorded the session, so the
    next pages need not write anything for a minute."""
    if request is None or not hasattr(request, "session"):
        return
    now = int(timezone.now().timestamp())
    request.session[LAST_ACTIVITY] = now
    request.session[SESSIONS_SEEN] = now
