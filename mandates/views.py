"""Pages of the direct debit mandate and of the move out, for one contract of the account.

The contract comes through ``contracts.access`` (404 for a contract the account cannot
see), the mandate through ``Mandate.objects.for_user`` on that contract (404 otherwise).
Signing a mandate and opening the signed PDF (full IBAN) ask for the password again when
the last authentication is older than ACCOUNT_REAUTHENTICATION_TIMEOUT (allauth), asked
only once the contract is known to be the account's, so outsiders still get 404.
"""

from __future__ import annotations

from allauth.account.internal.flows.reauthentication import (
    raise_if_reauthentication_required,
)
from allauth.core import ratelimit
from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_safe

from accounts.http import AuthenticatedRequest
from contracts.access import get_contract_for_user
from contracts.models import Contract
from core.clientip import client_ip
from core.decorators import subscriber_page
from core.files import private_file
from inquiries.models import InquiryKind
from inquiries.services import over_daily_limit
from mandates import services
from mandates.forms import MandateForm, MoveOutForm
from mandates.models import Mandate, MandateQuerySet, MoveOut
from mandates.pdf import legal_wording

TOO_MANY = _(
    "You have sent many requests in a short time. For the Régie's security, please wait "
    "a few minutes and try again, or call us."
)


def _too_many(request: HttpRequest, form: forms.Form) -> bool:
    """The requests' limits: per account and IP (shared cache), then per day (database)."""
    if ratelimit.consume(request, action="inquiry") and not over_daily_limit(user=request.user):
        return False
    form.add_error(None, str(TOO_MANY))
    return True


def _mandates(request: AuthenticatedRequest, contract: Contract) -> MandateQuerySet:
    return (
        Mandate.objects.for_user(request.user)
        .filter(contract=contract)
        .select_related("inquiry")
        .prefetch_related("stops__inquiry")
    )


def _mandate(request: AuthenticatedRequest, contract: Contract, rum: str) -> Mandate:
    return get_object_or_404(_mandates(request, contract), rum=rum)


@subscriber_page
@require_safe
def home(request: AuthenticatedRequest, number: str) -> HttpResponse:
    """The contract's mandates (masked IBAN) and the way to sign one."""
    contract = get_contract_for_user(request.user, number)
    mandates = list(_mandates(request, contract).order_by("-signed_at")[:20])
    pending = next((m for m in mandates if m.state == "pending"), None)
    context = {"contract": contract, "mandates": mandates, "pending": pending}
    return render(request, "mandates/home.html", context)


@sensitive_post_parameters("iban", "bic")
@subscriber_page
@require_http_methods(["GET", "HEAD", "POST"])
def sign(request: AuthenticatedRequest, number: str) -> HttpResponse:
    contract = get_contract_for_user(request.user, number)
    raise_if_reauthentication_required(request, app="allauth.account")
    pending = _mandates(request, contract).filter(state="pending").first()
    if pending is not None:
        messages.info(
            request,
            _("Your mandate %(rum)s is being handled by the Régie: wait for its answer.")
            % {"rum": pending.rum},
        )
        return redirect("mandates:detail", number=contract.number, rum=pending.rum)
    form = MandateForm(request.POST or None, initial={"holder_name": contract.payer.name})
    status = 200
    if request.method == "POST":
        if form.is_valid() and not _too_many(request, form):
            data = form.cleaned_data
            details = services.MandateDetails(
                holder_name=data["holder_name"],
                holder_address=data["holder_address"],
                iban=data["iban"],
                bic=data["bic"],
                plan=data["plan"],
                debit_day=data["debit_day"],
            )
            mandate = services.sign_mandate(
                contract, details, user=request.user, ip=client_ip(request)
            )
            messages.success(
                request,
                _(
                    "Your mandate is signed. The Régie has received your request "
                    "%(reference)s and will tell you by email when the direct debit starts."
                )
                % {"reference": mandate.inquiry.reference},
            )
            return redirect("mandates:detail", number=contract.number, rum=mandate.rum)
        status = 429 if form.non_field_errors() else 200
    context = {"contract": contract, "form": form, "legal": legal_wording()}
    return render(request, "mandates/sign.html", context, status=status)


