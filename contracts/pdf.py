"""PDFs the portal generates itself (demo invoices, demo règlement de service).

Real invoices come from the billing system; these only make the demo data complete. fpdf2's
core fonts cover Latin-1, which is all French needs once typographic quotes, dashes and the
euro sign are spelled plainly. Documents carry a title (shown by viewers in place of the
file name) and the language "fr"; fpdf2 2.8 does not produce a structure tree (tagged PDF)
for text, so every invoice also has an HTML page (contracts:invoice) with the same figures.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from fpdf import FPDF, ViewerPreferences

from portal.identity import REGIE

if TYPE_CHECKING:
    from contracts.models import Invoice

_PLAIN = str.maketrans({"’": "'", "‘": "'", "–": "-", "—": "-", "€": "EUR", "\u202f": " "})


def _plain(text: str) -> str:
    return text.translate(_PLAIN).encode("latin-1", "replace").decode("latin-1")


def _euros(amount: Decimal | None) -> str:
    if amount is None:
        return "-"
    whole, _, cents = f"{amount:.2f}".partition(".")
    groups = f"{int(whole):,}".replace(",", " ")
    return f"{groups},{cents} EUR"


class _Document(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(format="A4")
        self.set_title(_plain(title))
        self.set_author(_plain(REGIE.name))
        self.set_creator(_plain(f"{REGIE.portal_name} - {REGIE.name}"))
        self.set_lang("fr")
        # PDF/UA asks viewers to show the title, not the file name, in their title bar.
        self.viewer_preferences = ViewerPreferences(display_doc_title=True)
        self.set_auto_page_break(auto=True, margin=20)
        self.add_page()

    def header(self) -> None:
        self.set_font("helvetica", "B", 14)
        self.cell(0, 8, _plain(REGIE.name), new_x="LMARGIN", new_y="NEXT")
        self.set_font("helvetica", size=9)
        self.cell(0, 5, _plain(REGIE.head_office), new_x="LMARGIN", new_y="NEXT")
        self.cell(
            0,
            5,
            _plain(f"{REGIE.phone} - {REGIE.email} - {REGIE.website}"),
            new_x="LMARGIN",
            new_y="NEXT",
        )
        self.ln(6)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("helvetica", size=8)
        self.cell(
            0,
            5,
            _plain(f"{REGIE.name} - SIRET {REGIE.siret_water} - TVA {REGIE.vat_number}"),
            align="C",
        )

    def heading(self, text: str) -> None:
        self.set_font("helvetica", "B", 16)
        self.multi_cell(0, 9, _plain(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(3)

    def line_pair(self, label: str, value: str) -> None:
        self.set_font("helvetica", "B", 10)
        self.cell(70, 6, _plain(label))
        self.set_font("helvetica", size=10)
        self.multi_cell(0, 6, _plain(value), new_x="LMARGIN", new_y="NEXT")

    def paragraph(self, text: str) -> None:
        self.set_font("helvetica", size=10)
        self.multi_cell(0, 5, _plain(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(2)


def invoice_pdf(invoice: Invoice, key: str | None = None) -> bytes:
    """A one-page invoice in French; ``key`` is printed when given (new contract key)."""
    contract = invoice.contract
    payer = contract.payer
    pdf = _Document(f"Facture {invoice.number}")
    pdf.heading(f"Facture d'eau n° {invoice.number}")
    pdf.line_pair("Redevable", f"{payer.name} ({payer.reference})")
    if payer.address:
        pdf.line_pair("Adresse de facturation", payer.address)
    pdf.line_pair("Contrat", contract.number)
    pdf.line_pair("Lieu desservi", contract.service_address or "-")
    pdf.line_pair("Compteur", contract.meter_number or "-")
    pdf.ln(2)
    pdf.line_pair("Date d'émission", f"{invoice.issue_date:%d/%m/%Y}")
    if invoice.period_start and invoice.period_end:
        pdf.line_pair(
            "Période facturée",
            f"du {invoice.period_start:%d/%m/%Y} au {invoice.period_end:%d/%m/%Y}",
        )
    if invoice.volume_m3 is not None:
        volume = f"{invoice.volume_m3.normalize():f}".replace(".", ",")
        pdf.line_pair("Volume consommé", f"{volume} m3")
    pdf.line_pair("Montant hors taxes", _euros(invoice.amount_excl_tax))
    pdf.line_pair("Montant TTC", _euros(invoice.amount_incl_tax))
    pdf.line_pair("Reste à payer", _euros(invoice.amount_due))
    pdf.line_pair("Date limite de paiement", f"{invoice.due_date:%d/%m/%Y}")
    pdf.ln(4)
    pdf.paragraph(
        "Retrouvez vos factures, vos consommations et vos paiements dans votre espace "
        f"abonné. Pour lier ce contrat à votre compte, saisissez le numéro de contrat "
        f"{contract.number} et la clé imprimée ci-dessous."
    )
    if key:
        pdf.line_pair("Clé du contrat", key)
    return bytes(pdf.output())


def document_pdf(title: str, applies_from: str, paragraphs: list[str]) -> bytes:
    pdf = _Document(title)
    pdf.heading(title)
    pdf.paragraph(f"Applicable à compter du {applies_from}.")
    for text in paragraphs:
        pdf.paragraph(text)
    return bytes(pdf.output())
