"""The subscription-request, contact and follow-up forms."""

from __future__ import annotations

import datetime
import re
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.models import AuditKind
from audit.services import record
from contracts.models import Contract
from inquiries.models import Civility, Commune, ContactSubject, Inquiry, Occupancy
from inquiries.uploads import MAX_BYTES, CheckedFile, InfectedFile, check_attachment

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

MESSAGE_MAX = 5000
PHONE_RE = re.compile(r"^(?:\+33|0)[1-9](?:\d{8})$")
POSTCODE_RE = re.compile(r"^\d{5}$")

ATTACHMENT_HELP = _("Optional. PDF, JPEG or PNG, 5 MB at most.")
REATTACH = _("For your security the file was not kept: please choose it again.")


def _message_field(required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=_("Your message"),
        max_length=MESSAGE_MAX,
        required=required,
        help_text=_("%(max)s characters at most.") % {"max": MESSAGE_MAX},
        widget=forms.Textarea(attrs={"rows": 6}),
    )


class AttachmentFormMixin:
    """An optional attachment checked by ``inquiries.uploads``."""

    checked_attachment: CheckedFile | None = None
    # What clamd found in the file, if it found a virus.
    infection: str = ""

    def clean_attachment(self) -> Any:
        upload = self.cleaned_data.get("attachment")  # type: ignore[attr-defined]
        try:
            self.checked_attachment = check_attachment(upload) if upload else None
        except InfectedFile as infected:
            self.infection = infected.signature
            raise
        return upload

    def add_reattach_notice(self, request: HttpRequest | None = None) -> None:
        """After any error, a chosen file is gone: say so next to the field. An infected
        file is also recorded in the audit trail (who, from which IP, which signature)."""
        form: forms.Form = self  # type: ignore[assignment]
        if self.infection and request is not None:
            record(AuditKind.UPLOAD_INFECTED, request, request.user, self.infection)
        if form.files.get("attachment") and "attachment" not in form.errors:
            form.add_error("attachment", REATTACH)


