"""The mandate, stop and move-out forms."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from contracts.models import Contract
from inquiries.forms import AttachmentFormMixin, DateInput
from mandates import bank
from mandates.models import DEBIT_DAYS, DebitPlan, leaving_date_bounds


class IbanField(forms.CharField):
    """An IBAN as typed (spaces, lower case), cleaned to its compact form."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 50)
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                {"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
            ),
        )
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        return bank.clean_iban(value) if value else ""


class MandateForm(forms.Form):
    holder_name = forms.CharField(
        label=_("Account holder's name"),
        max_length=70,
        help_text=_("As written on your bank details (RIB)."),
        widget=forms.TextInput({"autocomplete": "name"}),
    )
    holder_address = forms.CharField(
        label=_("Account holder's address"),
        max_length=300,
        help_text=_("Street, postcode and town."),
        widget=forms.Textarea({"rows": 3, "autocomplete": "street-address"}),
    )
    iban = IbanField(
        label=_("IBAN"),
        help_text=_(
            "On your bank details (RIB), for example FR76 3000 6000 0112 3456 7890 189. "
            "Spaces do not matter."
        ),
    )
    bic = forms.CharField(
        label=_("BIC (optional)"),
        max_length=20,
        required=False,
        help_text=_("8 or 11 letters and digits, for example AGRIFRPP."),
        widget=forms.TextInput({"autocomplete": "off", "autocapitalize": "characters"}),
    )
    plan = forms.ChoiceField(
        label=_("When should the Régie debit your account?"),
        choices=DebitPlan.choices,
        widget=forms.RadioSelect,
        initial=DebitPlan.EACH_INVOICE,
    )
    debit_day = forms.TypedChoiceField(
        label=_("Day of the monthly debit"),
        choices=[("", "—"), *[(str(d), str(d)) for d in DEBIT_DAYS]],
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("Only for the monthly plan: the 5th, 10th or 15th of each month."),
    )
    consent = forms.BooleanField(
        label=_(
            "I am the holder of this account (or authorised to use it), I have read the text "
            "above and I sign this direct debit mandate."
        ),
        error_messages={"required": _("Tick this box to sign the mandate.")},
    )

    def clean_holder_name(self) -> str:
        return " ".join(self.cleaned_data["holder_name"].split())

    def clean_bic(self) -> str:
        return bank.clean_bic(self.cleaned_data["bic"])

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("plan") == DebitPlan.MONTHLY and not data.get("debit_day"):
            self.add_error(
                "debit_day", _("Choose the day of the monthly debit: the 5th, 10th or 15th.")
            )
        if data.get("plan") == DebitPlan.EACH_INVOICE:
            data["debit_day"] = None
        return data


class MoveOutForm(AttachmentFormMixin, forms.Form):
    leaving_date = forms.DateField(
        label=_("Date you leave"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=DateInput(),
    )
    meter_index = forms.IntegerField(
        label=_("Meter index on that day, in m³"),
        min_value=0,
        max_value=9_999_999,
        help_text=_("The black figures on your meter, whole cubic metres only."),
        widget=forms.NumberInput({"inputmode": "numeric"}),
    )
    attachment = forms.FileField(
        label=_("Photo of the meter (optional)"),
        required=False,
        help_text=_("JPEG, PNG or PDF, 5 MB at most."),
        widget=forms.ClearableFileInput(attrs={"accept": ".jpg,.jpeg,.png,.pdf"}),
    )
    forwarding_address = forms.CharField(
        label=_("Your new address, for the final invoice"),
        max_length=300,
        widget=forms.Textarea({"rows": 3, "autocomplete": "street-address"}),
    )
    refund_iban = IbanField(
        label=_("IBAN for a refund (optional)"),
        required=False,
        help_text=_(
            "If you have paid in advance, the Régie refunds the difference to this account."
        ),
    )

    def __init__(self, *args: Any, contract: Contract, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.contract = contract
        self.today = timezone.localdate()
        low, high = leaving_date_bounds(self.today)
        self.fields["leaving_date"].help_text = _(
            "Between %(low)s and %(high)s, for example %(example)s."
        ) % {
            "low": date_format(low, "d/m/Y"),
            "high": date_format(high, "d/m/Y"),
            "example": date_format(self.today + datetime.timedelta(days=14), "d/m/Y"),
        }
        self.last_reading = contract.readings.order_by("-date").first()
        if self.last_reading is not None:
            self.fields["meter_index"].help_text = _(
                "The black figures on your meter, whole cubic metres only. Last known "
                "index: %(index)s m³ on %(date)s."
            ) % {
                "index": int(self.last_reading.index),
                "date": date_format(self.last_reading.date, "d/m/Y"),
            }

    def clean_leaving_date(self) -> datetime.date:
        value: datetime.date = self.cleaned_data["leaving_date"]
        low, high = leaving_date_bounds(self.today)
        if value < low:
            raise ValidationError(
                _("This date is more than 7 days ago: call the Régie to declare an older move.")
            )
        if value > high:
            raise ValidationError(
                _("This date is more than 3 months away: come back closer to your move.")
            )
        return value

    def clean_meter_index(self) -> int:
        value: int = self.cleaned_data["meter_index"]
        if self.last_reading is not None and value < int(self.last_reading.index):
            raise ValidationError(
                _(
                    "The index cannot be lower than the last known one (%(index)s m³): "
                    "check the black figures on your meter."
                )
                % {"index": int(self.last_reading.index)}
            )
        return value

    def clean_forwarding_address(self) -> str:
        value = self.cleaned_data["forwarding_address"].strip()
        if len(value) < 10:
            raise ValidationError(_("Give your full new address: street, postcode and town."))
        return value
