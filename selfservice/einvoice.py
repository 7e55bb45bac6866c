"""Paper-free invoices: the account's choice per contract, the "Votre facture est
disponible" emails sent after an import, and the one-click opt-out link.

The billing system decides what it prints: ``Contract.paperless`` (from its export) is
what it does; the choices made here reach it through the admin's CSV export.

The emails. The billing import sends ``contracts.signals.billing_import`` inside its
transaction; for every invoice of a paperless contract issued in the last
``NOTICE_WINDOW_DAYS`` days, each account linked to its payer whose address is verified,
and who did not choose paper for that contract, gets one notice row (unique per invoice
and account) and one email on the mail queue. The rows and the emails are written in the
import's transaction and the email is handed to the worker once it commits: a dry run or
a rolled-back import sends nothing, and importing the same export again finds every row
already there and sends nothing. The window keeps the first import after this feature is
deployed (or an export bringing old invoices) from announcing invoices of past years.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from contracts import fragments
from contracts.models import AccountPayerLink, Contract, Invoice
from selfservice import emails
from selfservice.models import InvoiceNotice, PaperlessChoice

NOTICE_WINDOW_DAYS = 31
OPT_OUT_SALT = "selfservice.paperless-opt-out"
# An invoice email may be read months later; past this, the link asks to log in.
OPT_OUT_MAX_AGE = datetime.timedelta(days=400)


# --- The choice ---------------------------------------------------------------------------


def choice_of(user: User, contract: Contract) -> PaperlessChoice | None:
    return PaperlessChoice.objects.filter(user=user, contract=contract).first()


def contract_choice(contract: Contract) -> bool:
    """What the contract is on, as the dashboard says it: the last choice any account of
    the payer made here, else what the billing system does."""
    last = (
        PaperlessChoice.objects.filter(contract=contract)
        .order_by("-changed_at")
        .values_list("paperless", flat=True)
        .first()
    )
    return contract.paperless if last is None else last


@transaction.atomic
def choose(user: Any, contract: Contract, paperless: bool) -> PaperlessChoice:
    """Record the account's choice for ``contract``: consent (with its time) or its
    withdrawal (with its time; the time of the consent is kept)."""
    now = timezone.now()
    choice = (
        PaperlessChoice.objects.select_for_update().filter(user=user, contract=contract).first()
    )
    if choice is None:
        choice = PaperlessChoice(user=user, contract=contract, paperless=paperless)
    elif choice.paperless == paperless:
        return choice  # nothing changes: the times stay those of the real decision
    choice.paperless = paperless
    choice.changed_at = now
    if paperless:
        choice.consented_at, choice.withdrawn_at = now, None
    else:
        choice.withdrawn_at = now
    choice.save()
    # The dashboard's "Facture électronique" hint is kept with the contract's figures.
    fragments.data_changed()
    return choice


def latest_per_contract(choices: QuerySet[PaperlessChoice]) -> list[PaperlessChoice]:
    """One choice per contract, the latest, in contract number order (the CSV export)."""
    latest: dict[int, PaperlessChoice] = {}
    for choice in choices.select_related("contract").order_by("changed_at", "pk"):
        latest[choice.contract_id] = choice
    return sorted(latest.values(), key=lambda c: c.contract.number)


# --- The opt-out link ---------------------------------------------------------------------


@dataclass(frozen=True)
class OptOut:
    user: User
    contract: Contract


def opt_out_token(user: Any, contract: Contract) -> str:
    return signing.dumps({"u": user.pk, "c": contract.pk}, salt=OPT_OUT_SALT, compress=True)


def opt_out_url(user: Any, contract: Contract) -> str:
    return settings.SITE_URL + reverse("selfservice:opt_out", args=[opt_out_token(user, contract)])


def read_opt_out(token: str) -> OptOut | None:
    """The account and contract a link names, or None (forged, too old, or the account
    no longer sees the contract)."""
    try:
        data = signing.loads(token[:500], salt=OPT_OUT_SALT, max_age=OPT_OUT_MAX_AGE)
        user_id, contract_id = int(data["u"]), int(data["c"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    user = User.objects.filter(pk=user_id, is_active=True).first()
    contract = Contract.objects.for_user(user).filter(pk=contract_id).first() if user else None
    if user is None or contract is None:
        return None
    return OptOut(user, contract)


# --- The emails after an import -----------------------------------------------------------


def _recipients(contract_ids: set[int]) -> dict[int, list[User]]:
    """For each contract, the accounts to tell: linked, active, with a verified address,
    and not having chosen paper for it."""
    links = AccountPayerLink.objects.filter(
        payer__contracts__in=contract_ids, user__is_active=True
    ).values_list("payer__contracts", "user_id")
    by_contract: dict[int, set[int]] = {}
    for contract_id, user_id in links:
        by_contract.setdefault(contract_id, set()).add(user_id)
    user_ids = {uid for ids in by_contract.values() for uid in ids}
    verified = set(
        EmailAddress.objects.filter(user_id__in=user_ids, verified=True, primary=True).values_list(
            "user_id", flat=True
        )
    )
    paper = set(
        PaperlessChoice.objects.filter(contract_id__in=contract_ids, paperless=False).values_list(
            "contract_id", "user_id"
        )
    )
    users = User.objects.in_bulk(verified)
    return {
        contract_id: [
            users[uid] for uid in sorted(ids) if uid in users and (contract_id, uid) not in paper
        ]
        for contract_id, ids in by_contract.items()
    }


def send_notices(today: datetime.date | None = None) -> int:
    """Notice rows and emails for the invoices not announced yet; returns how many.

    Call inside the import's transaction (the emails leave once it commits).
    """
    today = today or timezone.localdate()
    since = today - datetime.timedelta(days=NOTICE_WINDOW_DAYS)
    invoices = list(
        Invoice.objects.filter(contract__paperless=True, issue_date__gte=since)
        .select_related("contract")
        .order_by("issue_date", "number")
    )
    if not invoices:
        return 0
    recipients = _recipients({invoice.contract_id for invoice in invoices})
    done = set(
        InvoiceNotice.objects.filter(invoice__in=invoices).values_list("invoice_id", "user_id")
    )
    sent = 0
    for invoice in invoices:
        for user in recipients.get(invoice.contract_id, []):
            if (invoice.pk, user.pk) in done:
                continue
            email = emails.send(
                "invoice_available",
                user.email,
                {
                    "invoice": invoice,
                    "contract": invoice.contract,
                    "invoice_url": settings.SITE_URL
                    + reverse("contracts:invoice", args=[invoice.contract.number, invoice.number]),
                    "opt_out_url": opt_out_url(user, invoice.contract),
                },
            )
            InvoiceNotice.objects.create(invoice=invoice, user=user, email=email)
            sent += 1
    return sent


def on_billing_import(
    sender: object, *, directory: Any = None, dry_run: bool = False, **kwargs: object
) -> None:
    if dry_run:
        return
    send_notices()


def connect() -> None:
    from contracts.signals import billing_import

    billing_import.connect(on_billing_import, dispatch_uid="selfservice-invoice-notices")
