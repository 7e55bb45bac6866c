"""The subscriber area: welcome, linking, "Mes contrats" and the pages of one contract.

Every page that shows a contract fetches it through ``contracts.access`` (404 when the
account cannot see it). The contract number is in the URL; the account only remembers
the last contract viewed, to open it after the next login.
"""

from __future__ import annotations

import csv
import datetime
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from allauth.account.internal.flows.reauthentication import (
    raise_if_reauthentication_required,
)
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Min, Q, Subquery, Sum
from django.db.models.fields.files import FieldFile
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_safe

from accounts import usercache
from accounts.http import AuthenticatedRequest
from accounts.models import User
from accounts.sessions import idle_warning
from contracts import fragments, pageparts, services, signals
from contracts.access import (
    get_contract_and_switcher,
    get_contract_for_user,
    visible_contracts,
)
from contracts.forms import GENERIC_ERROR, NUMBER_FORMAT_ERROR, LinkContractForm
from contracts.models import (
    AccountPayerLink,
    Contract,
    Invoice,
    LinkAttemptResult,
    Payer,
    ServiceDocument,
)
from contracts.stats import twelve_month_window, year_on_year, yearly_totals
from contracts.templatetags.fr_format import csv_decimal
from core import dates
from core.clientip import client_ip
from core.decorators import subscriber_page
from core.files import private_file
from core.identity import REGIE
from core.skeleton import render_kept

PER_PAGE = 24


def _remember(request: AuthenticatedRequest, contract: Contract) -> None:
    """The contract to open next time, even after a logout or on another device.

    Kept on the account and written only when it changes, so browsing one contract
    costs no extra query.
    """
    user = request.user
    if user.last_contract_number != contract.number:
        user.last_contract_number = contract.number
        User.objects.filter(pk=user.pk).update(last_contract_number=contract.number)
        usercache.forget(user.pk)  # an update() sends no signal


def _contract_context(
    request: AuthenticatedRequest,
    contract: Contract,
    switcher: list[Contract],
    view_name: str,
    **extra: Any,
) -> dict[str, Any]:
    _remember(request, contract)
    return {
        "contract": contract,
        "switcher_contracts": switcher,
        "page_name": f"contracts:{view_name}",
        **extra,
    }


Figures = Callable[[Contract, datetime.date, str | None], dict[str, Any]]


def _figures_page(
    request: AuthenticatedRequest, number: str, view_name: str, load: Figures
) -> HttpResponse:
    """A contract page whose figures ``load(contract, today, page)`` reads, for this account
    only (else 404). The figures are kept until the billing data changes, the page around
    them is rendered once per process (core.skeleton), and the contract selector is kept
    with the account's contract list."""
    contract, switcher = get_contract_and_switcher(request.user, number)
    # Most visits have no query string: no QueryDict to build for them.
    page = request.GET.get("page") if request.META.get("QUERY_STRING") else None
    today = dates.today()
    figures = fragments.figures(
        contract,
        view_name,
        lambda: signals.extend_figures(view_name, contract, today, load(contract, today, page)),
        today=today,
        raw_page=page,
    )
    _remember(request, contract)
    # Nothing of the visit outside the holes: the page is the same for every visitor.
    context = {"page_name": f"contracts:{view_name}"}
    holes = {
        # The title is translated in the kept frame, around the number.
        "contract_number": contract.number,
        "switcher_html": pageparts.switcher(request.user, contract, switcher, view_name),
        "figures": figures,
        "idle_next": request.get_full_path(),
    }
    return render_kept(
        request,
        f"contracts/{view_name}.html",
        context,
        holes=holes,
        vary=(view_name, bool(idle_warning(request))),
    )


