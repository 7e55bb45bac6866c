"""The access rule, in one place.

An account sees a contract if and only if it is linked to the contract's payer
(``AccountPayerLink``). Every subscriber view fetches its contract through
``get_contract_for_user``: a contract the account cannot see does not exist for it (404,
never 403, so nobody learns which numbers exist).

The pages of a contract also list every contract of the account (the selector): that list
answers the access question too, in one query on every request. It is never kept: a
contract moved to another payer by any means (an import, the admin, a bulk ``update()``
that sends no signal) is out of reach on the very next request.
"""

from __future__ import annotations

from django.http import Http404

from contracts.models import Contract, ContractQuerySet, normalize_contract_number


def visible_contracts(user: object) -> ContractQuerySet:
    """The contracts this account may see (``Contract.objects.for_user``)."""
    return Contract.objects.for_user(user)


def get_contract_for_user(user: object, number: str) -> Contract:
    """This contract (with its payer) if ``user`` may see it, else ``Http404``."""
    canonical = _canonical(number)
    contract = visible_contracts(user).select_related("payer").filter(number=canonical).first()
    if contract is None:
        raise Http404("No such contract")
    return contract


def get_contract_and_switcher(user: object, number: str) -> tuple[Contract, list[Contract]]:
    """This contract if ``user`` may see it (else ``Http404``), and every contract the account
    sees, in number order, for the contract selector: one cache read or one query."""
    canonical = _canonical(number)
    visible = _visible_list(user)
    contract = next((c for c in visible if c.number == canonical), None)
    if contract is None:
        raise Http404("No such contract")
    return contract, visible


def _visible_list(user: object) -> list[Contract]:
    rows = visible_contracts(user).select_related("payer").defer("key_hash")
    return list(rows.order_by("number"))


def _canonical(number: str) -> str:
    try:
        return normalize_contract_number(number)
    except ValueError:
        raise Http404("No such contract") from None
