from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEvent
from core.admin import ReadOnlyAdmin, short_datetime


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read-only: an audit trail that staff could edit would prove nothing."""

    list_display = ["time", "kind", "user", "detail", "ip"]
    fields = ["at", "kind", "user", "subject", "ip", "detail", "reason"]
    list_filter = ["kind", "at"]
    search_fields = ["user__email", "ip", "detail"]
    date_hierarchy = "at"
    list_select_related = ["user", "subject"]

    @admin.display(description=_("time"), ordering="at")
    def time(self, obj: AuditEvent) -> str:
        return short_datetime(obj.at)
