"""Staff admin of the billing data.

The billing system is the source of readings, invoices and payments: they are read-only
here. Payers and contracts can be corrected; a contract's key can be set or generated
(shown once), never read back. Staff with ``contracts.import_billing`` can upload an export.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, QuerySet, Subquery
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from audit import services as audit
from audit.models import AuditKind
from contracts.billing.upload import ImportFailed, UploadRejected, import_upload
from contracts.models import (
    AccountPayerLink,
    Contract,
    ImportRun,
    Invoice,
    InvoiceQuerySet,
    InvoiceStatus,
    LinkAttempt,
    MeterReading,
    MeterReadingQuerySet,
    Payer,
    Payment,
    ServiceDocument,
    normalize_key,
)
from contracts.services import give_new_key
from core.admin import ReadOnlyAdmin, short_date, short_datetime, subscriber_links
from core.files import private_file

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

INLINE_LIMIT = 12


def m3(value: Any) -> str:
    """A volume as the rest of the admin shows numbers: French format, "—" when none."""
    if value is None:
        return "—"
    return formats.number_format(Decimal(str(value)), 3, use_l10n=True, force_grouping=True)


class LatestFirstFormSet(BaseInlineFormSet):
    """Only the latest rows of a long history: a 10-year contract page stays small."""

    limit = INLINE_LIMIT

    def get_queryset(self) -> QuerySet:
        if not hasattr(self, "_queryset"):
            self._queryset = super().get_queryset()[: self.limit]
        return self._queryset


class ReadOnlyInline(admin.TabularInline):
    formset = LatestFirstFormSet
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class BillingSourceAdmin(ReadOnlyAdmin):
    """Rows owned by the billing system: viewable, not editable by hand."""


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)]


class BillingImportForm(forms.Form):
    # The metaclass moves declared fields off the class, so this does not hide
    # ``Form.files`` at run time; mypy cannot know it. "files" is the posted name.
    files = MultipleFileField(  # type: ignore[assignment]
        label=_("Files of the export"),
        help_text=_(
            "The CSV files (payers.csv, contracts.csv, readings.csv, invoices.csv, "
            "payments.csv) and the invoice PDFs, or one zip file holding them."
        ),
    )
    dry_run = forms.BooleanField(
        label=_("Dry run: check the files without importing them"), required=False
    )
    export_date = forms.DateField(
        label=_("Date of the export"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_(
            "The day the billing system made the export. A contract key given by staff "
            "after that day is kept; without a date, every key given by staff is kept."
        ),
    )


# --- Payers -------------------------------------------------------------------------------


class FirstContractsFormSet(LatestFirstFormSet):
    limit = 50


class ContractInline(admin.TabularInline):
    model = Contract
    formset = FirstContractsFormSet
    fields = readonly_fields = (
        "number",
        "status",
        "street",
        "postcode",
        "city",
        "start_date",
        "end_date",
    )
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Payer)
class PayerAdmin(admin.ModelAdmin):
    list_display = ["reference", "name", "email", "phone"]
    search_fields = ["reference", "name", "email"]
    readonly_fields = ["all_contracts", "accounts"]
    inlines = [ContractInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Payer | None = None) -> Any:
        # The import matches payers on their reference (see ContractAdmin).
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and not request.user.is_superuser:
            fields.append("reference")
        return fields

    @admin.display(description=_("subscriber accounts"))
    def accounts(self, obj: Payer) -> str:
        if not obj.pk:
            return "—"
        return subscriber_links(link.user for link in obj.account_links.select_related("user"))

    @admin.display(description=_("all contracts"))
    def all_contracts(self, obj: Payer) -> str:
        if not obj.pk:
            return "—"
        url = reverse("admin:contracts_contract_changelist")
        return format_html(
            '<a href="{}?payer__id__exact={}">{} ({})</a>',
            url,
            obj.pk,
            Contract._meta.verbose_name_plural,
            obj.contracts.count(),
        )


# --- Contracts ----------------------------------------------------------------------------


class ContractAdminForm(forms.ModelForm):
    new_key = forms.CharField(
        label=_("New key"),
        required=False,
        strip=True,
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=_("Type a key to replace the current one. It is stored only as a hash."),
    )
    generate_new_key = forms.BooleanField(
        label=_("Generate a new key"),
        required=False,
        help_text=_(
            "A random key is generated and shown once after saving, "
            "to be printed on the next invoice."
        ),
    )

    class Meta:
        model = Contract
        fields = [
            "number",
            "payer",
            "status",
            "start_date",
            "end_date",
            "street",
            "postcode",
            "city",
            "meter_number",
            "usage",
            "payment_method",
            "paperless",
            "remote_reading",
        ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("new_key") and data.get("generate_new_key"):
            raise forms.ValidationError(_("Either type a key or generate one, not both."))
        if (
            data.get("new_key") is not None
            and data.get("new_key")
            and len(normalize_key(data["new_key"])) < 6
        ):
            self.add_error("new_key", _("A key has at least 6 characters."))
        return data


class ReadingInline(ReadOnlyInline):
    model = MeterReading
    fields = readonly_fields = ("date", "index", "consumption", "kind")
    verbose_name_plural = _("Latest meter readings")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # The model's default manager, so its own queryset class.
        return cast(MeterReadingQuerySet, super().get_queryset(request)).with_consumption()

    @admin.display(description=_("consumption (m³)"))
    def consumption(self, obj: MeterReading) -> str:
        return m3(getattr(obj, "consumption", None))


class InvoiceInline(ReadOnlyInline):
    model = Invoice
    fields = readonly_fields = (
        "number",
        "issue_date",
        "due_date",
        "amount_incl_tax",
        "amount_due",
        "status",
    )
    verbose_name_plural = _("Latest invoices")

    @admin.display(description=_("status"))
    def status(self, obj: Invoice) -> StrOrPromise:
        return obj.status.label


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = readonly_fields = ("reference", "date", "amount", "method", "invoice")
    verbose_name_plural = _("Latest payments")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("invoice")


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    form = ContractAdminForm
    list_display = ["number", "payer", "status", "address", "since"]
    list_filter = ["status", "city", "paperless", "payment_method", "start_date", "end_date"]
    search_fields = ["number", "street", "city", "postcode", "meter_number", "payer__name"]
    list_select_related = ["payer"]
    autocomplete_fields = ["payer"]
    readonly_fields = ["key_state", "history", "accounts"]
    inlines = [ReadingInline, InvoiceInline, PaymentInline]
    actions = ["generate_keys"]

    @admin.display(description=_("service address"), ordering="street")
    def address(self, obj: Contract) -> str:
        return obj.service_address

    @admin.display(description=_("start date"), ordering="start_date")
    def since(self, obj: Contract) -> str:
        return short_date(obj.start_date)

    def get_fieldsets(self, request: HttpRequest, obj: Contract | None = None) -> Any:
        fieldsets: list[Any] = [
            (None, {"fields": ["number", "payer", "status", "start_date", "end_date"]}),
            (
                _("Service address"),
                {"fields": ["street", "postcode", "city", "meter_number", "remote_reading"]},
            ),
            (_("Billing"), {"fields": ["usage", "payment_method", "paperless"]}),
        ]
        key_fields = ["key_state"]
        if request.user.has_perm("contracts.set_contract_key"):
            key_fields += ["new_key", "generate_new_key"]
        fieldsets.append((_("Contract key"), {"fields": key_fields}))
        if obj is not None:
            fieldsets.append((_("History"), {"fields": ["history", "accounts"]}))
        return fieldsets

    @admin.display(description=_("key"))
    def key_state(self, obj: Contract) -> str:
        return str(_("Set (stored as a hash)")) if obj.has_key else str(_("Not set"))

    @admin.display(description=_("subscriber accounts"))
    def accounts(self, obj: Contract) -> str:
        links = AccountPayerLink.objects.filter(payer_id=obj.payer_id).select_related("user")
        return subscriber_links(link.user for link in links)

    @admin.display(description=_("full history"))
    def history(self, obj: Contract) -> str:
        links = []
        for model, count in (
            (MeterReading, obj.readings.count()),
            (Invoice, obj.invoices.count()),
            (Payment, obj.payments.count()),
        ):
            url = reverse(f"admin:contracts_{model._meta.model_name}_changelist")
            links.append(
                format_html(
                    '<a href="{}?contract__id__exact={}">{} ({})</a>',
                    url,
                    obj.pk,
                    model._meta.verbose_name_plural,
                    count,
                )
            )
        return format_html(" · ".join(["{}"] * len(links)), *links)

    def save_model(self, request: HttpRequest, obj: Contract, form: Any, change: bool) -> None:
        # The fields are always on the form class: check the permission, not just the layout.
        may_set = request.user.has_perm("contracts.set_contract_key")
        new_key = form.cleaned_data.get("new_key") if may_set else None
        shown = None
        super().save_model(request, obj, form, change)
        if may_set and form.cleaned_data.get("generate_new_key"):
            shown = give_new_key(obj)
        elif new_key:
            give_new_key(obj, new_key)
        if shown or new_key:
            kind = AuditKind.KEY_GENERATED if shown else AuditKind.KEY_SET
            audit.record(kind, request, request.user, detail=obj.number)
        if shown:
            messages.warning(
                request,
                _(
                    "New key of contract %(number)s: %(key)s — note it now, "
                    "it will not be shown again."
                )
                % {"number": obj.number, "key": shown},
            )
        elif new_key:
            messages.success(
                request, _("The key of contract %(number)s was changed.") % {"number": obj.number}
            )

    @admin.action(description=_("Generate a new key"), permissions=["set_contract_key"])
    def generate_keys(self, request: HttpRequest, queryset: QuerySet[Contract]) -> None:
        shown = []
        for contract in queryset.order_by("number")[:100]:
            key = give_new_key(contract)
            audit.record(AuditKind.KEY_GENERATED, request, request.user, detail=contract.number)
            shown.append(f"{contract.number} : {key}")
        messages.warning(
            request,
            _("New keys, shown only once: %(keys)s") % {"keys": " ; ".join(shown)},
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Contract | None = None) -> Any:
        # The import matches on the number and the payer reference: only an administrator
        # may change them by hand, or the next import would create a second contract.
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and not request.user.is_superuser:
            fields += ["number", "payer"]
        return fields

    def has_set_contract_key_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("contracts.set_contract_key")

    def get_urls(self) -> list[Any]:
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="contracts_contract_import",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        extra_context = {
            **(extra_context or {}),
            "can_import": request.user.has_perm("contracts.import_billing"),
        }
        return super().changelist_view(request, extra_context)

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Upload the billing export: same validation and report as the command."""
        if not request.user.has_perm("contracts.import_billing"):
            raise PermissionDenied
        report = None
        form = BillingImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                day = form.cleaned_data.get("export_date")
                report = import_upload(
                    form.cleaned_data["files"],
                    dry_run=form.cleaned_data["dry_run"],
                    # The end of that day: a key given by staff later that day is older
                    # than nothing we know; the whole day counts as the export's.
                    export_date=timezone.make_aware(
                        datetime.datetime.combine(day, datetime.time.max)
                    )
                    if day
                    else None,
                    user=request.user,
                    request=request,
                )
            except UploadRejected as exc:
                form.add_error("files", str(exc))
            except ImportFailed as exc:
                form.add_error(None, str(exc))
            if report is not None and not report.ok:
                messages.error(
                    request,
                    _("%(count)s invalid rows: nothing was imported.")
                    % {"count": report.error_count},
                )
            elif report is not None and report.dry_run:
                messages.info(request, _("Dry run: the export is valid, nothing was written."))
            elif report is not None:
                messages.success(request, _("Import finished."))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import the billing export"),
            "opts": self.opts,
            "form": form,
            "report": report,
            "more_errors": report.error_count - len(report.errors) if report else 0,
        }
        return TemplateResponse(request, "admin/contracts/import_billing.html", context)


