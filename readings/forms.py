"""The "Transmettre mon index" form and the consumption alert form."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from inquiries.forms import AttachmentFormMixin
from readings.services import MAX_INDEX, Plausibility

# Spaces people type between thousands ("1 234"), ordinary or not.
_BLANKS = re.compile(r"[\s\u00a0\u202f]+")
_DIGITS = re.compile(r"[0-9]+")
_DECIMAL = re.compile(r"[0-9]*[.,][0-9]*")

NOT_WHOLE = _(
    "Enter the index in whole m³, without a comma: only the black digits of the meter "
    "(for example 1234)."
)
NEGATIVE = _("The index cannot be negative: enter the black digits of the meter.")
NOT_A_NUMBER = _("Enter the index with digits only, for example 1234.")
TOO_BIG = _("This index is too large: enter the black digits of the meter only.")
BELOW_LAST = _(
    "This index (%(index)s m³) is lower than the last reading of your meter "
    "(%(last)s m³ on %(date)s). Check the black digits. If your meter was replaced since "
    "then, tick the box “My meter was replaced”."
)
CONFIRM = _("Tick this box to confirm this index, or correct it: it is much higher than usual.")


class SelfReadingForm(AttachmentFormMixin, forms.Form):
    index = forms.CharField(
        label=_("Index of your meter (m³)"),
        max_length=20,
        help_text=_("The black digits only, without the red ones, for example 1234."),
        widget=forms.TextInput(
            {"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9 ]*"}
        ),
        error_messages={"required": _("Enter the index of your meter.")},
    )
    meter_changed = forms.BooleanField(
        label=_("My meter was replaced since the last reading"), required=False
    )
    confirm = forms.BooleanField(
        label=_("I confirm this index: I have checked the digits"), required=False
    )
    attachment = forms.FileField(
        label=_("Photo of the meter (optional)"),
        required=False,
        help_text=_("JPEG, PNG or PDF, 5 MB at most. It helps the Régie check the index."),
        widget=forms.ClearableFileInput(attrs={"accept": ".jpg,.jpeg,.png,.pdf"}),
    )

    def __init__(self, *args: Any, plausibility: Plausibility, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.plausibility = plausibility
        # Whether the index is above the usual ceiling: the confirmation and the photo
        # are then shown (and the confirmation required).
        self.asks_confirmation = bool(self.data.get("confirm"))
        self.is_high = False

    def clean_index(self) -> int:
        raw = _BLANKS.sub("", self.cleaned_data["index"])
        if raw.startswith("-"):
            raise ValidationError(NEGATIVE, code="negative")
        if _DECIMAL.fullmatch(raw) and any(ch.isdigit() for ch in raw):
            raise ValidationError(NOT_WHOLE, code="not_whole")
        if not raw.isascii() or not _DIGITS.fullmatch(raw):
            raise ValidationError(NOT_A_NUMBER, code="invalid")
        value = int(raw)
        if value > MAX_INDEX:
            raise ValidationError(TOO_BIG, code="too_big")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        index = data.get("index")
        if index is None:
            return data
        last, ceiling = self.plausibility.last, self.plausibility.ceiling
        if last is not None and index < last.index and not data.get("meter_changed"):
            self.add_error(
                "index",
                ValidationError(
                    BELOW_LAST,
                    code="below_last",
                    params={
                        "index": index,
                        "last": f"{last.index.normalize():f}",
                        "date": f"{last.date:%d/%m/%Y}",
                    },
                ),
            )
            return data
        if ceiling is not None and index > ceiling and not data.get("meter_changed"):
            self.is_high = self.asks_confirmation = True
            if not data.get("confirm"):
                self.add_error("confirm", ValidationError(CONFIRM, code="confirm"))
        return data


class AlertForm(forms.Form):
    enabled = forms.BooleanField(
        label=_("Warn me by email when my consumption is unusually high"), required=False
    )
    threshold = forms.IntegerField(
        label=_("My own threshold, in litres per day (optional)"),
        required=False,
        min_value=1,
        max_value=100_000,
        help_text=_(
            "For example 500. A person uses about 150 litres of water a day. Leave empty "
            "to be warned only when you use more than twice as much as usual."
        ),
        widget=forms.NumberInput({"inputmode": "numeric"}),
        error_messages={
            "invalid": _("Enter a whole number of litres, for example 500."),
            "min_value": _("Enter a number of litres above 0."),
            "max_value": _("Enter 100,000 litres a day at most."),
        },
    )
