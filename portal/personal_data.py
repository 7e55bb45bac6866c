"""Everything the portal keeps about one account, for the GDPR right of access/portability,
and the "Mes données" pages that show and download it.

One function gathers it from every app (accounts, allauth, contracts, inquiries, payments,
mandates) in a fixed
number of queries, as plain values (DjangoJSONEncoder serialises the dates). Only rows tied
to this account are read: never another account's data, nor the agents' names.
"""

from __future__ import annotations

import json
from typing import Any

from allauth.account.models import EmailAddress
from allauth.core.internal import ratelimit as allauth_ratelimit
from allauth.usersessions.models import UserSession
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from accounts.http import AuthenticatedRequest
from accounts.mfa import has_totp
from accounts.models import OutgoingEmail, User
from contracts.models import AccountPayerLink, Contract, LinkAttempt
from core.decorators import subscriber_page
from inquiries.models import Inquiry, Message
from mandates.models import Mandate, MoveOut
from payments.models import PaymentAttempt
from readings.models import AlertSetting
from selfservice.models import Attestation, PaperlessChoice


def _contract(contract: Contract) -> dict[str, Any]:
    return {
        "number": contract.number,
        "status": contract.get_status_display(),
        "start_date": contract.start_date,
        "end_date": contract.end_date,
        "service_address": contract.service_address,
        "meter_number": contract.meter_number,
        "usage": contract.usage,
        "payment_method": contract.get_payment_method_display(),
        "paperless_billing": contract.paperless,
    }


def _inquiry(inquiry: Inquiry) -> dict[str, Any]:
    return {
        "reference": inquiry.reference,
        "kind": inquiry.get_kind_display(),
        "status": inquiry.get_status_display(),
        "received": inquiry.created_at,
        "topic": str(inquiry.topic),
        "email": inquiry.email,
        "contract": inquiry.contract.number if inquiry.contract else "",
        "applicant": inquiry.applicant,
        "phone": inquiry.phone,
        "address_to_supply": " ".join(p for p in (inquiry.street, inquiry.postcode) if p),
        "commune": inquiry.commune.name if inquiry.commune else "",
        "desired_start_date": inquiry.start_date,
        "meter_number": inquiry.meter_number,
        "meter_index_m3": inquiry.meter_index,
        "billing_address": inquiry.billing_address,
        "consent_given": inquiry.consent_at,
        "messages": [
            {
                "date": message.created_at,
                "from": message.get_author_display(),
                "message": message.body,
                "attachments": [a.original_name for a in message.attachments.all()],
            }
            for message in inquiry.messages.all()
        ],
    }


