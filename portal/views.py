"""Site-wide pages: home, about, contact, legal notice, health check and error pages."""

import logging

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from portal.identity import REGIE

logger = logging.getLogger(__name__)


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html")


@require_safe
def about(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/about.html")


@require_safe
def contact(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/contact.html")


@require_safe
def legal(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/legal.html")


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


def baseline(request: HttpRequest) -> HttpResponse:
    """The benchmarks' yardstick: no template, no query (only with BENCHMARK_BASELINE)."""
    return HttpResponse("ok", content_type="text/plain")


def error_400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/400.html", status=400)


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/403.html", status=403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def error_500(request: HttpRequest) -> HttpResponse:
    # Rendered without the request or context processors: whatever broke (the database,
    # a session) must not break the error page too.
    body = loader.get_template("errors/500.html").render({"regie": REGIE, "bare": True})
    return HttpResponse(body, status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "errors/403_csrf.html", status=403)
