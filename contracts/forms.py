"""Forms of the subscriber area."""

from django import forms
from django.utils.translation import gettext_lazy as _

NUMBER_FORMAT_ERROR = _(
    "Enter the contract number as it is printed on your invoice: 12 digits, "
    "for example 11301.11377.01 (with or without the dots)."
)
GENERIC_ERROR = _("The contract number or the key is not correct. Check both on your last invoice.")


class KeyInput(forms.TextInput):
    """A visible field (the key is read off paper) that never sends the key back."""

    def format_value(self, value: object) -> None:
        return None


class LinkContractForm(forms.Form):
    number = forms.CharField(
        label=_("Contract number"),
        max_length=64,
        strip=True,
        help_text=_("As printed at the top of your invoice, for example 11301.11377.01."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    key = forms.CharField(
        label=_("Key"),
        max_length=64,
        strip=True,
        help_text=_("The key (= password) printed next to the contract number."),
        widget=KeyInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
