"""The "Régie agent" group reads the subscriber page and takes the support actions,
without general user administration (no accounts.* permission)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "Régie agent"
PERMISSIONS = [
    "view_subscriber",
    "resend_activation",
    "send_password_reset",
    "lift_login_lock",
    "lift_link_lock",
    "end_sessions",
]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("support")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP_NAME)
    perms = Permission.objects.filter(content_type__app_label="support", codename__in=PERMISSIONS)
    assert perms.count() == len(PERMISSIONS), "a permission of the Régie agent group is missing"
    group.permissions.add(*perms)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(content_type__app_label="support", codename__in=PERMISSIONS)
    for group in Group.objects.filter(name=GROUP_NAME):
        group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("support", "0001_initial"),
        ("contracts", "0002_regie_agent_group"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
