"""The access rule, in one place.

An account sees a contract if and only if it is linked to the contract's payer
(``AccountPayerLink``). Every subscriber view fetches its contract through
``get_contract_for_user``: a contract the account cannot see does not exist for it (404,
never 403, so nobody learns which numbers exist).
"""

from __future__ import annotations

from django.http import Http404

from contracts.models import Contract, ContractQuerySet, normalize_contract_number


def visible_contracts(user: object) -> ContractQuerySet:
    """The contracts this account may see (``Contract.objects.for_user``)."""
    return Contract.objects.for_user(user)


def get_contract_for_user(user: object, number: str) -> Contract:
    """This contract (with its payer) if ``user`` may see it, else ``Http404``."""
    try:
        canonical = normalize_contract_number(number)
    except ValueError:
        raise Http404("No such contract") from None
    contract = visible_contracts(user).select_related("payer").filter(number=canonical).first()
    if contract is None:
        raise Http404("No such contract")
    return contract
