"""Paying an invoice online: the confirmation page, PayFiP's notification, the way back.

The confirmation page is a subscriber page (the access rule, 404 for others); it also
shows how the last attempt ended. The notification and the return are PayFiP's doors:
no login, no CSRF token (PayFiP posts them), and all they can do is make the portal ask
the web service about an attempt it opened.
"""

from __future__ import annotations

import re

from allauth.core import ratelimit
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accounts.http import AuthenticatedRequest
from contracts.access import get_contract_for_user
from core.decorators import subscriber_page
from payments import services
from payments.forms import PayForm
from payments.models import PaymentAttempt

MAX_ID_OP = 64
ID_OP = re.compile(rf"[A-Za-z0-9_-]{{1,{MAX_ID_OP}}}")


@subscriber_page
@require_http_methods(["GET", "HEAD", "POST"])
def pay(request: AuthenticatedRequest, number: str, invoice_number: str) -> HttpResponse:
    contract = get_contract_for_user(request.user, number)
    invoice = get_object_or_404(contract.invoices.with_status(), number=invoice_number)
    if not services.is_enabled():
        raise Http404("Online payment is off")
    state = services.online_state(invoice, contract)
    if state.kind == "processing" and request.method == "GET" and state.attempt is not None:
        services.refresh(state.attempt)
        state = services.online_state(invoice, contract)
    form = PayForm(request.POST or None, initial={"email": request.user.email})
    if request.method == "POST":
        blocked = ratelimit.consume_or_429(request, action="online_payment", user=request.user)
        if blocked:
            return blocked
        if form.is_valid():
            started = services.start_payment(
                request.user, contract, invoice, form.cleaned_data["email"]
            )
            if started.redirect_url:
                return redirect(started.redirect_url)
            form.add_error(None, started.error)
            state = services.online_state(invoice, contract)
    context = {
        "contract": contract,
        "invoice": invoice,
        "state": state,
        "form": form,
    }
    return render(request, "payments/pay.html", context)


def _id_op(request: HttpRequest) -> str:
    """The operation id PayFiP sends back, or "" for anything that cannot be one (PayFiP's
    ids are letters, digits and dashes: a NUL byte would make PostgreSQL refuse the query)."""
    for source in (request.POST, request.GET):
        for name in ("idOp", "idop", "IdOp"):
            value = source.get(name, "").strip()
            if value:
                return value if ID_OP.fullmatch(value) else ""
    return ""


@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def notify(request: HttpRequest) -> HttpResponse:
    """PayFiP's notification: ask the web service about this idOp. Always 200: the answer
    says nothing to whoever calls, and PayFiP need not retry."""
    id_op = _id_op(request)
    attempt = PaymentAttempt.objects.filter(id_op=id_op).first() if id_op else None
    if attempt is not None:
        services.refresh(attempt)
    return HttpResponse("", content_type="text/plain")


@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def back(request: HttpRequest, token: str) -> HttpResponse:
    """The browser back from PayFiP (a cross-site POST may come without the session
    cookie): ask the web service, then show the invoice's payment page (logged in)."""
    attempt = get_object_or_404(PaymentAttempt.objects.exclude(invoice=None), token=token)
    services.refresh(attempt)
    return redirect(
        "payments:pay", number=attempt.contract_number, invoice_number=attempt.invoice_number
    )
