"""Staff screens: users (by email) and the outgoing email queue."""

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.mfa import has_totp
from accounts.models import OutgoingEmail, User
from accounts.tasks import queue_email
from audit import services as audit
from audit.models import AuditKind
from core.admin import short_datetime, subscriber_links


class VerifiedFilter(admin.SimpleListFilter):
    title = _("activated")
    parameter_name = "verified"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        from allauth.account.models import EmailAddress

        verified = EmailAddress.objects.filter(user=OuterRef("pk"), verified=True)
        if self.value() == "yes":
            return queryset.filter(Exists(verified))
        if self.value() == "no":
            return queryset.exclude(Exists(verified))
        return queryset


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class UserChangeFormByEmail(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserChangeFormByEmail
    add_form = UserCreationForm
    ordering = ("email",)
    search_fields = ("email",)
    list_display = ("email", "activated", "is_active", "is_staff", "joined", "last_seen")
    list_filter = (VerifiedFilter, "is_active", "is_staff", "date_joined", "last_login")
    readonly_fields = ("date_joined", "last_login", "activated", "two_factor", "subscriber_page")
    fieldsets = (
        (None, {"fields": ("email", "password", "activated", "two_factor", "subscriber_page")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        from allauth.account.models import EmailAddress

        verified = EmailAddress.objects.filter(user=OuterRef("pk"), verified=True)
        return super().get_queryset(request).annotate(is_verified=Exists(verified))

    @admin.display(description=_("email confirmed"), boolean=True, ordering="is_verified")
    def activated(self, obj: User) -> bool:
        return bool(getattr(obj, "is_verified", False))

    @admin.display(description=_("date joined"), ordering="date_joined")
    def joined(self, obj: User) -> str:
        return short_datetime(obj.date_joined)

    @admin.display(description=_("last login"), ordering="last_login")
    def last_seen(self, obj: User) -> str:
        return short_datetime(obj.last_login)

    @admin.display(description=_("two-factor"), boolean=True)
    def two_factor(self, obj: User) -> bool:
        return bool(obj.pk) and has_totp(obj)

    @admin.display(description=_("subscriber page"))
    def subscriber_page(self, obj: User) -> str:
        return subscriber_links([obj]) if obj.pk and not obj.is_staff else "—"

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Group changes in the audit trail, in words: "jean@… ajouté au groupe …"."""
        user = form.instance
        before = set(user.groups.values_list("name", flat=True)) if change else set()
        super().save_related(request, form, formsets, change)
        after = set(user.groups.values_list("name", flat=True))
        for name in sorted(after - before):
            audit.record(
                AuditKind.STAFF_CHANGE,
                request,
                request.user,
                _("%(email)s added to the group %(group)s") % {"email": user.email, "group": name},
                subject=user,
            )
        for name in sorted(before - after):
            audit.record(
                AuditKind.STAFF_CHANGE,
                request,
                request.user,
                _("%(email)s removed from the group %(group)s")
                % {"email": user.email, "group": name},
                subject=user,
            )

    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
    list_display = ("subject", "to", "status", "attempts", "created", "sent")
    list_filter = ("status", "created_at")
    search_fields = ("to", "subject")
    readonly_fields = [f.name for f in OutgoingEmail._meta.fields]
    actions = ["retry_now"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.display(description=_("created"), ordering="created_at")
    def created(self, obj: OutgoingEmail) -> str:
        return short_datetime(obj.created_at)

    @admin.display(description=_("sent"), ordering="sent_at")
    def sent(self, obj: OutgoingEmail) -> str:
        return short_datetime(obj.sent_at)

    @admin.action(description=_("Retry delivery now"), permissions=["view"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet[OutgoingEmail]) -> None:
        emails = list(queryset.exclude(status=OutgoingEmail.Status.SENT))
        if not emails:
            self.message_user(
                request,
                _("These emails were already delivered: nothing was queued again."),
                messages.WARNING,
            )
            return
        for email in emails:
            OutgoingEmail.objects.filter(pk=email.pk).update(status=OutgoingEmail.Status.PENDING)
            queue_email(email)
        self.message_user(
            request,
            ngettext("%d email queued again.", "%d emails queued again.", len(emails))
            % len(emails),
            messages.SUCCESS,
        )