def _safe_filename(stem: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-.") or "document"


# --- Area, welcome, linking -----------------------------------------------------------------


@subscriber_page
@require_safe
def area(request: AuthenticatedRequest) -> HttpResponse:
    """The landing page after login: the last contract viewed, any other, or the welcome."""
    contracts = visible_contracts(request.user)
    last = request.user.last_contract_number
    contract = contracts.filter(number=last).first() if last else None
    if contract is None:
        contract = contracts.order_by("number").first()
    if contract is not None:
        return redirect("contracts:dashboard", number=contract.number)
    return render(request, "contracts/welcome.html")


def _retry_message(retry_at: datetime.datetime) -> str:
    local = timezone.localtime(retry_at)
    # Round up to the minute: never name a time at which it is still refused.
    if local.second or local.microsecond:
        local = local.replace(second=0, microsecond=0) + datetime.timedelta(minutes=1)
    return _(
        "Too many unsuccessful attempts. For your security, linking is suspended: "
        "you can try again from %(time)s on %(date)s."
    ) % {"time": date_format(local, "H:i"), "date": date_format(local, "d/m/Y")}


@sensitive_post_parameters("key")
@subscriber_page
@require_http_methods(["GET", "HEAD", "POST"])
def link(request: AuthenticatedRequest) -> HttpResponse:
    form = LinkContractForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome = services.link_contract(
            request.user,
            form.cleaned_data["number"],
            form.cleaned_data["key"],
            client_ip(request),
        )
        if outcome.ok and outcome.contract is not None:
            _remember(request, outcome.contract)
            if outcome.result == LinkAttemptResult.LINKED:
                messages.success(request, _("Link saved."))
            else:
                messages.info(
                    request,
                    _(
                        "This contract is already linked to your account: "
                        "here it is, with every contract of the same payer."
                    ),
                )
            return redirect("contracts:dashboard", number=outcome.contract.number)
        if outcome.result == LinkAttemptResult.INVALID:
            form.add_error("number", NUMBER_FORMAT_ERROR)
        elif outcome.result == LinkAttemptResult.LOCKED and outcome.retry_at:
            form.add_error(None, _retry_message(outcome.retry_at))
        else:
            form.add_error(None, GENERIC_ERROR)
    return render(request, "contracts/link.html", {"form": form})


@subscriber_page
@require_safe
def my_contracts(request: AuthenticatedRequest) -> HttpResponse:
    links = (
        AccountPayerLink.objects.filter(user=request.user)
        .select_related("payer")
        .order_by("payer__name", "payer__reference")
    )
    payer_ids = [item.payer_id for item in links]
    by_payer: dict[int, list[Contract]] = {pid: [] for pid in payer_ids}
    for contract in Contract.objects.filter(payer_id__in=payer_ids).order_by("number"):
        by_payer[contract.payer_id].append(contract)
    groups = [{"link": item, "contracts": by_payer[item.payer_id]} for item in links]
    return render(request, "contracts/my_contracts.html", {"groups": groups})


@subscriber_page
@require_http_methods(["GET", "HEAD", "POST"])
def unlink(request: AuthenticatedRequest, payer_id: int) -> HttpResponse:
    link_row = get_object_or_404(
        AccountPayerLink.objects.select_related("payer"), user=request.user, payer_id=payer_id
    )
    # Unlinking gives up access to a payer's data: the password again after 10 minutes
    # (asked only once the link is known to be this account's, so outsiders still get 404).
    raise_if_reauthentication_required(request, app="allauth.account")
    payer: Payer = link_row.payer
    if request.method == "POST":
        numbers = set(payer.contracts.values_list("number", flat=True))
        services.unlink_payer(request.user, payer.pk)
        if request.user.last_contract_number in numbers:
            User.objects.filter(pk=request.user.pk).update(last_contract_number="")
            usercache.forget(request.user.pk)
        messages.success(
            request,
            _("The contracts of %(payer)s are no longer linked to your account.")
            % {"payer": payer.name},
        )
        return redirect("contracts:my_contracts")
    contracts = list(payer.contracts.order_by("number"))
    return render(
        request, "contracts/unlink_confirm.html", {"payer": payer, "contracts": contracts}
    )


# --- The pages of one contract ----------------------------------------------------------------


@subscriber_page
@require_safe
def dashboard(request: AuthenticatedRequest, number: str) -> HttpResponse:
    return _figures_page(request, number, "dashboard", _dashboard_figures)


def _dashboard_figures(
    contract: Contract, today: datetime.date, page: str | None
) -> dict[str, Any]:
    cutoff = twelve_month_window(today)
    # The readings of the last 12 months and the one before them (so that the first one's
    # consumption is known): one query, whatever the length of the history.
    baseline = contract.readings.filter(date__lte=cutoff).order_by("-date").values("date")[:1]
    recent = list(
        contract.readings.with_consumption()
        .filter(Q(date__gt=cutoff) | Q(date__gte=Subquery(baseline)))
        .order_by("date")
    )
    last_reading = recent[-1] if recent else None
    recent = [r for r in recent if r.date > cutoff]
    twelve_months = sum((r.consumption or Decimal(0) for r in recent), Decimal(0))

    # The last invoice carries the amount still due on the contract, its next due date (never
    # a past one) and the first overdue date (one query for all).
    unpaid = contract.invoices.unpaid().order_by().values("contract")
    upcoming, late = unpaid.filter(due_date__gte=today), unpaid.filter(due_date__lt=today)
    last_invoice = (
        contract.invoices.with_paid_on()
        .with_status(today)
        .annotate(
            contract_due=Subquery(unpaid.annotate(s=Sum("amount_due")).values("s")),
            contract_next_due=Subquery(upcoming.annotate(d=Min("due_date")).values("d")),
            contract_overdue_since=Subquery(late.annotate(d=Min("due_date")).values("d")),
        )
        .order_by("-issue_date", "-number")
        .first()
    )
    if last_invoice is not None:
        last_invoice.words = last_invoice.status_words(direct_debit=contract.pays_by_direct_debit)
    last_payment = contract.payments.select_related("invoice").order_by("-date").first()
    return {
        "last_reading": last_reading,
        "recent_readings": recent,
        "twelve_months": twelve_months,
        "amount_due": getattr(last_invoice, "contract_due", None) or Decimal(0),
        **_due_words(
            getattr(last_invoice, "contract_next_due", None),
            getattr(last_invoice, "contract_overdue_since", None),
            contract,
        ),
        "last_invoice": last_invoice,
        "last_payment": last_payment,
    }


def _due_words(
    next_due: datetime.date | None, overdue_since: datetime.date | None, contract: Contract
) -> dict[str, Any]:
    """What the dashboard and the invoices page say about the money due: the next due date
    (never a past one) and, separately, what to do about an overdue invoice."""
    return {
        "next_due": next_due,
        "direct_debit": contract.pays_by_direct_debit,
        "overdue_since": overdue_since + datetime.timedelta(days=1) if overdue_since else None,
        "regie_phone": REGIE.phone,
    }


@subscriber_page
@require_safe
def contract_details(request: AuthenticatedRequest, number: str) -> HttpResponse:
    return _figures_page(request, number, "details", _details_figures)


def _details_figures(contract: Contract, today: datetime.date, page: str | None) -> dict[str, Any]:
    return {"regulations": ServiceDocument.objects.in_force(today)}


@subscriber_page
@require_safe
def regulations_pdf(request: AuthenticatedRequest, number: str) -> HttpResponseBase:
    get_contract_for_user(request.user, number)
    document = ServiceDocument.objects.in_force()
    if document is None:
        raise Http404("No service regulations in force")
    filename = f"reglement-de-service-{document.applies_from:%Y-%m-%d}.pdf"
    return private_file(document.pdf, filename)


@subscriber_page
@require_safe
def consumption(request: AuthenticatedRequest, number: str) -> HttpResponse:
    return _figures_page(request, number, "consumption", _consumption_figures)


def _consumption_figures(
    contract: Contract, today: datetime.date, page: str | None
) -> dict[str, Any]:
    readings = contract.readings.with_consumption().order_by("-date")
    totals = yearly_totals(contract)
    return {
        "page": Paginator(readings, PER_PAGE).get_page(page),
        "totals": list(reversed(totals)),
        "chart": year_on_year(contract),
        "current_year": today.year,
    }


@subscriber_page
@require_safe
def consumption_csv(request: AuthenticatedRequest, number: str) -> HttpResponse:
    contract = get_contract_for_user(request.user, number)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = _safe_filename(f"consommations-{contract.number}") + ".csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # BOM: spreadsheet software then reads UTF-8.
    writer = csv.writer(response, delimiter=";", lineterminator="\r\n")
    writer.writerow([_("Date"), _("Index (m³)"), _("Consumption (m³)"), _("Reading kind")])
    rows = contract.readings.with_consumption().order_by("date")
    for reading in rows.iterator(chunk_size=1000):
        writer.writerow(
            [
                reading.date.strftime("%d/%m/%Y"),
                csv_decimal(reading.index),
                csv_decimal(reading.consumption),
                reading.get_kind_display(),
            ]
        )
    return response


@subscriber_page
@require_safe
def invoices(request: AuthenticatedRequest, number: str) -> HttpResponse:
    return _figures_page(request, number, "invoices", _invoices_figures)


def _invoices_figures(contract: Contract, today: datetime.date, page: str | None) -> dict[str, Any]:
    rows = contract.invoices.with_paid_on().with_status(today).order_by("-issue_date", "-number")
    dues = contract.invoices.unpaid().aggregate(
        total=Sum("amount_due"),
        next_due=Min("due_date", filter=Q(due_date__gte=today)),
        overdue_since=Min("due_date", filter=Q(due_date__lt=today)),
    )
    invoices_page = Paginator(rows, PER_PAGE).get_page(page)
    invoices_page.object_list = list(invoices_page.object_list)
    for invoice in invoices_page.object_list:
        invoice.words = invoice.status_words(direct_debit=contract.pays_by_direct_debit)
        invoice.pdf_size = _stored_size(invoice.pdf)
    return {
        "page": invoices_page,
        "amount_due": dues["total"] or Decimal(0),
        **_due_words(dues["next_due"], dues["overdue_since"], contract),
        # Each row links to <this>/<invoice>/ and <this>/<invoice>.pdf (contracts/urls.py):
        # one reverse() for the page instead of two per row.
        "invoices_url": reverse("contracts:invoices", args=[contract.number]),
    }


def _stored_size(file: Any) -> int | None:
    """The size of a stored file, said in its download link; None when absent."""
    if not file:
        return None
    try:
        return int(file.size)
    except OSError:
        return None


@subscriber_page
@require_safe
def invoice_detail(request: AuthenticatedRequest, number: str, invoice_number: str) -> HttpResponse:
    """The invoice as an HTML page: the accessible alternative to its (untagged) PDF."""
    contract, switcher = get_contract_and_switcher(request.user, number)
    invoice = get_object_or_404(
        contract.invoices.with_paid_on().with_status(), number=invoice_number
    )
    invoice.words = invoice.status_words(direct_debit=contract.pays_by_direct_debit)
    payments = list(invoice.payments.order_by("date", "reference"))
    figures = signals.extend_figures(
        "invoice_detail",
        contract,
        timezone.localdate(),
        {"invoice": invoice, "payments": payments},
    )
    context = _contract_context(request, contract, switcher, "invoices", **figures)
    return render(request, "contracts/invoice_detail.html", context)


@subscriber_page
@require_safe
def invoice_pdf(
    request: AuthenticatedRequest, number: str, invoice_number: str
) -> HttpResponseBase:
    contract, _ = get_contract_and_switcher(request.user, number)  # the kept list: no query
    stored = fragments.invoice_files(contract).get(invoice_number)  # kept: no query either
    if stored is None:
        raise Http404("No such invoice")
    # The stored file through the PDF field's storage. With no invoice behind it: an
    # invoice and its file hold each other, which left every PDF's request to the cycle
    # collector (core/cycles.py).
    pdf = FieldFile(None, Invoice._meta.get_field("pdf"), stored)  # type: ignore[arg-type]
    return private_file(pdf, _safe_filename(f"facture-{invoice_number}") + ".pdf")


@subscriber_page
@require_safe
def payments(request: AuthenticatedRequest, number: str) -> HttpResponse:
    return _figures_page(request, number, "payments", _payments_figures)


def _payments_figures(contract: Contract, today: datetime.date, page: str | None) -> dict[str, Any]:
    rows = contract.payments.select_related("invoice").order_by("-date", "-reference")
    return {"page": Paginator(rows, PER_PAGE).get_page(page)}
