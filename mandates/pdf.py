"""The signed SEPA mandate, a tagged PDF (``core.pdf``) in French.

It carries the full IBAN: a mandate identifies the account to debit, and this document is
what the Régie keeps as proof of the debtor's authorisation (and what the debtor keeps).
It is therefore a private file, served only to its signer (after re-authentication) and to
staff allowed to open it (recorded in the audit trail); pages show the IBAN masked.
"""

from __future__ import annotations

from django.utils import timezone

from core.identity import REGIE
from core.pdf import TaggedDocument
from mandates import bank
from mandates.models import DebitPlan, Mandate

TITLE = "Mandat de prélèvement SEPA"

# The wording of the standard French SEPA mandate (EPC, Rulebook SDD Core, annex).
AUTHORISATION = (
    "En signant ce formulaire de mandat, vous autorisez (A) {creditor} à envoyer des "
    "instructions à votre banque pour débiter votre compte, et (B) votre banque à débiter "
    "votre compte conformément aux instructions de {creditor}."
)
RIGHTS = (
    "Vous bénéficiez du droit d'être remboursé par votre banque selon les conditions "
    "décrites dans la convention que vous avez passée avec elle. Une demande de "
    "remboursement doit être présentée dans les 8 semaines suivant la date de débit de "
    "votre compte pour un prélèvement autorisé, et au plus tard dans les 13 mois en cas de "
    "prélèvement non autorisé."
)
RIGHTS_NOTE = (
    "Vos droits concernant le présent mandat sont expliqués dans un document que vous "
    "pouvez obtenir auprès de votre banque."
)


def legal_wording() -> list[str]:
    return [AUTHORISATION.format(creditor=REGIE.name), RIGHTS, RIGHTS_NOTE]


def plan_words(mandate: Mandate) -> str:
    if mandate.plan == DebitPlan.MONTHLY:
        return f"Mensualisation : prélèvement le {mandate.debit_day} de chaque mois"
    return "À chaque facture, à sa date limite de paiement"


def mandate_pdf(mandate: Mandate, iban: str) -> bytes:
    """The mandate as signed; ``iban`` is the clear IBAN (never stored in clear)."""
    signed = timezone.localtime(mandate.signed_at)
    pdf = TaggedDocument(TITLE)
    pdf.heading(TITLE)
    pdf.pairs(
        [
            ("Référence unique du mandat (RUM)", mandate.rum),
            ("Identifiant créancier SEPA (ICS)", mandate.creditor_id),
            ("Type de paiement", "Paiement récurrent / répétitif"),
            ("Contrat d'abonnement", mandate.contract.number),
            ("Modalité", plan_words(mandate)),
        ]
    )
    pdf.ln(2)
    pdf.heading("Créancier", level=2)
    pdf.pairs(
        [
            ("Nom", REGIE.name),
            ("Adresse", f"{REGIE.head_office} ({REGIE.postal_address})"),
        ]
    )
    pdf.ln(2)
    pdf.heading("Débiteur", level=2)
    pdf.pairs(
        [
            ("Nom", mandate.holder_name),
            ("Adresse", " ".join(mandate.holder_address.split())),
            ("IBAN", bank.format_iban(iban)),
            ("BIC", mandate.bic or "-"),
        ]
    )
    pdf.ln(2)
    for text in legal_wording():
        pdf.paragraph(text)
    pdf.heading("Signature", level=2)
    pdf.pairs(
        [
            ("Signé à", mandate.signed_place),
            ("Le", f"{signed:%d/%m/%Y} à {signed:%H:%M:%S} (heure de Paris)"),
            (
                "Signature",
                "Signature électronique : consentement donné par le titulaire du compte "
                f"{mandate.user.email} dans son Espace abonné, après saisie de son mot de passe",
            ),
        ]
    )
    return bytes(pdf.output())
