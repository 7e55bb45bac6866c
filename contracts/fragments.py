"""The data part of the contract pages, rendered once per change of the billing data.

A contract page is two things: a frame that belongs to the visitor (the menu, the contract
selector, the session's messages) and the contract's own figures (readings, invoices,
payments). The figures change only when the billing data does: at an import, or when the
Régie edits a record in the admin. So the figures' HTML is kept in the shared cache and
rendered again only when needed; on a hit, the page costs the session, the account, the
access rule and the frame, and none of the figures' queries.

Keys hold everything the HTML depends on:
- the billing *generation*, a value replaced whenever billing data changes (model signals
  and the end of an import); replacing it retires every kept page at once;
- the contract, the page and its page number;
- the day (an invoice becomes overdue, the 12-month window moves), the language;
- a fingerprint of the templates, translations and formatting code, so that a deploy
  never serves HTML from the previous version.

Nothing here decides who sees what: the access rule runs before (``contracts.access``) on
every request, hit or miss, and a kept fragment holds one contract's data only. The
figures are rendered without the request, so they hold nothing of the visitor's; a
fragment holding a CSRF token is refused.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language

from contracts.models import normalize_contract_number
from core import dates, prefetch
from core.kept import ProcessStore
from core.skeleton import EncodedHTML

GENERATION_KEY = "contracts:billing-generation"
# Long enough for a visit (the idle timeout), short enough to keep the cache small.
TIMEOUT = 30 * 60
# Page numbers beyond this are rendered but not kept (no unbounded keys from a URL).
MAX_KEPT_PAGE = 500
# Each process also keeps the fragments it serves most, so that a hit costs no round
# trip: 32 MB of HTML at most (a contract page's figures are 3 to 15 kB).
_local = ProcessStore("contracts.fragments", max_items=20_000, max_bytes=32 * 1024 * 1024)


def generation() -> str:
    """The current billing generation (a new one when the cache has lost it)."""
    global _last_seen
    value = prefetch.get(GENERATION_KEY)  # read with the session, when there is one
    _last_seen = value if value is not None else bump()
    return _last_seen


# The generation this process saw last: a fragment it keeps under it need not be read
# ahead with the next session (``prefetched_keys``).
_last_seen: str | None = None


def bump() -> str:
    """Retire every kept fragment: the billing data has changed."""
    # A timestamp, never a counter: a counter lost by the cache could start again at a
    # value some old fragment was kept under; and a random part, so that two changes at
    # the same instant (a clock stopped in the tests, a coarse one) still differ.
    value = f"{time.time_ns():x}.{secrets.token_hex(4)}"
    prefetch.discard([GENERATION_KEY])
    cache.set(GENERATION_KEY, value, None)
    return value


def data_changed(**kwargs: object) -> None:
    """Billing data changed (also a signal receiver): retire what is kept, now and again
    once the transaction commits, so that nothing rendered from the data as it was before
    the commit outlives it."""
    bump()
    transaction.on_commit(bump)


@functools.cache
def code_fingerprint() -> str:
    """What, besides the data, the kept HTML depends on: templates, catalogues, filters."""
    base = Path(settings.BASE_DIR)
    digest = hashlib.sha256()
    sources = [
        # Every template: other apps' pieces show in the figures too (contracts.signals).
        *sorted((base / "templates").rglob("*.html")),
        *sorted((base / "locale").glob("*/LC_MESSAGES/django.mo")),
        base / "contracts" / "templatetags" / "fr_format.py",
        base / "contracts" / "stats.py",
        base / "contracts" / "models.py",  # choice labels
        base / "contracts" / "views.py",  # what each page loads
    ]
    for path in sources:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def page_number(raw: str | None) -> int | None:
    """The page number to key on, or None when the value should not be kept."""
    if not raw:
        return 1
    if raw.isascii() and raw.isdigit() and 0 < int(raw) <= MAX_KEPT_PAGE:
        return int(raw)
    return None


def fragment_key(
    number: str, page_name: str, page: int, today: datetime.date, language: str
) -> str:
    """Where a page's figures are kept: everything they depend on but the generation,
    which is kept with them (so that the key can be read with the session, before the
    generation is known: ``prefetched_keys``)."""
    return ":".join(
        [
            "contracts:page",
            code_fingerprint(),
            number,
            page_name,
            str(page),
            today.isoformat(),
            language,
        ]
    )


class Fragment:
    """A contract page's figures: where they are kept and how they are loaded on a miss."""

    def __init__(
        self,
        number: str,
        page_name: str,
        load: Callable[[], dict[str, Any]],
        *,
        page: int | None = 1,
        today: datetime.date,
    ) -> None:
        self.load = load
        self.generation = generation()
        self.key = (
            None
            if page is None
            else fragment_key(number, page_name, page, today, get_language() or "")
        )

    def get(self) -> EncodedHTML | None:
        """This process's copy, else the shared cache's (read with the session when the
        page's address was known then), if kept under the current generation."""
        if not self.key:
            return None
        html: EncodedHTML | None = _local.get((self.key, self.generation))
        if html is None:
            kept = prefetch.get(self.key)
            if kept is None or kept[0] != self.generation:
                return None
            html = self._keep_here(kept[1])
        return html

    def keep(self, html: str) -> EncodedHTML:
        if "csrfmiddlewaretoken" in html:
            raise ValueError("A kept fragment must hold nothing of the visitor's (a CSRF token).")
        if self.key:
            cache.set(self.key, (self.generation, html), TIMEOUT)
            return self._keep_here(html)
        return EncodedHTML(html)

    def _keep_here(self, html: str) -> EncodedHTML:
        """This process's copy, as UTF-8 bytes (``core.skeleton``)."""
        encoded = EncodedHTML(html)
        _local.set((self.key, self.generation), encoded, len(encoded.utf8))
        return encoded


