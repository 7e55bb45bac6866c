"""The admin is the Régie's back office: French names for every model shown, the
third-party ones relabelled, no "Ajouter" where adding by hand makes no sense, and
permissions named in French.

Called once from ``portal/urls.py``: by then every app's admin is registered (portal,
the top layer, is the one place that knows them all).
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# App label → its name on the admin index.
APP_NAMES = {
    "account": _("Login email addresses"),
    "mfa": _("Two-factor authentication"),
    "usersessions": _("Account sessions"),
    "django_tasks_database": _("Task queue"),
}

# "app_label.ModelName" → (verbose name, verbose name plural).
MODEL_NAMES = {
    "mfa.Authenticator": (_("authenticator"), _("authenticators")),
    "usersessions.UserSession": (_("session"), _("sessions")),
    "django_tasks_database.DBTaskResult": (_("task result"), _("task results")),
}

# Rows that only the software creates: no "Ajouter" on the index nor the list.
NO_ADD = ["account.EmailAddress", "mfa.Authenticator", "usersessions.UserSession"]

ACTIONS = {
    "add": _("Can add %(name)s"),
    "change": _("Can change %(name)s"),
    "delete": _("Can delete %(name)s"),
    "view": _("Can view %(name)s"),
}


def permission_label(permission: Permission) -> str:
    """``Contrats | contrat | Peut modifier contrat`` rather than ``Can change contract``."""
    model = permission.content_type.model_class()
    if model is None:
        return str(permission)
    opts = model._meta
    action, _sep, model_name = permission.codename.partition("_")
    if action in ACTIONS and model_name == opts.model_name:
        name = ACTIONS[action] % {"name": opts.verbose_name}
    else:
        # Our own permissions are declared with gettext_lazy: their text is a msgid.
        name = gettext(permission.name)
    return f"{opts.app_config.verbose_name} | {opts.verbose_name} | {name}"


def _french_permissions(model_admin: admin.ModelAdmin) -> None:
    original = model_admin.formfield_for_manytomany

    def formfield_for_manytomany(db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = original(db_field, request, **kwargs)
        if field is not None and db_field.name in ("permissions", "user_permissions"):
            field.label_from_instance = permission_label  # type: ignore[method-assign,assignment]
        return field

    model_admin.formfield_for_manytomany = formfield_for_manytomany  # type: ignore[method-assign]


def _no_add(model_admin: admin.ModelAdmin) -> None:
    model_admin.has_add_permission = lambda request, *args: False  # type: ignore[method-assign]


def make_it_the_regies(site: admin.AdminSite = admin.site) -> None:
    site.site_header = _("Subscriber area — management")
    site.site_title = _("Subscriber area — management")
    site.index_title = _("Back office")
    for label, name in APP_NAMES.items():
        try:
            apps.get_app_config(label).verbose_name = name
        except LookupError:
            continue
    for dotted, (singular, plural) in MODEL_NAMES.items():
        model = _model(dotted)
        if model is not None:
            model._meta.verbose_name = singular
            model._meta.verbose_name_plural = plural
    for model, model_admin in site._registry.items():
        if f"{model._meta.app_label}.{model.__name__}" in NO_ADD:
            _no_add(model_admin)
        if model._meta.label in ("auth.Group", "accounts.User"):
            _french_permissions(model_admin)


def _model(dotted: str) -> Any:
    label, name = dotted.split(".")
    try:
        return apps.get_model(label, name)
    except LookupError:
        return None
