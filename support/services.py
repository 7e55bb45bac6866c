"""The support actions an agent takes with a subscriber on the phone.

Each one is done for a reason the agent types, and recorded in the audit trail with the
agent (``user``), the subscriber (``subject``), the reason and what was done, in words.
"""

from __future__ import annotations

from typing import Any

from allauth.account.internal.flows.password_reset import request_password_reset
from allauth.account.models import EmailAddress
from allauth.usersessions.models import UserSession
from django.http import HttpRequest

from accounts import throttle
from audit import services as audit
from audit.models import AuditKind
from contracts import services as linking
from contracts.models import Contract


def resend_activation(request: HttpRequest, subscriber: Any, reason: str) -> bool:
    """A new activation link; False when the address is already confirmed."""
    address = EmailAddress.objects.filter(user=subscriber, verified=False).first()
    if address is None:
        return False
    address.send_confirmation(request, signup=False)
    audit.record(
        AuditKind.ACTIVATION_RESENT,
        request,
        request.user,
        f"{address.email}",
        subject=subscriber,
        reason=reason,
    )
    return True


def send_password_reset(request: HttpRequest, subscriber: Any, reason: str) -> None:
    # The allauth flow the subscriber's own "Mot de passe oublié" uses, without its
    # per-address throttle: an agent sends one link when asked to.
    request_password_reset(request, subscriber.email, [subscriber], None)
    audit.record(
        AuditKind.RESET_SENT,
        request,
        request.user,
        subscriber.email,
        subject=subscriber,
        reason=reason,
    )


def lift_login_lock(request: HttpRequest, subscriber: Any, reason: str) -> None:
    throttle.clear(throttle.LOGIN, subscriber.email)
    audit.record(
        AuditKind.ACCOUNT_UNLOCKED,
        request,
        request.user,
        subscriber.email,
        subject=subscriber,
        reason=reason,
    )


def lift_link_lock(request: HttpRequest, subscriber: Any, reason: str, number: str = "") -> int:
    """The account's failures stop counting, and those on ``number`` if one is given."""
    lifted = linking.lift_account_lock(subscriber)
    detail = f"{subscriber.email}: {lifted}"
    if number:
        lifted += linking.lift_number_lock(number)
        detail = f"{subscriber.email}, {number}: {lifted}"
    audit.record(
        AuditKind.LINK_UNLOCKED, request, request.user, detail, subject=subscriber, reason=reason
    )
    return lifted


def new_contract_key(request: HttpRequest, subscriber: Any, contract: Contract, reason: str) -> str:
    """A generated key, shown once to the agent; it also lifts the number's lock."""
    key = linking.give_new_key(contract)
    audit.record(
        AuditKind.KEY_GENERATED,
        request,
        request.user,
        contract.number,
        subject=subscriber,
        reason=reason,
    )
    return key


def end_sessions(request: HttpRequest, subscriber: Any, reason: str) -> int:
    sessions = list(UserSession.objects.filter(user=subscriber))
    for session in sessions:
        session.end()
    audit.record(
        AuditKind.SESSIONS_ENDED,
        request,
        request.user,
        f"{subscriber.email}: {len(sessions)}",
        subject=subscriber,
        reason=reason,
    )
    return len(sessions)