def _attachment_field() -> forms.FileField:
    return forms.FileField(
        label=_("Attachment"),
        required=False,
        help_text=ATTACHMENT_HELP,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class SubscriptionForm(forms.Form):
    civility = forms.ChoiceField(label=_("Title"), choices=[("", "—"), *Civility.choices])
    last_name = forms.CharField(
        label=_("Last name"),
        max_length=100,
        widget=forms.TextInput({"autocomplete": "family-name"}),
    )
    first_name = forms.CharField(
        label=_("First name"),
        max_length=100,
        widget=forms.TextInput({"autocomplete": "given-name"}),
    )
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput({"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=20,
        help_text=_("10 digits, for example 04 42 00 00 00."),
        widget=forms.TextInput({"autocomplete": "tel", "inputmode": "tel"}),
    )
    street = forms.CharField(
        label=_("Street and number"),
        max_length=200,
        widget=forms.TextInput({"autocomplete": "street-address"}),
    )
    postcode = forms.CharField(
        label=_("Postcode"),
        max_length=5,
        widget=forms.TextInput({"autocomplete": "postal-code", "inputmode": "numeric"}),
    )
    commune = forms.ModelChoiceField(
        label=_("Commune"),
        queryset=Commune.objects.filter(active=True),
        empty_label="—",
        error_messages={"invalid_choice": _("Choose a commune served by the Régie in the list.")},
    )
    start_date = forms.DateField(
        label=_("Desired start date"),
        # The example date is set in __init__: always a fortnight ahead, never past.
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=DateInput(),
    )
    occupancy = forms.ChoiceField(label=_("You are"), choices=[("", "—"), *Occupancy.choices])
    meter_number = forms.CharField(
        label=_("Meter number (if known)"), max_length=32, required=False
    )
    meter_index = forms.IntegerField(
        label=_("Meter index in m³ (if known)"),
        required=False,
        min_value=0,
        max_value=9_999_999,
        widget=forms.NumberInput({"inputmode": "numeric"}),
    )
    billing_address = forms.CharField(
        label=_("Billing address, if different"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    message = _message_field(required=False)
    consent = forms.BooleanField(
        label=_(
            "I agree that the Régie processes these data to handle my request "
            "(see the legal notice)."
        ),
        error_messages={"required": _("Your agreement is needed to handle your request.")},
    )

    GROUPS = [
        (_("You"), ["civility", "last_name", "first_name", "email", "phone"]),
        (
            _("The address to supply"),
            ["street", "postcode", "commune", "start_date", "occupancy"],
        ),
        (_("The meter, if you know it"), ["meter_number", "meter_index"]),
        (_("Billing and message"), ["billing_address", "message", "consent"]),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        example = timezone.localdate() + datetime.timedelta(days=14)
        self.fields["start_date"].help_text = _("Today or later, for example %(date)s.") % {
            "date": example.strftime("%d/%m/%Y")
        }

    def fieldsets(self) -> list[tuple[StrOrPromise, list[forms.BoundField]]]:
        return [(legend, [self[name] for name in names]) for legend, names in self.GROUPS]

    def clean_phone(self) -> str:
        raw = self.cleaned_data["phone"]
        digits = re.sub(r"[\s.\-]", "", raw)
        if not PHONE_RE.match(digits):
            raise ValidationError(_("Enter a French phone number of 10 digits."))
        if digits.startswith("+33"):
            digits = "0" + digits[3:]
        return digits

    def clean_postcode(self) -> str:
        value = self.cleaned_data["postcode"].strip()
        if not POSTCODE_RE.match(value):
            raise ValidationError(_("Enter a postcode of 5 digits."))
        return value

    def clean_start_date(self) -> Any:
        value = self.cleaned_data["start_date"]
        if value < timezone.localdate():
            raise ValidationError(_("The start date cannot be in the past."))
        return value

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        commune, postcode = data.get("commune"), data.get("postcode")
        if commune and postcode and commune.postcode != postcode:
            self.add_error(
                "postcode",
                _("This postcode is not the one of %(commune)s (%(postcode)s).")
                % {"commune": commune.name, "postcode": commune.postcode},
            )
        return data

    def inquiry_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        names = [
            "civility",
            "last_name",
            "first_name",
            "email",
            "phone",
            "street",
            "postcode",
            "commune",
            "start_date",
            "occupancy",
            "meter_number",
            "meter_index",
            "billing_address",
        ]
        return {name: data[name] for name in names}


class ContractChoiceField(forms.ModelChoiceField):
    """A contract shown as its number and service address."""

    def label_from_instance(self, obj: Contract) -> str:
        return f"{obj.number} – {obj.service_address}" if obj.service_address else obj.number


class ContactForm(AttachmentFormMixin, forms.Form):
    """Contact form; ``email`` only for anonymous visitors, ``contract`` only for accounts."""

    email = forms.EmailField(
        label=_("Your email address"),
        max_length=254,
        help_text=_("We answer at this address."),
        widget=forms.EmailInput({"autocomplete": "email"}),
    )
    subject = forms.ChoiceField(label=_("Subject"), choices=[("", "—"), *ContactSubject.choices])
    contract = ContractChoiceField(
        label=_("Contract concerned (optional)"),
        queryset=Contract.objects.none(),
        required=False,
        empty_label=_("None in particular"),
        to_field_name="number",
        error_messages={"invalid_choice": _("Choose one of your contracts in the list.")},
    )
    message = _message_field()
    attachment = _attachment_field()

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if user is not None and user.is_authenticated:
            del self.fields["email"]
            contracts = Contract.objects.for_user(user).order_by("number")
            field = self.fields["contract"]
            assert isinstance(field, ContractChoiceField)
            field.queryset = contracts
        else:
            del self.fields["contract"]


class ReplyForm(AttachmentFormMixin, forms.Form):
    """A subscriber's new message on an open request."""

    message = _message_field()
    attachment = _attachment_field()


class StaffReplyForm(forms.ModelForm):
    """The admin change form of a request: its status and a reply to the subscriber."""

    reply = forms.CharField(
        label=_("Reply to the subscriber"),
        required=False,
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 80}),
        help_text=_("Sent by email and added to the thread in “My requests”."),
    )

    class Meta:
        model = Inquiry
        fields = ["status"]


__all__ = ["MAX_BYTES", "ContactForm", "ReplyForm", "StaffReplyForm", "SubscriptionForm"]
