"""The self-services' pages: attestation d'abonnement (and its public check), leak relief
request, paper-free invoices (and the opt-out link of their emails).

Subscriber pages fetch their contract through ``contracts.access`` (404 for an account
that cannot see it); the public check and the opt-out link need no login.
"""

from __future__ import annotations

from allauth.core import ratelimit
from allauth.core.internal import ratelimit as allauth_ratelimit
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from accounts.http import AuthenticatedRequest
from contracts.access import get_contract_for_user
from core.decorators import subscriber_page
from core.identity import REGIE
from inquiries import services as inquiries
from inquiries.views import SESSION_KEY as FILED_SESSION_KEY
from selfservice import attestations, einvoice, leak_requests, leaks
from selfservice.forms import LeakRequestForm, PaperlessForm
from selfservice.models import Attestation, normalize_code

# --- Attestation d'abonnement -----------------------------------------------------------------


@subscriber_page
@require_http_methods(["GET", "HEAD", "POST"])
def attestation(request: AuthenticatedRequest, number: str) -> HttpResponse:
    """The page of the attestation; its button issues a new one and downloads it."""
    contract = get_contract_for_user(request.user, number)
    allowed = attestations.can_issue(contract)
    if request.method == "POST" and allowed:
        blocked = ratelimit.consume_or_429(request, action="attestation", user=request.user)
        if blocked:
            return blocked
        issued = attestations.issue(request.user, contract)
        return redirect("selfservice:attestation_pdf", number=contract.number, code=issued.code)
    issued_list = Attestation.objects.filter(contract=contract, user=request.user).order_by(
        "-issued_at"
    )[:10]
    context = {"contract": contract, "allowed": allowed, "issued_list": issued_list}
    return render(request, "selfservice/attestation.html", context, status=200)


@subscriber_page
@require_safe
def attestation_pdf(request: AuthenticatedRequest, number: str, code: str) -> HttpResponse:
    contract = get_contract_for_user(request.user, number)
    issued = get_object_or_404(
        Attestation,
        contract=contract,
        user=request.user,
        code=normalize_code(code) or "",
        revoked_at__isnull=True,
    )
    response = HttpResponse(attestations.pdf(issued), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{attestations.filename(issued)}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _public(response: HttpResponse) -> HttpResponse:
    # Never in a search engine: a landlord or a bank opens it from the paper.
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@never_cache
@require_safe
def verify_form(request: HttpRequest) -> HttpResponse:
    """Type the code printed on an attestation (``?code=`` leads to its page)."""
    typed = request.GET.get("code", "")
    error = ""
    if typed:
        code = normalize_code(typed)
        if code:
            return redirect("selfservice:verify", code=code)
        error = _(
            "This is not a verification code: it has 16 letters and digits, in four groups "
            "of four, for example ACDE-FGHJ-KMNP-QRTU."
        )
    context = {"typed": typed[:64], "error": error}
    return _public(render(request, "selfservice/verify_form.html", context))


@never_cache
@require_safe
def verify(request: HttpRequest, code: str) -> HttpResponse:
    """What an attestation says, for whoever holds the paper: nothing more than printed.

    Unknown and malformed codes get the same answer; every look-up counts towards a limit
    per IP address in the shared cache, so codes cannot be tried in bulk.
    """
    # A GET: allauth's public helper limits only POSTs, its internal one is told to.
    blocked = allauth_ratelimit.consume_or_429(
        request, app="allauth.account", action="attestation_verify", limit_get=True
    )
    if blocked:
        return _public(blocked)
    normalized = normalize_code(code)
    found = Attestation.objects.filter(code=normalized).first() if normalized else None
    context = {"attestation": found, "code": code[:64], "regie": REGIE}
    status = 200 if found else 404
    return _public(render(request, "selfservice/verify.html", context, status=status))


# --- Écrêtement pour fuite ------------------------------------------------------------------


def _too_many(request: AuthenticatedRequest) -> bool:
    """The requests' own limits: per account and IP (shared cache), then per day."""
    return not ratelimit.consume(request, action="inquiry") or inquiries.over_daily_limit(
        user=request.user
    )


@subscriber_page
@require_http_methods(["GET", "HEAD", "POST"])
def leak(request: AuthenticatedRequest, number: str, invoice_number: str) -> HttpResponse:
    contract = get_contract_for_user(request.user, number)
    invoice = get_object_or_404(contract.invoices, number=invoice_number)
    today = timezone.localdate()
    assessment = leaks.assess_one(invoice)
    in_time = leaks.within_deadline(invoice, today)
    existing = leak_requests.open_request(invoice)
    can_file = assessment.may_request and in_time and existing is None
    form = LeakRequestForm(
        request.POST or None, request.FILES or None, issue_date=invoice.issue_date
    )
    status = 200
    if request.method == "POST" and can_file:
        if form.is_valid():
            if _too_many(request):
                form.add_error(
                    None,
                    _(
                        "You have sent many requests in a short time. For the Régie's "
                        "security, please wait a few minutes and try again, or call us."
                    ),
                )
                status = 429
            else:
                data = form.cleaned_data
                details = leak_requests.LeakDetails(
                    data["leak_location"], data["repair_date"], data["message"]
                )
                assert form.checked is not None  # the field is required
                try:
                    filed = leak_requests.file_leak_request(
                        request.user, contract, invoice, assessment, details, form.checked
                    )
                except leak_requests.AlreadyFiled as already:
                    existing = already.existing
                    can_file = False
                else:
                    request.session[FILED_SESSION_KEY] = filed.reference
                    return redirect("inquiries:confirmation")
        form.after_errors(request)
    elif request.method == "POST":
        status = 403
    context = {
        "contract": contract,
        "invoice": invoice,
        "assessment": assessment,
        "deadline": leaks.deadline(invoice),
        "in_time": in_time,
        "existing": existing,
        "own_existing": existing is not None and existing.inquiry.user_id == request.user.pk,
        "can_file": can_file,
        "form": form,
        "regie": REGIE,
    }
    return render(request, "selfservice/leak.html", context, status=status)


# --- Facture électronique ---------------------------------------------------------------------


@subscriber_page
@require_http_methods(["GET", "HEAD", "POST"])
def einvoice_choice(request: AuthenticatedRequest, number: str) -> HttpResponse:
    contract = get_contract_for_user(request.user, number)
    choice = einvoice.choice_of(request.user, contract)
    initial = {"paperless": "1" if (choice.paperless if choice else contract.paperless) else "0"}
    form = PaperlessForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        chosen = einvoice.choose(request.user, contract, form.cleaned_data["paperless"])
        if chosen.paperless:
            messages.success(request, _("Your choice is saved: invoices by email only."))
        else:
            messages.success(request, _("Your choice is saved: paper invoices by post."))
        return redirect("selfservice:einvoice", number=contract.number)
    context = {
        "contract": contract,
        "choice": choice,
        "form": form,
        "applied": choice is not None and choice.paperless == contract.paperless,
    }
    return render(request, "selfservice/einvoice.html", context)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def opt_out(request: HttpRequest, token: str) -> HttpResponse:
    """The link of the invoice emails: a page with a button (a GET changes nothing, mail
    scanners open links), then paper invoices again for that account and contract."""
    found = einvoice.read_opt_out(token)
    if found is None:
        context = {"invalid": True, "login_url": reverse("account_login")}
        return _public(render(request, "selfservice/opt_out.html", context, status=404))
    done = False
    if request.method == "POST":
        einvoice.choose(found.user, found.contract, False)
        done = True
    context = {"contract": found.contract, "done": done, "invalid": False}
    return _public(render(request, "selfservice/opt_out.html", context))