@subscriber_page
@require_safe
def detail(request: AuthenticatedRequest, number: str, rum: str) -> HttpResponse:
    contract = get_contract_for_user(request.user, number)
    mandate = _mandate(request, contract, rum)
    context = {
        "contract": contract,
        "mandate": mandate,
        "is_signer": mandate.user_id == request.user.pk,
        "legal": legal_wording(),
    }
    return render(request, "mandates/detail.html", context)


@subscriber_page
@require_safe
def signed_pdf(request: AuthenticatedRequest, number: str, rum: str) -> HttpResponseBase:
    """The signed mandate (full IBAN), to its signer only, password asked again."""
    contract = get_contract_for_user(request.user, number)
    mandate = _mandate(request, contract, rum)
    if mandate.user_id != request.user.pk:
        raise Http404("Not the signer")
    raise_if_reauthentication_required(request, app="allauth.account")
    return private_file(mandate.pdf, mandate.filename)


@subscriber_page
@require_http_methods(["GET", "HEAD", "POST"])
def stop(request: AuthenticatedRequest, number: str, rum: str) -> HttpResponse:
    """ "Arrêter le prélèvement": a confirmation page, then the request AP-…."""
    contract = get_contract_for_user(request.user, number)
    mandate = _mandate(request, contract, rum)
    if not mandate.is_current or mandate.open_stop is not None:
        messages.info(request, _("This mandate is already stopped or being stopped."))
        return redirect("mandates:detail", number=contract.number, rum=mandate.rum)
    form = forms.Form(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid() and not _too_many(request, form):
        stop_request = services.request_stop(mandate, user=request.user)
        messages.success(
            request,
            _(
                "Your request to stop the direct debit is sent (reference %(reference)s). "
                "Until the Régie confirms it, your invoices are still debited."
            )
            % {"reference": stop_request.inquiry.reference},
        )
        return redirect("mandates:detail", number=contract.number, rum=mandate.rum)
    context = {"contract": contract, "mandate": mandate, "form": form}
    return render(request, "mandates/stop.html", context)


@sensitive_post_parameters("refund_iban")
@subscriber_page
@require_http_methods(["GET", "HEAD", "POST"])
def move_out(request: AuthenticatedRequest, number: str) -> HttpResponse:
    """ "Je déménage": the request DM-…, then its confirmation page."""
    contract = get_contract_for_user(request.user, number)
    form = MoveOutForm(request.POST or None, request.FILES or None, contract=contract)
    status = 200
    if request.method == "POST":
        if form.is_valid() and not _too_many(request, form):
            data = form.cleaned_data
            details = services.MoveOutDetails(
                leaving_date=data["leaving_date"],
                meter_index=data["meter_index"],
                forwarding_address=data["forwarding_address"],
                refund_iban=data["refund_iban"],
            )
            move = services.file_move_out(
                contract, details, user=request.user, photo=form.checked_attachment
            )
            return redirect(
                "mandates:move_out_filed", number=contract.number, reference=move.inquiry.reference
            )
        form.add_reattach_notice(request)
        status = 429 if form.non_field_errors() else 200
    context = {"contract": contract, "form": form}
    return render(request, "mandates/move_out.html", context, status=status)


@subscriber_page
@require_safe
def move_out_filed(request: AuthenticatedRequest, number: str, reference: str) -> HttpResponse:
    """What was sent, and "J'emménage" for the new address."""
    contract = get_contract_for_user(request.user, number)
    move = get_object_or_404(
        MoveOut.objects.select_related("inquiry").filter(
            contract=contract,
            inquiry__kind=InquiryKind.MOVE_OUT,
            inquiry__user=request.user,
        ),
        inquiry__reference=reference,
    )
    return render(request, "mandates/move_out_filed.html", {"contract": contract, "move": move})