def personal_data(user: User) -> dict[str, Any]:
    """What the portal keeps about ``user``, grouped as on the "My data" page."""
    links = (
        AccountPayerLink.objects.filter(user=user)
        .select_related("payer")
        .prefetch_related(
            Prefetch("payer__contracts", queryset=Contract.objects.order_by("number"))
        )
        .order_by("created_at")
    )
    inquiries = (
        Inquiry.objects.filter(user=user)
        .select_related("contract", "commune")
        .prefetch_related(
            Prefetch(
                "messages",
                queryset=Message.objects.order_by("created_at").prefetch_related("attachments"),
            )
        )
        .order_by("created_at")
    )
    return {
        "account": {
            "email": user.email,
            "created": user.date_joined,
            "last_login": user.last_login,
            "two_factor_authentication": has_totp(user),
            "last_contract_viewed": user.last_contract_number,
            "email_addresses": [
                {"email": a.email, "verified": a.verified, "primary": a.primary}
                for a in EmailAddress.objects.filter(user=user).order_by("pk")
            ],
        },
        "payers": [
            {
                "reference": link.payer.reference,
                "name": link.payer.name,
                "email": link.payer.email,
                "phone": link.payer.phone,
                "billing_address": link.payer.address,
                "linked_on": link.created_at,
                "contracts": [_contract(c) for c in link.payer.contracts.all()],
            }
            for link in links
        ],
        "requests": [_inquiry(inquiry) for inquiry in inquiries],
        "sessions": [
            {
                "started": s.created_at,
                "last_seen": s.last_seen_at,
                "ip_address": s.ip,
                "browser": s.user_agent,
            }
            for s in UserSession.objects.filter(user=user).order_by("-created_at")
        ],
        "contract_linking_attempts": [
            {
                "date": a.created_at,
                "number_tried": a.number,
                "result": a.get_result_display(),
                "ip_address": a.ip,
            }
            for a in LinkAttempt.objects.filter(user=user).order_by("-created_at")
        ],
        "online_payments": [
            {
                "date": a.created_at,
                "contract": a.contract_number,
                "invoice": a.invoice_number,
                "amount": a.amount,
                "email": a.email,
                "state": a.get_state_display(),
                "authorisation": a.numauto,
            }
            for a in PaymentAttempt.objects.filter(user=user).order_by("-created_at")
        ],
        # Bank details masked: the export is a download, the IBAN is only in the signed PDF.
        "direct_debit_mandates": [
            {
                "reference": m.rum,
                "request": m.inquiry.reference,
                "contract": m.contract.number,
                "state": m.get_state_display(),
                "account_holder": m.holder_name,
                "holder_address": m.holder_address,
                "iban": m.iban_masked,
                "bic": m.bic,
                "plan": m.get_plan_display(),
                "debit_day": m.debit_day,
                "signed": m.signed_at,
                "ip_address": m.signed_ip,
            }
            for m in Mandate.objects.filter(user=user)
            .select_related("inquiry", "contract")
            .order_by("signed_at")
        ],
        "moves_out": [
            {
                "request": m.inquiry.reference,
                "contract": m.contract.number,
                "leaving_date": m.leaving_date,
                "meter_index_m3": m.meter_index,
                "forwarding_address": m.forwarding_address,
                "refund_iban": m.iban_masked,
            }
            for m in MoveOut.objects.filter(inquiry__user=user)
            .select_related("inquiry", "contract")
            .order_by("created_at")
        ],
        "consumption_alerts": [
            {
                "contract": a.contract.number,
                "alerts_on": a.enabled,
                "threshold_litres_per_day": a.threshold_litres_per_day,
                "updated": a.updated_at,
            }
            for a in AlertSetting.objects.filter(user=user)
            .select_related("contract")
            .order_by("contract__number")
        ],
        "paper_free_invoices": [
            {
                "contract": c.contract.number,
                "paper_free": c.paperless,
                "consent_given": c.consented_at,
                "consent_withdrawn": c.withdrawn_at,
            }
            for c in PaperlessChoice.objects.filter(user=user)
            .select_related("contract")
            .order_by("contract__number", "changed_at")
        ],
        "attestations": [
            {
                "issued": a.issued_at,
                "contract": a.contract.number if a.contract else "",
                "verification_code": a.code,
                "holder": a.holder_name,
                "address": a.service_address,
                "revoked": a.revoked_at,
            }
            for a in Attestation.objects.filter(user=user)
            .select_related("contract")
            .order_by("issued_at")
        ],
        "emails_sent": [
            {"date": e.created_at, "subject": e.subject, "status": e.get_status_display()}
            for e in OutgoingEmail.objects.filter(to__iexact=user.email).order_by("-created_at")
        ],
    }


# --- The pages ------------------------------------------------------------------------------


@subscriber_page
@require_safe
def my_data(request: AuthenticatedRequest) -> HttpResponse:
    """What the portal keeps about the subscriber, why and how long; links to download it."""
    return render(request, "accounts/my_data.html")


def _export_limit(request: AuthenticatedRequest) -> HttpResponse | None:
    """The "export_data" rate (shared cache), counted on GET too: allauth's public helper
    skips GET requests, its internal one takes ``limit_get``."""
    return allauth_ratelimit.consume_or_429(
        request, app="allauth.account", action="export_data", user=request.user, limit_get=True
    )


@subscriber_page
@require_safe
def my_data_page(request: AuthenticatedRequest) -> HttpResponse:
    """All of the subscriber's data as a readable page (GDPR right of access)."""
    return _export_limit(request) or render(
        request, "accounts/my_data_export.html", {"data": personal_data(request.user)}
    )


@subscriber_page
@require_safe
def my_data_json(request: AuthenticatedRequest) -> HttpResponse:
    """All of the subscriber's data as a JSON file (GDPR right to data portability)."""
    if blocked := _export_limit(request):
        return blocked
    export = {"exported": timezone.now(), **personal_data(request.user)}
    body = json.dumps(export, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    filename = f"mes-donnees-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
