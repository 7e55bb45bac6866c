"""Tagged PDFs made by the portal: the signed SEPA mandate, the attestation d'abonnement,
and the demo invoices and règlement (demo/pdf.py).

fpdf2's core fonts cover Latin-1, which is all French needs once typographic quotes, dashes
and the euro sign are spelled plainly. Documents carry a title (shown by viewers in place
of the file name) and the language "fr", and they are tagged PDFs: a structure tree gives
screen readers the reading order and the role of each piece of text.

The tree under /Document follows the reading order: /H1 for the heading, /P for each
paragraph, and label/value pairs as two-column tables (/Table, /TR, a /TH with /Scope /Row
for the label, a /TD for the value). Every text drawn on a page sits in a marked-content
sequence (BDC ... EMC with an MCID) owned by exactly one element, and the page's
/StructParents entry leads from each MCID back to it through the ParentTree. A paragraph
cut by a page break continues in a new sequence on the next page, referenced by a
marked-content reference (/MCR) from the same element.

The letterhead and the legal footer repeat on every page: they are pagination artifacts
(/Artifact BDC ... EMC), which screen readers skip, as PDF/UA asks of running heads and
feet (ISO 14289-1, 7.8), rather than tagged once on the first page, which would put the
Régie's address before the title in the reading order. The Régie stays named in the
document's properties (author), and its details are on the portal's contact page.

fpdf2 2.8 only tags images (a flat list of /Figure under /Document); the nesting, the
continuation across pages and the artifacts are built here on its structure-tree classes,
which fpdf2 documents as internal: tests/demo/test_pdf.py, tests/mandates and
tests/selfservice/test_attestation_pdf.py parse the output, so an fpdf2 upgrade that
changes them fails loudly. fpdf2 is a runtime dependency: the mandates and the
attestations are made in production.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from fpdf import FPDF, ViewerPreferences
from fpdf.output import PDFPage
from fpdf.structure_tree import StructElem, StructureTreeBuilder
from fpdf.syntax import Name, PDFObject

from core.identity import REGIE

_PLAIN = str.maketrans({"’": "'", "‘": "'", "–": "-", "—": "-", "€": "EUR", "\u202f": " "})


def plain(text: str) -> str:
    """``text`` in the core fonts' Latin-1 (typographic signs spelled plainly)."""
    return text.translate(_PLAIN).encode("latin-1", "replace").decode("latin-1")


# --- Structure tree -------------------------------------------------------------------------


def euros(amount: Decimal | None) -> str:
    """``1 234,50 EUR`` (the core fonts have no euro sign)."""
    if amount is None:
        return "-"
    whole, _, cents = f"{amount:.2f}".partition(".")
    groups = f"{int(whole):,}".replace(",", " ")
    return f"{groups},{cents} EUR"


class _Element(StructElem):
    """A structure element that may carry attributes (/A), e.g. a table header's scope."""

    __slots__ = ("a",)
    # /Pg: the page of the first MCID. fpdf2's StructElem only ever assigns None to it in
    # __init__, so its inferred type is None; this is the type it really holds.
    pg: PDFPage | None  # type: ignore[assignment]

    def __init__(self, struct_type: str, parent: PDFObject, page_number: int, a: str | None):
        super().__init__(struct_type=struct_type, parent=parent, kids=[], page_number=page_number)
        self.a = a


class _ContentReference:
    """A marked-content reference (/MCR): an MCID on another page than the element's /Pg.

    Serialized by fpdf2's PDFArray when the element's /K is written, once pages have ids.
    """

    def __init__(self, page: PDFPage, mcid: int) -> None:
        self.page = page
        self.mcid = mcid

    def serialize(self, **_: object) -> str:
        return f"<</Type /MCR /Pg {self.page.ref} /MCID {self.mcid}>>"


class _Tree(StructureTreeBuilder):
    """fpdf2's builder, with nested elements and several marked-content sequences each.

    fpdf2's output only reads ``struct_tree_root``, ``doc_struct_elem.k`` (it sets /Pg on
    each of these from ``page_number()``), ``empty()`` and iteration (every object to
    write, the root first); the ParentTree maps each page's /StructParents number to the
    list of elements owning its MCIDs 0, 1, 2...
    """

    def add(
        self, struct_type: str, parent: StructElem, page_number: int, a: str | None = None
    ) -> _Element:
        element = _Element(struct_type, parent, page_number, a)
        parent.k.append(element)
        return element

    def mark(self, element: _Element, page_number: int, page: PDFPage) -> tuple[int, int]:
        """A new MCID on this page, owned by ``element``; returns it with the page's key."""
        key = self.spid_per_page_number.setdefault(page_number, len(self.spid_per_page_number))
        owners = self.struct_tree_root.parent_tree.nums[key]
        mcid = len(owners)
        owners.append(element)
        if element.pg is None:
            element.pg = page
        element.k.append(mcid if element.pg is page else _ContentReference(page, mcid))
        return mcid, key

    def next_mcid_for_page(self, page_number: int) -> int:
        # Kept right for fpdf2's own callers (image alt texts), which count differently.
        key = self.spid_per_page_number.get(page_number)
        return 0 if key is None else len(self.struct_tree_root.parent_tree.nums[key])

    def __iter__(self) -> Iterator[PDFObject]:
        yield self.struct_tree_root
        yield self.doc_struct_elem
        yield self.struct_tree_root.parent_tree
        yield from _descendants(self.doc_struct_elem)


