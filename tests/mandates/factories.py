"""Mandates and moves out, signed or filed through the services as the views do."""

import datetime

from django.utils import timezone

from mandates import services
from mandates.models import DebitPlan, Mandate, MoveOut

IBAN_FR = "FR7630006000011234567890189"
IBAN_FR_TYPED = "fr76 3000 6000 0112 3456 7890 189"
IBAN_FR_MASKED = "FR76 •••• •••• •••• •••• •••• 189"
IBAN_DE = "DE89370400440532013000"
# The middle of the French IBAN: found in no page, email or log.
IBAN_SECRET_PART = "0112345678901"


def sign(contract, user, iban=IBAN_FR, plan=DebitPlan.EACH_INVOICE, day=None) -> Mandate:
    details = services.MandateDetails(
        holder_name="Marie Dupont",
        holder_address="12 cours Mirabeau\n13100 Aix-en-Provence",
        iban=iban,
        bic="",
        plan=plan,
        debit_day=day,
    )
    return services.sign_mandate(contract, details, user=user, ip="203.0.113.7")


def move_out(contract, user, iban="") -> MoveOut:
    details = services.MoveOutDetails(
        leaving_date=timezone.localdate() + datetime.timedelta(days=10),
        meter_index=250,
        forwarding_address="3 rue des Lilas\n13090 Aix-en-Provence",
        refund_iban=iban,
    )
    return services.file_move_out(contract, details, user=user, photo=None)
