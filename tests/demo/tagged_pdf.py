"""Read a tagged PDF as a screen reader would: its structure tree and the marked content.

Built on pypdf (dev only) from the objects themselves, not from what fpdf2 meant to write,
so that the tests of demo/pdf.py catch an fpdf2 upgrade that changes its internals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pypdf import PdfReader
from pypdf.generic import ContentStream, DictionaryObject, IndirectObject

# Operators that put something on the page: each must be in a sequence of a structure
# element or in an artifact.
PAINTING = {b"Tj", b"TJ", b"'", b'"', b"Do", b"sh", b"INLINE IMAGE"}
PAINTING |= {b"S", b"s", b"f", b"F", b"f*", b"B", b"B*", b"b", b"b*"}

MarkedContentId = tuple[int, int]  # (page index, MCID)


@dataclass
class Element:
    type: str
    ref: int  # object number, to compare with the ParentTree
    attributes: dict[str, Any]
    kids: list[Element | MarkedContentId] = field(default_factory=list)

    def elements(self) -> list[Element]:
        return [kid for kid in self.kids if isinstance(kid, Element)]

    def walk(self):
        yield self
        for kid in self.elements():
            yield from kid.walk()


@dataclass
class Sequence:
    tag: str
    mcid: int | None  # None for an artifact
    text: list[str] = field(default_factory=list)


@dataclass
class TaggedPdf:
    reader: PdfReader
    catalog: DictionaryObject
    root: Element | None  # the /Document element
    pages: list[list[Sequence]]  # the marked-content sequences of each page, in order
    unmarked: list[str]  # painting operators outside any sequence

    def content(self, page: int, mcid: int) -> Sequence:
        (sequence,) = [s for s in self.pages[page] if s.mcid == mcid]
        return sequence

    def text(self, element: Element) -> str:
        """The element's text in structure order, as a screen reader reads it."""
        parts = []
        for kid in element.kids:
            if isinstance(kid, Element):
                parts.append(self.text(kid))
            else:
                parts.append(" ".join(self.content(*kid).text))
        return " ".join(part for part in parts if part)

    def artifacts(self, page: int) -> list[Sequence]:
        return [s for s in self.pages[page] if s.tag == "/Artifact"]


def read(data: bytes) -> TaggedPdf:
    from io import BytesIO

    reader = PdfReader(BytesIO(data))
    catalog = reader.trailer["/Root"].get_object()
    page_numbers = {page.indirect_reference.idnum: n for n, page in enumerate(reader.pages)}
    root = None
    if "/StructTreeRoot" in catalog:
        tree = catalog["/StructTreeRoot"].get_object()
        (document,) = _as_list(tree["/K"])
        root = _element(document, page_numbers)
    pages, unmarked = [], []
    for page in reader.pages:
        sequences, outside = _sequences(ContentStream(page.get_contents(), reader))
        pages.append(sequences)
        unmarked += outside
    return TaggedPdf(reader, catalog, root, pages, unmarked)


def parent_tree(pdf: TaggedPdf) -> dict[MarkedContentId, int]:
    """For each (page, MCID), the object number the ParentTree gives as its owner."""
    tree = pdf.catalog["/StructTreeRoot"].get_object()["/ParentTree"].get_object()
    nums = tree["/Nums"]  # flat: fpdf2 writes no /Kids
    owners = {int(nums[i]): nums[i + 1].get_object() for i in range(0, len(nums), 2)}
    found = {}
    for n, page in enumerate(pdf.reader.pages):
        if "/StructParents" in page:
            for mcid, owner in enumerate(owners[int(page["/StructParents"])]):
                found[(n, mcid)] = owner.idnum
    return found


def _as_list(value: Any) -> list[Any]:
    value = value.get_object() if isinstance(value, IndirectObject) else value
    return list(value) if isinstance(value, list) else [value]


def _element(ref: IndirectObject, page_numbers: dict[int, int]) -> Element:
    node = ref.get_object()
    page = node.get("/Pg")
    element = Element(
        type=str(node["/S"]),
        ref=ref.idnum,
        attributes=dict(node.get("/A", {})),
    )
    for kid in _as_list(node.get("/K", [])):
        if isinstance(kid, int):  # an MCID on the element's page
            element.kids.append((page_numbers[page.idnum], int(kid)))
        elif kid.get_object().get("/Type") == "/MCR":
            mcr = kid.get_object()
            kid_page = mcr.get("/Pg", page)
            element.kids.append((page_numbers[kid_page.idnum], int(mcr["/MCID"])))
        else:
            element.kids.append(_element(kid, page_numbers))
    return element


def _sequences(stream: ContentStream) -> tuple[list[Sequence], list[str]]:
    sequences: list[Sequence] = []
    unmarked: list[str] = []
    open_: list[Sequence] = []
    for operands, operator in stream.operations:
        if operator in (b"BDC", b"BMC"):
            properties = operands[1] if operator == b"BDC" else {}
            mcid = properties.get("/MCID") if isinstance(properties, dict) else None
            sequence = Sequence(str(operands[0]), None if mcid is None else int(mcid))
            sequences.append(sequence)
            open_.append(sequence)
        elif operator == b"EMC":
            open_.pop()
        elif operator in PAINTING:
            text = _text(operands, operator)
            if open_:
                open_[-1].text.append(text)
            else:
                unmarked.append(f"{operator.decode()} {text}")
    assert not open_, "a marked-content sequence is never closed"
    return sequences, unmarked


def _text(operands: list[Any], operator: bytes) -> str:
    if operator in (b"Tj", b"'"):
        strings = [operands[0]]
    elif operator == b'"':
        strings = [operands[2]]
    elif operator == b"TJ":
        strings = [part for part in operands[0] if not isinstance(part, int | float)]
    else:
        return ""
    # Core fonts use WinAnsiEncoding; pypdf keeps the raw bytes of every string.
    return "".join(getattr(s, "original_bytes", s).decode("cp1252") for s in strings)
