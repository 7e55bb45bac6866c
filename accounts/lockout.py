"""One message for every pause of the login: when it lifts, and whom to call.

Two mechanisms may stop a login: the per-account lock (accounts/throttle.py) and allauth's
rate limits (per IP address; per address only looser than the lock, see settings). Both
speak with ``paused_message``, which announces the minute the pause is over in Paris time,
rounded up so that a subscriber who comes back at that minute gets in.
"""

import datetime

from allauth.account import app_settings
from allauth.core.internal import ratelimit
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from core.identity import REGIE

# allauth's views and the rate-limit action each one consumes (its 429 names none).
ACTION_BY_URL_NAME = {
    "account_login": "login",
    "account_signup": "signup",
    "account_reset_password": "reset_password",
    "account_reset_password_from_key": "reset_password_from_key",
    "account_change_password": "change_password",
    "account_email": "manage_email",
}


def announced(until: datetime.datetime) -> datetime.datetime:
    """The first whole minute at or after ``until``, in the current (Paris) time zone."""
    local = timezone.localtime(until)
    whole = local.replace(second=0, microsecond=0)
    return whole if whole == local else whole + datetime.timedelta(minutes=1)


def when(until: datetime.datetime) -> str:
    """ "20:14", or "3 mars 20:14" when the pause ends another day."""
    local = announced(until)
    text = formats.time_format(local, "H:i")
    if timezone.localdate() != local.date():
        text = formats.date_format(local, "j F") + " " + text
    return text


def paused_message(until: datetime.datetime) -> str:
    """The same words for the lock and allauth's limits, known address or not."""
    return _(
        "Too many failed login attempts. To protect your account, logging in is paused "
        "until %(time)s (Paris time). If you have forgotten your password, choose "
        "“Forgotten password”. For help, call the Régie on %(phone)s."
    ) % {"time": when(until), "phone": REGIE.phone}


def allauth_lifts_at(
    request: HttpRequest, action: str, key: str | None = None
) -> datetime.datetime | None:
    """When allauth's limits for ``action`` let this client (or key) try again, if full.

    allauth keeps, per rate, the timestamps of recent hits, newest first; a rate of
    ``amount`` per ``duration`` frees a place when its amount-th newest hit is that old.
    """
    latest = None
    for rate in ratelimit.get_rates(app="allauth.account", action=action):
        if rate.per == "key" and key is None:
            continue
        if rate.per == "user" and not request.user.is_authenticated:
            continue
        cache_key = ratelimit.get_cache_key(
            request, app="allauth.account", action=action, rate=rate, key=key
        )
        history = cache.get(cache_key) or []
        if len(history) < rate.amount:
            continue
        lifts = history[rate.amount - 1] + rate.duration
        if latest is None or lifts > latest:
            latest = lifts
    if latest is None or latest <= timezone.now().timestamp():
        return None
    return datetime.datetime.fromtimestamp(latest, tz=datetime.UTC)


def lifts_at_for_429(request: HttpRequest) -> datetime.datetime | None:
    """For allauth's 429 page: when the limit of the page asked lifts (else any full one)."""
    match = getattr(request, "resolver_match", None)
    action = ACTION_BY_URL_NAME.get(match.url_name or "") if match else None
    actions = [action] if action else list(app_settings.RATE_LIMITS or {})
    times = [t for a in actions if (t := allauth_lifts_at(request, a))]
    return max(times, default=None)
