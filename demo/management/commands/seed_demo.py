"""manage.py seed_demo: realistic demo data, safe to run again (``make run`` calls it).

Three payers of the Pays d'Aix, five contracts (one payer with two addresses, one with a
terminated contract), three years of half-yearly readings, invoices with PDF files,
payments (three invoices left unpaid: one to be debited, one overdue to pay online by
card, one overdue on a monthly plan), the règlement de service, a meter reading period
open for Aix-en-Provence (13100, "Transmettre mon index"), and a
verified subscriber account. Contract keys are fixed and printed: only their hashes are
stored, so the demo could not print them otherwise. Keys and the demo password are set when
created (Argon2 costs ~0.3 s per hash, checking them on every run would be slow); pass
``--reset`` to set them again after an agent changed one.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from contracts.models import (
    Contract,
    ContractStatus,
    DocumentKind,
    Invoice,
    MeterReading,
    Payer,
    Payment,
    PaymentMethod,
    ReadingKind,
    ServiceDocument,
)
from demo.pdf import document_pdf, invoice_pdf
from demo.rules import half_years, invoice_amounts, invoice_dates, tariff_lines
from inquiries.models import Commune
from readings.models import ReadingWindow

DEMO_EMAIL = "demo@eauxdupaysdaix.fr"
DEMO_PASSWORD = "Source!Claire7"  # noqa: S105 - documented demo account
DEMO_YEARS = 3  # of half-yearly readings

PAYERS = [
    (
        "DEMO-001",
        "Marie Dupont",
        "marie.dupont@example.fr",
        "06 12 34 56 78",
        "12 cours Mirabeau\n13100 Aix-en-Provence",
    ),
    (
        "DEMO-002",
        "Jean Martin",
        "jean.martin@example.fr",
        "04 42 51 00 00",
        "8 boulevard Carnot\n13120 Gardanne",
    ),
    (
        "DEMO-003",
        "SCI Les Oliviers",
        "gestion@sci-oliviers.example.fr",
        "",
        "45 rue Voltaire\n84120 Pertuis",
    ),
]


@dataclass(frozen=True)
class DemoContract:
    number: str
    payer: str
    key: str
    street: str
    postcode: str
    city: str
    meter: str
    usage: str
    method: str
    start: datetime.date
    end: datetime.date | None = None
    half_year_m3: int = 45


CONTRACTS = [
    DemoContract(
        "11301.11377.01",
        "DEMO-001",
        "DEMO-AIX1",
        "12 cours Mirabeau",
        "13100",
        "Aix-en-Provence",
        "A19-0042117",
        "Domestique",
        PaymentMethod.DIRECT_DEBIT,
        datetime.date(2012, 3, 1),
        half_year_m3=48,
    ),
    DemoContract(
        "11301.11377.02",
        "DEMO-001",
        "DEMO-VEN2",
        "Chemin de la Colline",
        "13770",
        "Venelles",
        "A21-0107730",
        "Résidence secondaire",
        PaymentMethod.CARD,
        datetime.date(2019, 6, 15),
        half_year_m3=17,
    ),
    DemoContract(
        "21304.20511.01",
        "DEMO-002",
        "DEMO-GAR1",
        "8 boulevard Carnot",
        "13120",
        "Gardanne",
        "B17-0099001",
        "Domestique",
        PaymentMethod.MONTHLY_PLAN,
        datetime.date(2016, 9, 1),
        half_year_m3=62,
    ),
    DemoContract(
        "21304.20511.02",
        "DEMO-002",
        "DEMO-MEY2",
        "Route de Gardanne",
        "13590",
        "Meyreuil",
        "B15-0031452",
        "Domestique",
        PaymentMethod.CHEQUE,
        datetime.date(2010, 1, 1),
        end=None,
        half_year_m3=40,
    ),
    DemoContract(
        "31208.30452.01",
        "DEMO-003",
        "DEMO-PER1",
        "45 rue Voltaire",
        "84120",
        "Pertuis",
        "C20-0204455",
        "Professionnel",
        PaymentMethod.TRANSFER,
        datetime.date(2020, 1, 1),
        half_year_m3=120,
    ),
]
KINDS = [
    ReadingKind.REAL,
    ReadingKind.ESTIMATED,
    ReadingKind.REAL,
    ReadingKind.SELF,
    ReadingKind.REMOTE,
    ReadingKind.REAL,
    ReadingKind.ESTIMATED,
]

REGULATIONS = [
    "Le présent règlement définit les conditions dans lesquelles la Régie des Eaux du Pays "
    "d'Aix assure la distribution de l'eau potable et la collecte des eaux usées.",
    "Article 1 - Abonnement. Toute personne souhaitant être alimentée en eau souscrit un "
    "contrat d'abonnement auprès de la Régie.",
    "Article 2 - Relevés. Le compteur est relevé au moins une fois par an; en l'absence de "
    "relevé, la consommation est estimée puis régularisée au relevé suivant.",
    "Article 3 - Paiement. Les factures sont payables à la date limite indiquée, par "
    "prélèvement, mensualisation, carte bancaire, virement ou chèque.",
]


def _save_pdf(field: Any, name: str, content: bytes) -> None:
    """Write the PDF under a fixed name (replacing a leftover of an earlier database)."""
    field.storage.delete(name)
    field.name = field.storage.save(name, ContentFile(content))
    field.instance.save(update_fields=[field.field.name])


class Command(BaseCommand):
    help = "Create or refresh the demo data (payers, contracts, history, demo account)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Set the documented contract keys and demo password again.",
        )

    def handle(self, *args: Any, reset: bool = False, **options: Any) -> None:
        today = timezone.localdate()
        self.reset = reset
        with transaction.atomic():
            payers = self._payers()
            contracts = self._contracts(payers, today)
            for contract, spec in contracts:
                self._history(contract, spec, today)
            self._documents()
            self._reading_window(today)
            self._demo_user()
        self._print(contracts)

    def _payers(self) -> dict[str, Payer]:
        payers = {}
        for reference, name, email, phone, address in PAYERS:
            payers[reference], _ = Payer.objects.update_or_create(
                reference=reference,
                defaults={"name": name, "email": email, "phone": phone, "address": address},
            )
        return payers

    def _contracts(
        self, payers: dict[str, Payer], today: datetime.date
    ) -> list[tuple[Contract, DemoContract]]:
        result = []
        for spec in CONTRACTS:
            terminated = spec.number == "21304.20511.02"
            contract, _ = Contract.objects.update_or_create(
                number=spec.number,
                defaults={
                    "payer": payers[spec.payer],
                    "status": ContractStatus.TERMINATED if terminated else ContractStatus.ACTIVE,
                    "start_date": spec.start,
                    "end_date": datetime.date(today.year - 1, 6, 30) if terminated else None,
                    "street": spec.street,
                    "postcode": spec.postcode,
                    "city": spec.city,
                    "meter_number": spec.meter,
                    "usage": spec.usage,
                    "payment_method": spec.method,
                    "paperless": spec.payer == "DEMO-001",
                },
            )
            if self.reset or not contract.has_key:
                contract.set_key(spec.key)
                contract.save(update_fields=["key_hash"])
            result.append((contract, spec))
        return result

    def _history(self, contract: Contract, spec: DemoContract, today: datetime.date) -> None:
        dates = half_years(today, DEMO_YEARS)
        if contract.end_date:
            dates = [d for d in dates if d <= contract.end_date]
        index = Decimal(1000 + spec.half_year_m3 * 20)
        previous: datetime.date | None = None
        last_invoice: Invoice | None = None
        for position, date in enumerate(dates):
            # Summers use more water than winters; a little variation per contract.
            volume = Decimal(spec.half_year_m3 + (7 if date.month == 7 else -3) + position % 3)
            index += volume
            MeterReading.objects.update_or_create(
                contract=contract,
                date=date,
                defaults={"index": index.quantize(Decimal("0.001")), "kind": KINDS[position]},
            )
            if previous is not None:
                last_invoice = self._invoice(contract, previous, date, volume)
            previous = date
        if last_invoice is not None:
            self._leave_unpaid(contract, last_invoice, today)
        self._invoice_pdfs(contract, spec)

    def _invoice_pdfs(self, contract: Contract, spec: DemoContract) -> None:
        """Each invoice's PDF from its final row (amount due, due date, payments), written
        again at every run so that it never tells another story than the pages. The key is
        printed while it is still the documented one (not after a subscriber changed it)."""
        key = spec.key if contract.check_key(spec.key) else None
        for invoice in contract.invoices.select_related("contract__payer"):
            paid = sum((p.amount for p in invoice.payments.all()), Decimal(0))
            _save_pdf(
                invoice.pdf,
                f"invoices/{invoice.issue_date:%Y}/{invoice.number}.pdf",
                invoice_pdf(invoice, key=key, paid=paid),
            )

    def _invoice(
        self, contract: Contract, start: datetime.date, end: datetime.date, volume: Decimal
    ) -> Invoice:
        excl, incl = invoice_amounts(volume)
        issue, due = invoice_dates(end)
        number = f"F{end:%Y%m}-{contract.number[:5]}{contract.number[-2:]}"
        invoice, _ = Invoice.objects.update_or_create(
            number=number,
            defaults={
                "contract": contract,
                "issue_date": issue,
                "due_date": due,
                "period_start": start,
                "period_end": end,
                "volume_m3": volume,
                "amount_excl_tax": excl,
                "amount_incl_tax": incl,
                "amount_due": Decimal("0.00"),
            },
        )
        Payment.objects.update_or_create(
            reference=f"P-{number}",
            defaults={
                "contract": contract,
                "invoice": invoice,
                "date": issue + datetime.timedelta(days=20),
                "amount": incl,
                "method": contract.payment_method or PaymentMethod.OTHER,
            },
        )
        return invoice

    def _leave_unpaid(self, contract: Contract, invoice: Invoice, today: datetime.date) -> None:
        """Marie's main contract (direct debit): the last invoice to be debited; her
        Venelles contract (card): the last one overdue, so that "Payer en ligne" can be
        tried against the PayFiP simulator; Jean's: one overdue."""
        if contract.number == "11301.11377.01":
            due = today + datetime.timedelta(days=20)
        elif contract.number == "11301.11377.02":
            due = today - datetime.timedelta(days=5)
        elif contract.number == "21304.20511.01":
            due = today - datetime.timedelta(days=12)
        else:
            return
        Payment.objects.filter(invoice=invoice).delete()
        Invoice.objects.filter(pk=invoice.pk).update(
            amount_due=invoice.amount_incl_tax, due_date=due
        )

    def _documents(self) -> None:
        for kind, title, applies_from in (
            (DocumentKind.REGULATIONS, "Règlement de service", datetime.date(2024, 1, 1)),
            (
                DocumentKind.TARIFFS,
                "Tarifs de l'eau et de l'assainissement",
                datetime.date(datetime.date.today().year, 1, 1),
            ),
        ):
            document, _ = ServiceDocument.objects.get_or_create(
                kind=kind, applies_from=applies_from, defaults={"title": title}
            )
            if not document.pdf.name or not document.pdf.storage.exists(document.pdf.name):
                paragraphs = REGULATIONS if kind == DocumentKind.REGULATIONS else tariff_lines()
                content = document_pdf(title, f"{applies_from:%d/%m/%Y}", paragraphs)
                _save_pdf(document.pdf, f"documents/{kind}-{applies_from:%Y%m%d}.pdf", content)

    def _reading_window(self, today: datetime.date) -> None:
        """A period open today for Aix-en-Provence (13100), so that "Transmettre mon index"
        shows its form on Marie's main contract."""
        # Created by inquiries' migrations; again here after a test database flush.
        commune, _ = Commune.objects.get_or_create(name="Aix-en-Provence", postcode="13100")
        windows = ReadingWindow.objects.filter(commune=commune)
        if not windows.open_on(today).exists():
            windows.create(
                commune=commune,
                opens_on=today - datetime.timedelta(days=3),
                closes_on=today + datetime.timedelta(days=27),
            )

    def _demo_user(self) -> None:
        User = get_user_model()
        user, created = User.objects.get_or_create(email=DEMO_EMAIL)
        if created or self.reset or not user.has_usable_password():
            user.set_password(DEMO_PASSWORD)
            user.save()
        if apps.is_installed("allauth.account"):
            from allauth.account.models import EmailAddress

            EmailAddress.objects.update_or_create(
                user=user, email=DEMO_EMAIL, defaults={"verified": True, "primary": True}
            )

    def _print(self, contracts: list[tuple[Contract, DemoContract]]) -> None:
        write = self.stdout.write
        write(self.style.SUCCESS("Données de démonstration prêtes."))
        write(f"  Compte abonné : {DEMO_EMAIL} / mot de passe : {DEMO_PASSWORD}")
        write("  Contrats (numéro, clé, lieu desservi, redevable) :")
        for contract, spec in contracts:
            state = " [résilié]" if contract.status == ContractStatus.TERMINATED else ""
            write(
                f"    {contract.number}  clé {spec.key}  {contract.service_address}"
                f"  ({contract.payer.name}){state}"
            )
        write("  (clés et mot de passe changés depuis ? « seed_demo --reset » les rétablit)")