# Where each invoice's PDF lies, per contract: the PDF link of a kept page reads no row.
FILES_PREFIX = "contracts:invoice-files:"


def invoice_files(contract: Any) -> dict[str, str]:
    """The stored PDF of each of ``contract``'s invoices, by invoice number ("" when it has
    none), kept under the billing generation like the figures (any invoice saved, deleted
    or imported replaces it): serving a PDF then reads no row, only the file."""
    current = generation()
    key = f"{FILES_PREFIX}{contract.number}"
    files: dict[str, str] | None = _local.get((key, current))
    if files is None:
        kept = prefetch.get(key)
        if kept is not None and kept[0] == current:
            files = kept[1]
        else:
            files = {
                number: pdf or "" for number, pdf in contract.invoices.values_list("number", "pdf")
            }
            cache.set(key, (current, files), TIMEOUT)
        _local.set((key, current), files, sum(len(k) + len(v) for k, v in files.items()))
    return files


# The pages whose figures are kept, by URL name (contracts.urls).
KEPT_PAGES = ("dashboard", "details", "consumption", "invoices", "payments")


@functools.cache
def page_addresses() -> tuple[str, dict[str, str], tuple[str, str]]:
    """The kept pages' addresses as (what comes before the number, {what comes after:
    page}, what comes around the invoice number in a PDF's address), read from the URL
    configuration once per process."""
    marker, invoice = "00000.00000.00", "F-INVOICE-F"
    prefixes, pages = set(), {}
    for name in KEPT_PAGES:
        before, _, after = reverse(f"contracts:{name}", args=[marker]).partition(marker)
        prefixes.add(before)
        pages[after] = name
    before, _, after = reverse("contracts:invoice_pdf", args=[marker, invoice]).partition(marker)
    prefixes.add(before)
    pdf_before, _, pdf_after = after.partition(invoice)
    if len(prefixes) != 1:
        raise ValueError(f"the contract pages no longer share a prefix: {prefixes}")
    return prefixes.pop(), pages, (pdf_before, pdf_after)


def prefetched_keys(account_id: str) -> list[str]:
    """Read with the session (``core.prefetch``): the figures of the contract page this
    request asks for, if it is one, or where the PDFs of its invoices lie, for an
    invoice's PDF (the access rule still decides whether either is shown)."""
    where = prefetch.address()
    if where is None:
        return []
    path, query = where
    prefix, pages, (pdf_before, pdf_after) = page_addresses()
    if not path.startswith(prefix):
        return []
    number, slash, rest = path[len(prefix) :].partition("/")
    try:
        number = normalize_contract_number(number)
    except ValueError:
        return []
    after = slash + rest
    name = pages.get(after)
    if name is None:
        if not (after.startswith(pdf_before) and after.endswith(pdf_after)):
            return []
        key = f"{FILES_PREFIX}{number}"
    else:
        page = page_number((parse_qs(query).get("page") or [""])[-1])
        if page is None:
            return []
        key = fragment_key(number, name, page, dates.today(), get_language() or "")
    if _local.get((key, _last_seen)) is not None:
        return []  # kept here already (read from the cache only if the generation changed)
    return [key]


def figures(
    contract: Any,
    page_name: str,
    load: Callable[[], dict[str, Any]],
    *,
    today: datetime.date,
    raw_page: str | None = None,
) -> EncodedHTML:
    """The tabs and figures of a contract page: kept HTML, or ``load()`` rendered into the
    page template's ``figures`` partial (without the request) and then kept."""
    fragment = Fragment(contract.number, page_name, load, page=page_number(raw_page), today=today)
    html = fragment.get()
    if html is None:
        context = {
            "contract": contract,
            "page_name": f"contracts:{page_name}",
            "partial": f"contracts/{page_name}.html#figures",
            **load(),
        }
        # Rendered from our templates with autoescaping (kept so, and shown so).
        html = fragment.keep(render_to_string("contracts/_figures.html", context))
    return html


def connect_signals() -> None:
    from contracts.models import (
        AccountPayerLink,
        Contract,
        Invoice,
        MeterReading,
        Payer,
        Payment,
        ServiceDocument,
    )

    # AccountPayerLink: the lists of visible contracts are kept under the generation too.
    for model in (
        Payer,
        Contract,
        MeterReading,
        Invoice,
        Payment,
        ServiceDocument,
        AccountPayerLink,
    ):
        post_save.connect(data_changed, sender=model, dispatch_uid=f"fragments-{model.__name__}")
        post_delete.connect(
            data_changed, sender=model, dispatch_uid=f"fragments-del-{model.__name__}"
        )
