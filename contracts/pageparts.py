"""The contract selector of the pages of a contract, kept with the account's contract list.

The selector lists the account's contracts, each linking to the same page of that
contract. The selectors an account has been shown are kept together in the shared cache,
under the contracts of the list (their ids, in order), the billing generation (any change
to a contract, a payer or a link replaces it) and the code's fingerprint, and read with
the session in the same round trip (``core.prefetch``), so that a process that has never
served the account has it at hand.

They are not kept under the account's version: when a kept account expires (every
``USER_CACHE_SECONDS``) its contract list is read again, but if it is the same list the
selectors stay, instead of being rendered again at every expiry (half of the CPU of
reading an account again, issue #22). Who sees what is still decided by the list, read
under the account's version (``contracts.access``): a selector is only ever shown for a
list it was rendered from. Accounts that are not kept (staff, no shared cache) get it
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
    listed = tuple(c.pk for c in contracts)
    under = (listed, fragments.generation(), fragments.code_fingerprint())
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
        # As long as the figures: a new list or generation makes another key anyway.
        cache.set(key, (under, table), fragments.TIMEOUT)
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
