"""Staff work on requests here: filter, read the thread, change the status, reply.

Saving a reply adds it to the thread and emails the subscriber; a status change emails
them too (one email when both happen). Attachments open through the same protected view
as the subscriber's.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from core.admin import short_datetime, subscriber_links
from inquiries import services
from inquiries.forms import StaffReplyForm
from inquiries.models import Attachment, Commune, Inquiry, Message


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ["name", "postcode", "active"]
    list_filter = ["active"]
    list_editable = ["active"]
    search_fields = ["name", "postcode"]


class MessageInline(admin.TabularInline):
    """The thread, read-only: replies are written in the "Reply" field above."""

    model = Message
    extra = 0
    can_delete = False
    fields = readonly_fields = ("created_at", "author", "body", "files")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("Attachments"))
    def files(self, obj: Message) -> str:
        return format_html_join(
            ", ",
            '<a href="{}">{}</a>',
            (
                (
                    reverse("inquiries:attachment", args=[obj.inquiry.reference, a.pk]),
                    a.original_name,
                )
                for a in obj.attachments.all()
            ),
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super().get_queryset(request).select_related("inquiry").prefetch_related("attachments")
        )


SUBSCRIPTION_FIELDS = (
    "applicant",
    "phone",
    "supply_address",
    "start_date",
    "occupancy",
    "meter_number",
    "meter_index",
    "billing_address",
    "consent_at",
)


@admin.register(Inquiry)
class InquiryAdmin(admin.ModelAdmin):
    form = StaffReplyForm
    list_display = [
        "reference",
        "received",
        "kind",
        "topic_display",
        "email",
        "commune",
        "status",
    ]
    list_filter = ["status", "kind", "subject", "commune"]
    search_fields = ["reference", "email", "last_name", "contract__number"]
    date_hierarchy = "created_at"
    list_select_related = ["commune"]
    inlines = [MessageInline]
    # What the subscriber sent stays as sent: staff answer (status, reply), nothing else.
    readonly_fields = [
        "reference",
        "kind",
        "created_at",
        "email",
        "account",
        "subject",
        "contract",
        *SUBSCRIPTION_FIELDS,
    ]
    fieldsets = [
        (None, {"fields": ["reference", "kind", "created_at", "status", "reply"]}),
        (_("Sender"), {"fields": ["email", "account", "subject", "contract"]}),
        (
            _("Subscription request"),
            {
                "fields": SUBSCRIPTION_FIELDS,
                "classes": ["collapse"],
            },
        ),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Requests come from subscribers; staff answer them.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    @admin.display(description=_("received"), ordering="created_at")
    def received(self, obj: Inquiry) -> str:
        return short_datetime(obj.created_at)

    @admin.display(description=_("subject"))
    def topic_display(self, obj: Inquiry) -> str:
        return obj.topic

    @admin.display(description=_("account"))
    def account(self, obj: Inquiry) -> str:
        return subscriber_links([obj.user] if obj.user_id else [])

    @admin.display(description=_("applicant"))
    def applicant(self, obj: Inquiry) -> str:
        return obj.applicant or "—"

    @admin.display(description=_("address to supply"))
    def supply_address(self, obj: Inquiry) -> str:
        if not obj.street:
            return "—"
        return format_html(
            "{}<br>{} {}", obj.street, obj.postcode, obj.commune.name if obj.commune else ""
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("user", "commune", "contract")

    def save_model(self, request: HttpRequest, obj: Inquiry, form: Any, change: bool) -> None:
        previous = form.initial.get("status") if change else None
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            message = services.staff_update(
                obj,
                request.user,
                reply=form.cleaned_data.get("reply", ""),
                previous_status=previous,
            )
        obj._audit_replied = message is not None  # type: ignore[attr-defined]
        if message is not None:
            self.message_user(
                request, _("Your reply was sent to %(email)s.") % {"email": obj.email}
            )

    def audit_detail(self, obj: Inquiry, action: str) -> str:
        """The audit trail's words: "Réponse à DA-2026-000012 (état : traitée)"."""
        if action != "change":
            return ""
        words = (
            _("Reply to %(reference)s (status: %(status)s)")
            if getattr(obj, "_audit_replied", False)
            else _("%(reference)s updated (status: %(status)s)")
        )
        return str(words % {"reference": obj.reference, "status": obj.get_status_display()})


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ["original_name", "inquiry", "content_type", "size", "created_at"]
    list_select_related = ["inquiry"]
    search_fields = ["inquiry__reference", "original_name"]
    fields = readonly_fields = (
        "inquiry",
        "original_name",
        "content_type",
        "size",
        "created_at",
        "download",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("file"))
    def download(self, obj: Attachment) -> str:
        url = reverse("inquiries:attachment", args=[obj.inquiry.reference, obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Download"))
