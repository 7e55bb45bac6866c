"""The self-services' forms: the leak relief request and the paper-free invoice choice."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.models import AuditKind
from audit.services import record
from inquiries.forms import DateInput
from inquiries.uploads import CheckedFile, InfectedFile, check_attachment

MESSAGE_MAX = 2000
REATTACH = _("For your security the file was not kept: please choose it again.")


class LeakRequestForm(forms.Form):
    attestation = forms.FileField(
        label=_("The plumber's attestation"),
        help_text=_(
            "Required. The plumber's invoice or attestation, saying where the leak was and "
            "the date of the repair. PDF, JPEG (photo) or PNG, 5 MB at most."
        ),
        error_messages={"required": _("Attach the plumber's attestation: it is required.")},
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )
    leak_location = forms.CharField(
        label=_("Where was the leak?"),
        max_length=300,
        help_text=_("For example: buried pipe between the meter and the house."),
        error_messages={"required": _("Say where the leak was.")},
    )
    repair_date = forms.DateField(
        label=_("Date of the repair"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        help_text=_("As written on the plumber's attestation, for example 15/01/2026."),
        error_messages={
            "required": _("Give the date of the repair."),
            "invalid": _("Give the date of the repair, for example 15/01/2026."),
        },
        widget=DateInput(),
    )
    after_meter = forms.BooleanField(
        label=_(
            "I certify that the leak was on the water pipe after the meter, and not on an "
            "appliance, a tap, a toilet cistern or a heating appliance."
        ),
        error_messages={"required": _("Tick the box to certify where the leak was.")},
    )
    message = forms.CharField(
        label=_("Anything to add (optional)"),
        max_length=MESSAGE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, issue_date: datetime.date | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.checked: CheckedFile | None = None
        self.infection = ""
        # A repair long before the invoice's period cannot explain it.
        self.earliest_repair = (issue_date or timezone.localdate()) - datetime.timedelta(days=400)

    def clean_attestation(self) -> Any:
        upload = self.cleaned_data.get("attestation")
        try:
            self.checked = check_attachment(upload) if upload else None
        except InfectedFile as infected:
            self.infection = infected.signature
            raise
        return upload

    def clean_repair_date(self) -> datetime.date:
        value: datetime.date = self.cleaned_data["repair_date"]
        if value > timezone.localdate():
            raise ValidationError(_("The repair date cannot be in the future."), code="future")
        if value < self.earliest_repair:
            raise ValidationError(
                _("This repair date is more than a year before the invoice: check it."),
                code="too_old",
            )
        return value

    def after_errors(self, request: HttpRequest) -> None:
        """After any error a chosen file is gone: say so. An infected file is recorded in
        the audit trail, as the requests' attachments are."""
        if self.infection:
            record(AuditKind.UPLOAD_INFECTED, request, request.user, self.infection)
        if self.files.get("attestation") and "attestation" not in self.errors:
            self.add_error("attestation", REATTACH)


class PaperlessForm(forms.Form):
    paperless = forms.TypedChoiceField(
        label=_("How do you want to receive your invoices for this contract?"),
        choices=[
            ("1", _("By email only (paper-free invoice): no more paper invoice by post")),
            ("0", _("On paper, by post")),
        ],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how to receive your invoices.")},
    )