# --- Billing history (read-only) ------------------------------------------------------------


@admin.register(MeterReading)
class MeterReadingAdmin(BillingSourceAdmin):
    list_display = ["contract", "date", "index", "consumption", "kind"]
    list_filter = ["kind", "date"]
    search_fields = ["contract__number"]
    date_hierarchy = "date"
    list_select_related = ["contract"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # A correlated subquery (one index lookup per row shown) rather than the window of
        # with_consumption(), which would number every reading of the table for one page.
        previous = (
            MeterReading.objects.filter(contract=OuterRef("contract"), date__lt=OuterRef("date"))
            .order_by("-date")
            .values("index")[:1]
        )
        return super().get_queryset(request).annotate(previous_index=Subquery(previous))

    @admin.display(description=_("consumption (m³)"))
    def consumption(self, obj: MeterReading) -> str:
        previous = getattr(obj, "previous_index", None)
        return m3(None if previous is None else obj.index - previous)


class InvoiceStatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> Any:
        return InvoiceStatus.choices

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value is not None and value in InvoiceStatus.values:
            # The changelist of invoices: the default manager's own queryset class.
            return cast(InvoiceQuerySet, queryset).with_status().filter(status_code=value)
        return queryset


class PrivatePdfAdminMixin:
    """A model's private ``pdf`` file, opened by staff through an admin view only.

    Subclasses name the view (``pdf_url_name``) and may name the downloaded file.
    """

    pdf_url_name: str

    def pdf_filename(self, obj: Any) -> str:
        return f"{obj._meta.model_name}-{obj.pk}.pdf"

    @admin.display(description=_("PDF"))
    def pdf_link(self, obj: Any) -> str:
        if not obj.pk or not obj.pdf:
            return "—"
        url = reverse(f"admin:{self.pdf_url_name}", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Open the PDF"))

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view(self.pdf_view)  # type: ignore[attr-defined]
        return [
            path("<int:pk>/pdf/", view, name=self.pdf_url_name),
            *super().get_urls(),  # type: ignore[misc]
        ]

    def pdf_view(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        """The private PDF, for staff who may view the model (never a public URL)."""
        if not self.has_view_permission(request):  # type: ignore[attr-defined]
            raise PermissionDenied
        obj = get_object_or_404(self.model, pk=pk)  # type: ignore[attr-defined]
        return private_file(obj.pdf, self.pdf_filename(obj))


@admin.register(Invoice)
class InvoiceAdmin(PrivatePdfAdminMixin, BillingSourceAdmin):
    list_display = [
        "number",
        "contract",
        "issue_date",
        "due_date",
        "amount_incl_tax",
        "amount_due",
        "status_label",
    ]
    list_filter = [InvoiceStatusFilter, "issue_date", "due_date", "contract__city"]
    search_fields = ["number", "contract__number"]
    date_hierarchy = "issue_date"
    list_select_related = ["contract"]
    exclude = ["pdf"]
    readonly_fields = ["pdf_link"]

    @admin.display(description=_("status"))
    def status_label(self, obj: Invoice) -> StrOrPromise:
        return obj.status.label

    pdf_url_name = "contracts_invoice_pdf"

    def pdf_filename(self, obj: Invoice) -> str:
        return f"facture-{obj.number}.pdf"


@admin.register(Payment)
class PaymentAdmin(BillingSourceAdmin):
    list_display = ["reference", "contract", "date", "amount", "method", "invoice"]
    list_filter = ["method", "date"]
    search_fields = ["reference", "contract__number", "invoice__number"]
    date_hierarchy = "date"
    list_select_related = ["contract", "invoice"]


class ServiceDocumentForm(forms.ModelForm):
    class Meta:
        model = ServiceDocument
        fields = ["kind", "title", "applies_from", "pdf"]
        widgets = {"pdf": forms.FileInput(attrs={"accept": "application/pdf"})}

    def clean_pdf(self) -> Any:
        pdf = self.cleaned_data.get("pdf")
        if pdf and hasattr(pdf, "read") and not getattr(pdf, "_committed", False):
            head = pdf.read(5)
            pdf.seek(0)
            if head != b"%PDF-":
                raise forms.ValidationError(_("The file is not a PDF."))
        return pdf


@admin.register(ServiceDocument)
class ServiceDocumentAdmin(PrivatePdfAdminMixin, admin.ModelAdmin):
    form = ServiceDocumentForm
    list_display = ["title", "kind", "applies_from", "pdf_link"]
    list_filter = ["kind", "applies_from"]
    search_fields = ["title"]
    readonly_fields = ["pdf_link"]

    pdf_url_name = "contracts_servicedocument_pdf"

    def pdf_filename(self, obj: ServiceDocument) -> str:
        return f"{obj.kind}-{obj.applies_from}.pdf"


# --- Subscriber accounts and payers ---------------------------------------------------------


@admin.register(AccountPayerLink)
class AccountPayerLinkAdmin(admin.ModelAdmin):
    """Which account sees which payer's contracts. Staff may remove a link, not make one:
    a link is made only by a subscriber who holds an invoice (number and key)."""

    list_display = ["user", "payer", "created_at"]
    list_filter = ["created_at"]
    search_fields = ["user__email", "payer__name", "payer__reference", "payer__contracts__number"]
    list_select_related = ["user", "payer"]
    readonly_fields = ["user", "payer", "created_at"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(LinkAttempt)
class LinkAttemptAdmin(ReadOnlyAdmin):
    """Every try at linking a contract (never the key): read-only, for staff to audit."""

    list_display = ["time", "user", "number", "ip", "result", "lifted"]
    list_filter = ["result", "created_at"]
    search_fields = ["number", "user__email", "ip"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"

    @admin.display(description=_("time"), ordering="created_at")
    def time(self, obj: LinkAttempt) -> str:
        return short_datetime(obj.created_at)

    @admin.display(description=_("lock lifted"), ordering="lifted_at")
    def lifted(self, obj: LinkAttempt) -> str:
        return short_datetime(obj.lifted_at)


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyAdmin):
    """Every billing import, by command or upload, valid or refused, dry or not."""

    list_display = ["time", "source", "user", "dry_run", "ok", "rows", "created", "updated"]

    @admin.display(description=_("time"), ordering="started_at")
    def time(self, obj: ImportRun) -> str:
        return short_datetime(obj.started_at)

    list_filter = ["source", "ok", "dry_run", "started_at"]
    date_hierarchy = "started_at"
    list_select_related = ["user"]
    fields = [
        "started_at",
        "source",
        "user",
        "dry_run",
        "ok",
        "error_count",
        "rows",
        "created",
        "updated",
        "report",
    ]
