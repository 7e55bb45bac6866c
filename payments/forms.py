from django import forms
from django.core.validators import MinLengthValidator
from django.utils.translation import gettext_lazy as _


class PayForm(forms.Form):
    """The confirmation: only the address PayFiP sends the receipt to. The amount is the
    invoice's, never a field."""

    email = forms.EmailField(
        label=_("Email address for the payment receipt"),
        max_length=80,
        validators=[MinLengthValidator(6)],
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        if not email.isascii():
            raise forms.ValidationError(
                _("Enter an address made of unaccented characters only."), code="ascii"
            )
        return email
