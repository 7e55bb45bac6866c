"""PDFs of the demo data (demo invoices, demo règlement de service).

Real invoices come from the billing system; these only make the demo data complete. They
are tagged PDFs in French, drawn with ``core.pdf.TaggedDocument`` (see there how). Every
invoice also has an HTML page (contracts:invoice) with the same figures.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from core.pdf import TaggedDocument as _Document

if TYPE_CHECKING:
    from contracts.models import Invoice


def _euros(amount: Decimal | None) -> str:
    if amount is None:
        return "-"
    whole, _, cents = f"{amount:.2f}".partition(".")
    groups = f"{int(whole):,}".replace(",", " ")
    return f"{groups},{cents} EUR"


def invoice_pdf(invoice: Invoice, key: str | None = None, paid: Decimal | None = None) -> bytes:
    """A one-page invoice in French, from the invoice's row as the pages show it.

    ``key`` is printed when given (the contract key); ``paid`` is what was already paid.
    """
    contract = invoice.contract
    payer = contract.payer
    pdf = _Document(f"Facture {invoice.number}")
    pdf.heading(f"Facture d'eau n° {invoice.number}")
    parties = [("Redevable", f"{payer.name} ({payer.reference})")]
    if payer.address:
        parties.append(("Adresse de facturation", payer.address))
    parties += [
        ("Contrat", contract.number),
        ("Lieu desservi", contract.service_address or "-"),
        ("Compteur", contract.meter_number or "-"),
    ]
    pdf.pairs(parties)
    pdf.ln(2)
    figures = [("Date d'émission", f"{invoice.issue_date:%d/%m/%Y}")]
    if invoice.period_start and invoice.period_end:
        figures.append(
            (
                "Période facturée",
                f"du {invoice.period_start:%d/%m/%Y} au {invoice.period_end:%d/%m/%Y}",
            )
        )
    if invoice.volume_m3 is not None:
        volume = f"{invoice.volume_m3.normalize():f}".replace(".", ",")
        figures.append(("Volume consommé", f"{volume} m3"))
    figures += [
        ("Montant hors taxes", _euros(invoice.amount_excl_tax)),
        ("Montant TTC", _euros(invoice.amount_incl_tax)),
        *([("Déjà payé", _euros(paid))] if paid is not None else []),
        ("Reste à payer", _euros(invoice.amount_due)),
        ("Date limite de paiement", f"{invoice.due_date:%d/%m/%Y}"),
    ]
    pdf.pairs(figures)
    pdf.ln(4)
    # Never promise a key the page does not carry.
    where = "la clé imprimée ci-dessous" if key else "la clé imprimée sur votre dernière facture"
    pdf.paragraph(
        "Retrouvez vos factures, vos consommations et vos paiements dans votre Espace "
        "abonné. Pour lier ce contrat à votre compte (« Lier un contrat »), saisissez le "
        f"numéro de contrat {contract.number} et {where}."
    )
    if key:
        pdf.pairs([("Clé du contrat", key)])
    return bytes(pdf.output())


def document_pdf(title: str, applies_from: str, paragraphs: list[str]) -> bytes:
    pdf = _Document(title)
    pdf.heading(title)
    pdf.paragraph(f"Applicable à compter du {applies_from}.")
    for text in paragraphs:
        pdf.paragraph(text)
    return bytes(pdf.output())
