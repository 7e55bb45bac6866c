"""Site-wide pages: home, about, contact, legal notice, health check and error pages."""

import datetime
import logging
import math
import sys

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from accounts import lockout
from accounts.forms import LoginForm
from contracts.access import visible_contracts
from core.identity import REGIE
from core.pagecache import entrance_page

logger = logging.getLogger(__name__)

# When the accessibility declaration was last drawn up (update it with the declaration).
ACCESSIBILITY_DECLARATION_DATE = datetime.date(2026, 11, 26)
# The site map lists each contract's pages; a payer with more sees "My contracts".
SITE_MAP_CONTRACTS = 20


@entrance_page
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The home page is the login page (tutorial): its form posts to allauth's login view."""
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    next_url = request.GET.get(REDIRECT_FIELD_NAME, "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    context = {
        "form": LoginForm(request=request),
        "redirect_field_name": REDIRECT_FIELD_NAME,
        "redirect_field_value": next_url,
    }
    return render(request, "account/login.html", context)


@require_safe
def about(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/about.html")


@require_safe
def legal(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/legal.html")


@require_safe
def accessibility(request: HttpRequest) -> HttpResponse:
    """The accessibility declaration (RGAA 4.1.2 model), its status from the settings."""
    return render(
        request, "portal/accessibility.html", {"declaration_date": ACCESSIBILITY_DECLARATION_DATE}
    )


@require_safe
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/privacy.html")


@require_safe
def site_map(request: HttpRequest) -> HttpResponse:
    """Every page; a subscriber also sees the pages of the contracts they may see."""
    contracts = []
    if request.user.is_authenticated:
        contracts = list(
            visible_contracts(request.user).order_by("number").only("number")[:SITE_MAP_CONTRACTS]
        )
    return render(request, "portal/site_map.html", {"contracts": contracts})


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """200 only when the database answers; says nothing else about the system."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.warning("healthz: database unavailable")
        return JsonResponse({"status": "degraded"}, status=503)
    return JsonResponse({"status": "ok"})


# Search engines may index the public pages, not the subscriber area, account pages or
# the admin (robots.txt is advice, not protection: every such page needs a login anyway).
ROBOTS_DISALLOWED = ("/espace/", "/contrats/", "/mon-compte/", "/comptes/", "/demandes/")


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = ["User-agent: *"]
    lines += [f"Disallow: {prefix}" for prefix in (*ROBOTS_DISALLOWED, f"/{settings.ADMIN_PATH}")]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


# RFC 9116 asks for an expiry under a year away; computed so the file never goes stale.
SECURITY_TXT_VALIDITY = datetime.timedelta(days=180)


@require_safe
def security_txt(request: HttpRequest) -> HttpResponse:
    """Where to report a vulnerability (RFC 9116)."""
    expires = (datetime.datetime.now(datetime.UTC) + SECURITY_TXT_VALIDITY).replace(microsecond=0)
    lines = [
        f"Contact: mailto:{REGIE.email}",
        f"Expires: {expires.isoformat().replace('+00:00', 'Z')}",
        "Preferred-Languages: fr, en",
        f"Canonical: {settings.SITE_URL.rstrip('/')}/.well-known/security.txt",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


def error_400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/400.html", status=400)


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/403.html", status=403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def error_500(request: HttpRequest) -> HttpResponse:
    # Rendered without the request or context processors: whatever broke (the database,
    # a session) must not break the error page too.
    if isinstance(sys.exception(), (OperationalError, InterfaceError)):
        # The database is unreachable (stopped, restarting, connection cut), wherever it
        # was first needed: a view, the session or the user in a middleware.
        return database_unavailable()
    body = loader.get_template("errors/500.html").render({"regie": REGIE, "bare": True})
    return HttpResponse(body, status=500)


# Seconds a client is asked to wait when the database does not answer.
DATABASE_RETRY_AFTER = 30


def database_unavailable() -> HttpResponse:
    """503 in French, rendered without touching the database."""
    body = loader.get_template("errors/503.html").render({"regie": REGIE, "bare": True})
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(DATABASE_RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response


def error_429(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Too many attempts (allauth's rate limits): say in French when to try again.

    The real minute the limit lifts when it can be read (on the login page, in the very
    words of the per-account lock); else the longest window, which is never too early.
    """
    lifts = lockout.lifts_at_for_429(request)
    if lifts is None:
        minutes = max(1, math.ceil(longest_rate_limit_window() / 60))
        context: dict[str, object] = {"retry_minutes": minutes}
        retry_after = minutes * 60
    else:
        is_login = getattr(request.resolver_match, "url_name", None) == "account_login"
        context = {
            "until": lockout.announced(lifts),
            "login_message": lockout.paused_message(lifts) if is_login else "",
        }
        retry_after = max(
            1, math.ceil(lockout.announced(lifts).timestamp() - timezone.now().timestamp())
        )
    response = render(request, "errors/429.html", context, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def longest_rate_limit_window() -> float:
    from allauth.account import app_settings
    from allauth.core.internal.ratelimit import parse_rates

    windows = [
        rate.duration
        for rates in app_settings.RATE_LIMITS.values()
        if rates
        for rate in parse_rates(rates)
    ]
    return max(windows, default=60)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "errors/403_csrf.html", status=403)
