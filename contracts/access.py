"""The access rule, in one place.

An account sees a contract if and only if it is linked to the contract's payer
(``AccountPayerLink``). Every subscriber view fetches its contract through
``get_contract_for_user``: a contract the account cannot see does not exist for it (404,
never 403, so nobody learns which numbers exist).

The pages of a contract also list every contract of the account (the selector): that list
answers the access question too. It is one query, kept in the shared cache with the
billing generation and the kept account's version (``accounts.usercache``) it was read
under, and read with the session, the account and the generation in one round trip
(``core.prefetch``): a list kept under another version or generation is never used.
Every way the portal changes who sees what replaces the generation: a link made or
removed, a contract or payer saved or deleted (the admin, the support pages), an import
(``contracts.fragments``). A change made outside the portal (a bulk ``update()`` or SQL
by hand, which send no signal) is seen when the kept account expires, after
``USER_CACHE_SECONDS`` (60 s) at most. Accounts that are not kept (staff, or no shared
cache) run the query on every request. The query's SQL is prepared once per process
(``_Prepared``): building and compiling it through the ORM was half the CPU of a
logged-in request before its page (issue #22).
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db import connections, router
from django.db.models import FETCH_ONE
from django.db.models.query import get_related_populators
from django.http import Http404

from accounts import usercache
from contracts import fragments
from contracts.models import Contract, ContractQuerySet, normalize_contract_number
from core import prefetch


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
    # The list is this request's own (unpickled from the cache, or read from the database
    # for it), so its contract is handed over as it is, without a copy.
    return contract, visible


VISIBLE_PREFIX = "contracts:visible:"


def prefetched_keys(account_id: str) -> list[str]:
    """Read with the session (``core.prefetch``): the account's kept contract list."""
    return [f"{VISIBLE_PREFIX}{account_id}"] if usercache.timeout() > 0 else []


def _visible_list(user: Any) -> list[Contract]:
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return []
    version = usercache.version_of(user)
    if version is None:  # not kept: staff, or no shared cache
        return _prepared(router.db_for_read(Contract)).run(user.pk)
    key, generation = f"{VISIBLE_PREFIX}{user.pk}", fragments.generation()
    kept = prefetch.get(key)
    if kept is not None and kept[0] == version and kept[1] == generation:
        return kept[2]
    contracts = _prepared(router.db_for_read(Contract)).run(user.pk)
    # Under the account's version: dropped with it, and gone when it expires.
    cache.set(key, (version, generation, contracts), usercache.timeout())
    return contracts


def _visible_queryset(user_id: int) -> ContractQuerySet:
    return (
        Contract.objects.filter(payer__account_links__user_id=user_id)
        .select_related("payer")
        .defer("key_hash")
        .order_by("number")
    )


# A user id no account has: it marks where the account's id goes in the compiled SQL.
_PLACEHOLDER = -7_000_000_001


class _Prepared:
    """The access rule's query, compiled by the ORM once per process and database, then
    run with each request's account id: the same SQL and the same objects as
    ``_visible_queryset(user_id)``, without building and compiling it on every request
    (about 0.9 ms of CPU, half of what a logged-in contract page costs before its page).
    It is still one query on every request: nothing about who sees what is kept."""

    def __init__(self, alias: str) -> None:
        compiler = _visible_queryset(_PLACEHOLDER).query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        if tuple(params) != (_PLACEHOLDER,):
            raise ValueError(f"unexpected parameters for the access rule: {params!r}")
        self.alias = alias
        self.sql = sql
        select, klass_info = compiler.select, compiler.klass_info
        assert klass_info is not None
        fields = klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.init_list = [f[0].target.attname for f in select[self.start : self.end]]
        self.converters = compiler.get_converters([s[0] for s in select])
        self.populators = get_related_populators(klass_info, select, alias, FETCH_ONE)

    def run(self, user_id: int) -> list[Contract]:
        connection = connections[self.alias]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, [user_id])
            rows = cursor.fetchall()
        contracts = []
        for raw in rows:
            row = list(raw)
            for position, (functions, expression) in self.converters.items():
                value = row[position]
                for convert in functions:
                    value = convert(value, expression, connection)
                row[position] = value
            contract = Contract.from_db(
                self.alias, self.init_list, row[self.start : self.end], fetch_mode=FETCH_ONE
            )
            for populator in self.populators:
                populator.populate(row, contract)
            contracts.append(contract)
        return contracts


_prepared_by_alias: dict[str, _Prepared] = {}


def _prepared(alias: str) -> _Prepared:
    prepared = _prepared_by_alias.get(alias)
    if prepared is None:
        prepared = _prepared_by_alias.setdefault(alias, _Prepared(alias))
    return prepared


def _canonical(number: str) -> str:
    try:
        return normalize_contract_number(number)
    except ValueError:
        raise Http404("No such contract") from None
