"""Staff screens: users (by email) and the outgoing email queue."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import OutgoingEmail, User
from accounts.tasks import queue_email


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
    list_display = ("email", "is_active", "is_staff", "date_joined", "last_login")
    list_filter = (VerifiedFilter, "is_active", "is_staff", "date_joined", "last_login")
    readonly_fields = ("date_joined", "last_login")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
    list_display = ("subject", "to", "status", "attempts", "created_at", "sent_at")
    list_filter = ("status", "created_at")
    search_fields = ("to", "subject")
    readonly_fields = [f.name for f in OutgoingEmail._meta.fields]
    actions = ["retry_now"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.action(description=_("Retry delivery now"), permissions=["view"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet[OutgoingEmail]) -> None:
        emails = list(queryset.exclude(status=OutgoingEmail.Status.SENT))
        for email in emails:
            OutgoingEmail.objects.filter(pk=email.pk).update(status=OutgoingEmail.Status.PENDING)
            queue_email(email)
        self.message_user(
            request,
            ngettext("%d email queued again.", "%d emails queued again.", len(emails))
            % len(emails),
            messages.SUCCESS,
        )
