"""Reading periods, self-readings (validate or refuse) and consumption alerts in the admin."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin import ReadOnlyAdmin, short_date, short_datetime
from readings import services
from readings.models import (
    AlertEmail,
    AlertSetting,
    ConsumptionAlert,
    ReadingWindow,
    SelfReading,
    SelfReadingState,
)


@admin.register(ReadingWindow)
class ReadingWindowAdmin(admin.ModelAdmin):
    list_display = ["commune", "first_day", "last_day", "open_today"]
    list_filter = ["commune"]
    search_fields = ["commune__name", "commune__postcode"]
    list_select_related = ["commune"]
    autocomplete_fields = ["commune"]
    date_hierarchy = "opens_on"

    @admin.display(description=_("first day"), ordering="opens_on")
    def first_day(self, obj: ReadingWindow) -> str:
        return short_date(obj.opens_on)

    @admin.display(description=_("last day"), ordering="closes_on")
    def last_day(self, obj: ReadingWindow) -> str:
        return short_date(obj.closes_on)

    @admin.display(description=_("open today"), boolean=True)
    def open_today(self, obj: ReadingWindow) -> bool:
        return obj.opens_on <= timezone.localdate() <= obj.closes_on


def _decide(request: HttpRequest, queryset: QuerySet[SelfReading], state: SelfReadingState) -> None:
    done = sum(
        services.decide(reading, state, request.user)
        for reading in queryset.filter(state=SelfReadingState.PENDING)
    )
    skipped = queryset.count() - done
    if state == SelfReadingState.VALIDATED:
        text = ngettext(
            "%(count)s index validated; the subscriber was told.",
            "%(count)s indexes validated; the subscribers were told.",
            done,
        )
    else:
        text = ngettext(
            "%(count)s index refused; the subscriber was told.",
            "%(count)s indexes refused; the subscribers were told.",
            done,
        )
    messages.success(request, text % {"count": done})
    if skipped:
        messages.warning(
            request,
            ngettext(
                "%(count)s index was not pending and was left as it was.",
                "%(count)s indexes were not pending and were left as they were.",
                skipped,
            )
            % {"count": skipped},
        )


@admin.action(description=_("Validate the selected indexes"), permissions=["validate"])
def validate(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    _decide(request, queryset, SelfReadingState.VALIDATED)


@admin.action(description=_("Refuse the selected indexes"), permissions=["validate"])
def refuse(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    _decide(request, queryset, SelfReadingState.REFUSED)


@admin.register(SelfReading)
class SelfReadingAdmin(ReadOnlyAdmin):
    # What the agent checks, in a list that fits beside the menu: the flags and the photo
    # are filters and on the reading's page.
    list_display = ["sent", "request", "contract", "index", "state", "last_index"]
    list_filter = ["state", "meter_changed", "confirmed_high", "reading_date"]
    search_fields = ["contract__number", "inquiry__reference", "contract__meter_number"]
    list_select_related = ["contract", "inquiry"]
    date_hierarchy = "reading_date"
    actions = [validate, refuse]
    fields = readonly_fields = (
        "request",
        "contract",
        "reading_date",
        "index",
        "last_index",
        "meter_changed",
        "confirmed_high",
        "photo",
        "state",
        "decided_by",
        "decided_at",
    )

    def has_validate_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("readings.validate_selfreading")

    def get_queryset(self, request: HttpRequest) -> QuerySet[SelfReading]:
        return super().get_queryset(request).prefetch_related("inquiry__attachments")

    @admin.display(description=_("sent on"), ordering="created_at")
    def sent(self, obj: SelfReading) -> str:
        return short_datetime(obj.created_at)

    @admin.display(description=_("request"), ordering="inquiry__reference")
    def request(self, obj: SelfReading) -> str:
        url = reverse("admin:inquiries_inquiry_change", args=[obj.inquiry_id])
        return format_html('<a href="{}">{}</a>', url, obj.inquiry.reference)

    @admin.display(description=_("photo"))
    def photo(self, obj: SelfReading) -> Any:
        files = list(obj.inquiry.attachments.all())
        if not files:
            return "—"
        url = reverse("inquiries:attachment", args=[obj.inquiry.reference, files[0].pk])
        return format_html('<a href="{}">{}</a>', url, _("see"))


@admin.register(AlertSetting)
class AlertSettingAdmin(ReadOnlyAdmin):
    list_display = ["user", "contract", "enabled", "threshold_litres_per_day", "checked_through"]
    list_filter = ["enabled"]
    search_fields = ["user__email", "contract__number"]
    list_select_related = ["user", "contract"]


class AlertEmailInline(admin.TabularInline):
    model = AlertEmail
    fields = readonly_fields = ("user", "reason", "sent_at")
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ConsumptionAlert)
class ConsumptionAlertAdmin(ReadOnlyAdmin):
    list_display = [
        "contract",
        "reading_date",
        "litres_per_day",
        "usual_litres_per_day",
        "created_at",
        "dismissed_at",
    ]
    search_fields = ["contract__number"]
    list_select_related = ["contract"]
    date_hierarchy = "reading_date"
    inlines = [AlertEmailInline]