def _descendants(element: StructElem) -> Iterator[StructElem]:
    for kid in element.k:
        if isinstance(kid, StructElem):
            yield kid
            yield from _descendants(kid)


class _TabbedPage(PDFPage):
    """A page whose dictionary says /Tabs /S: keyboard focus follows the structure order.

    Only pages with annotations need it (PDF/UA 7.18.3) and ours have none; it costs
    nothing and stays right if a link is ever added. fpdf2 serializes every attribute it
    finds with dir(), class attributes included; no new slot, so __class__ may be swapped.
    """

    __slots__ = ()
    tabs = Name("S")


# --- Document ------------------------------------------------------------------------------


class TaggedDocument(FPDF):
    """An A4 document in French with a title, the Régie's letterhead and footer as
    artifacts, and ``heading``, ``pairs`` and ``paragraph`` drawn as tagged elements."""

    def __init__(self, title: str) -> None:
        super().__init__(format="A4")
        self.set_title(plain(title))
        self.set_author(plain(REGIE.name))
        self.set_creator(plain(f"{REGIE.portal_name} - {REGIE.name}"))
        self.set_lang("fr")
        # PDF/UA asks viewers to show the title, not the file name, in their title bar.
        self.viewer_preferences = ViewerPreferences(display_doc_title=True)
        # /MarkInfo and the structure tree need PDF 1.4, /Tabs 1.5.
        self._set_min_pdf_version("1.5")
        self.struct_builder = self._tree = _Tree()
        self._parents: list[StructElem] = [self._tree.doc_struct_elem]
        self._open: _Element | None = None  # the element whose sequence is open
        self.set_auto_page_break(auto=True, margin=20)
        self.add_page()

    def add_page(self, *args: Any, **kwargs: Any) -> None:
        super().add_page(*args, **kwargs)
        self.pages[self.page].__class__ = _TabbedPage

    # Marked content. A page break calls footer() on the old page and header() on the new
    # one, possibly while a paragraph is being drawn: its sequence is closed before the
    # footer and reopened, with a new MCID, after the header.

    @contextmanager
    def _group(self, struct_type: str) -> Iterator[None]:
        """Elements created inside are the kids of a new element (a table, a row)."""
        self._parents.append(self._tree.add(struct_type, self._parents[-1], self.page))
        yield
        self._parents.pop()

    @contextmanager
    def _content(self, struct_type: str, a: str | None = None) -> Iterator[None]:
        """What is drawn inside is the content of a new element (a heading, a cell)."""
        self._open = self._tree.add(struct_type, self._parents[-1], self.page, a)
        self._begin_sequence()
        yield
        self._out("EMC")
        self._open = None

    def _begin_sequence(self) -> None:
        assert self._open is not None
        page = self.pages[self.page]
        mcid, key = self._tree.mark(self._open, self.page, page)
        page.struct_parents = key  # where the ParentTree lists this page's MCIDs
        self._out(f"{self._open.s} <</MCID {mcid}>> BDC")

    @contextmanager
    def _artifact(self, subtype: str) -> Iterator[None]:
        self._out(f"/Artifact <</Type /Pagination /Subtype /{subtype}>> BDC")
        yield
        self._out("EMC")

    def header(self) -> None:
        with self._artifact("Header"):
            self.set_font("helvetica", "B", 14)
            self.cell(0, 8, plain(REGIE.name), new_x="LMARGIN", new_y="NEXT")
            self.set_font("helvetica", size=9)
            self.cell(0, 5, plain(REGIE.head_office), new_x="LMARGIN", new_y="NEXT")
            self.cell(
                0,
                5,
                plain(f"{REGIE.phone} - {REGIE.email} - {REGIE.website}"),
                new_x="LMARGIN",
                new_y="NEXT",
            )
        self.ln(6)
        if self._open is not None:
            self._begin_sequence()

    def footer(self) -> None:
        if self._open is not None:
            self._out("EMC")
        self.set_y(-15)
        with self._artifact("Footer"):
            self.set_font("helvetica", size=8)
            self.cell(
                0,
                5,
                plain(f"{REGIE.name} - SIRET {REGIE.siret_water} - TVA {REGIE.vat_number}"),
                align="C",
            )

    def heading(self, text: str, level: int = 1) -> None:
        """The title (/H1), or a section's heading (/H2)."""
        self.set_font("helvetica", "B", 16 if level == 1 else 12)
        with self._content(f"/H{level}"):
            self.multi_cell(0, 9 if level == 1 else 7, plain(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(3 if level == 1 else 1)

    def pairs(self, rows: list[tuple[str, str]]) -> None:
        """Labels in bold, values beside them: a table of two columns, one row per pair."""
        with self._group("/Table"):
            for label, value in rows:
                with self._group("/TR"):
                    self.set_font("helvetica", "B", 10)
                    with self._content("/TH", a="<</O /Table /Scope /Row>>"):
                        self.cell(70, 6, plain(label))
                    self.set_font("helvetica", size=10)
                    with self._content("/TD"):
                        self.multi_cell(0, 6, plain(value), new_x="LMARGIN", new_y="NEXT")

    def paragraph(self, text: str) -> None:
        self.set_font("helvetica", size=10)
        with self._content("/P"):
            self.multi_cell(0, 5, plain(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(2)
