from django.contrib import admin

from audit.models import AuditEvent
from core.admin import ReadOnlyAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read-only: an audit trail that staff could edit would prove nothing."""

    list_display = ["at", "kind", "user", "ip", "detail"]
    list_filter = ["kind", "at"]
    search_fields = ["user__email", "ip", "detail"]
    date_hierarchy = "at"
    list_select_related = ["user"]
