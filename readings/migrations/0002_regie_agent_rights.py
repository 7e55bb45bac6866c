"""The "Régie agent" group manages the reading periods, validates or refuses the indexes
sent by subscribers and reads the consumption alerts."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "Régie agent"
PERMISSIONS = [
    "view_readingwindow",
    "add_readingwindow",
    "change_readingwindow",
    "delete_readingwindow",
    "view_selfreading",
    "validate_selfreading",
    "view_alertsetting",
    "view_consumptionalert",
]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("readings")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP_NAME)
    perms = Permission.objects.filter(content_type__app_label="readings", codename__in=PERMISSIONS)
    assert perms.count() == len(PERMISSIONS), "a permission of the Régie agent group is missing"
    group.permissions.add(*perms)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(content_type__app_label="readings", codename__in=PERMISSIONS)
    for group in Group.objects.filter(name=GROUP_NAME):
        group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("readings", "0001_self_readings_and_alerts"),
        ("contracts", "0002_regie_agent_group"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
