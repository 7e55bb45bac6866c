"""The subscriber's pages: "Transmettre mon index" and "Alertes de consommation".

Both fetch the contract through ``contracts.access`` (404 for an account that cannot
see it). Neither page is kept (``contracts.fragments``): they hold a form.
"""

from __future__ import annotations

from allauth.core import ratelimit
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.http import AuthenticatedRequest
from contracts.access import get_contract_for_user
from contracts.models import ContractStatus
from core.decorators import subscriber_page
from inquiries import services as inquiries
from readings import alerts as alert_rules
from readings import services
from readings.forms import AlertForm, SelfReadingForm
from readings.models import AlertSetting


@subscriber_page
@require_http_methods(["GET", "HEAD", "POST"])
def self_reading(request: AuthenticatedRequest, number: str) -> HttpResponse:
    contract = get_contract_for_user(request.user, number)
    today = timezone.localdate()
    context: dict[str, object] = {"contract": contract, "today": today}
    if contract.remote_reading or contract.status != ContractStatus.ACTIVE:
        return render(request, "readings/self_reading.html", context)
    state = services.window_state(contract, today)
    context["window"] = state
    if state.current is None:
        return render(request, "readings/self_reading.html", context)
    already = services.sent_in_window(contract, state.current)
    if already is not None:
        context["already"] = already
        return render(request, "readings/self_reading.html", context)
    plausibility = services.plausibility(contract, today)
    form = SelfReadingForm(request.POST or None, request.FILES or None, plausibility=plausibility)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            if ratelimit.consume(request, action="inquiry") and not inquiries.over_daily_limit(
                user=request.user
            ):
                data = form.cleaned_data
                reading = services.file_self_reading(
                    request.user,
                    contract,
                    index=data["index"],
                    meter_changed=data["meter_changed"],
                    confirmed_high=form.is_high,
                    last=plausibility.last,
                    today=today,
                    attachment=form.checked_attachment,
                )
                messages.success(
                    request,
                    _(
                        "Thank you: your index of %(index)s m³ has been sent to the Régie "
                        "(request %(reference)s)."
                    )
                    % {"index": reading.index, "reference": reading.inquiry.reference},
                )
                return redirect("readings:self_reading", number=contract.number)
            form.add_error(
                None,
                _(
                    "You have sent many requests in a short time. Please wait a few "
                    "minutes and try again, or call us."
                ),
            )
            status = 429
        form.add_reattach_notice(request)
    context.update({"form": form, "plausibility": plausibility})
    return render(request, "readings/self_reading.html", context, status=status)


@subscriber_page
@require_http_methods(["GET", "HEAD", "POST"])
def alerts(request: AuthenticatedRequest, number: str) -> HttpResponse:
    contract = get_contract_for_user(request.user, number)
    setting = AlertSetting.objects.filter(user=request.user, contract=contract).first()
    banner = alert_rules.banner_alert(contract)
    if request.method == "POST" and request.POST.get("action") == "dismiss":
        if banner is not None:
            banner.dismissed_at = timezone.now()
            banner.save(update_fields=["dismissed_at"])
            messages.success(request, _("The alert is no longer shown on your dashboard."))
        return redirect("readings:alerts", number=contract.number)
    initial = {
        "enabled": setting.enabled if setting else False,
        "threshold": setting.threshold_litres_per_day if setting else None,
    }
    form = AlertForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        enabled = form.cleaned_data["enabled"]
        alert_rules.save_setting(
            request.user, contract, enabled=enabled, threshold=form.cleaned_data["threshold"]
        )
        if enabled:
            messages.success(request, _("Saved: you will be warned by email after a high reading."))
        else:
            messages.success(request, _("Saved: you will no longer receive consumption alerts."))
        return redirect("readings:alerts", number=contract.number)
    context = {
        "contract": contract,
        "form": form,
        "setting": setting,
        "banner": banner,
        "banner_words": alert_rules.describe(banner) if banner else "",
    }
    return render(request, "readings/alerts.html", context)
