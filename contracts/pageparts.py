"""The contract selector of the pages of a contract, kept with the account's contract list.

The selector lists the account's contracts, each linking to the same page of that
contract. The selectors an account has been shown are kept together in the shared cache,
under what the contract list is kept under (``contracts.access``: the account's kept
version and the billing generation) and the code's fingerprint, and read with the session
in the same round trip (``core.prefetch``), so that a process that has never served the
account has it at hand. Accounts that are not kept (staff, no shared cache) get it
rendered each time.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from accounts import usercache
from contracts import fragments
from contracts.models import Contract
from core import prefetch

PREFIX = "contracts:switchers:"
# Selectors kept per account at most (contracts × pages × languages).
MAX_KEPT = 60


def prefetched_keys(account_id: str) -> list[str]:
    return [f"{PREFIX}{account_id}"] if usercache.timeout() > 0 else []


def switcher(
    user: Any, contract: Contract, contracts: list[Contract], view_name: str
) -> SafeString:
    """The selector's HTML for ``contract`` among the account's ``contracts``."""
    version = usercache.version_of(user)
    if version is None:
        return _render(contract, contracts, view_name)
    key = f"{PREFIX}{user.pk}"
    under = (version, fragments.generation(), fragments.code_fingerprint())
    which = (contract.number, view_name, get_language() or "")
    kept = prefetch.get(key)
    table: dict[tuple[str, str, str], str] = {}
    if kept is not None and kept[0] == under:
        html = kept[1].get(which)
        if html is not None:
            return mark_safe(html)
        table = dict(kept[1])
    html = _render(contract, contracts, view_name)
    if len(table) < MAX_KEPT:
        table[which] = str(html)
        # Under the account's version: dropped with it, and gone when it expires.
        cache.set(key, (under, table), usercache.timeout())
        prefetch.discard([key])
    return html


def _render(contract: Contract, contracts: list[Contract], view_name: str) -> SafeString:
    context = {
        "contract": contract,
        "switcher_contracts": contracts,
        "page_name": f"contracts:{view_name}",
    }
    # Rendered from our template with autoescaping.
    return mark_safe(render_to_string("contracts/_switcher.html", context))
