"""The "Régie agent" group: what a Régie agent may do in the staff admin."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "Régie agent"

PERMISSIONS = {
    "contracts": [
        "view_payer",
        "change_payer",
        "view_contract",
        "change_contract",
        "set_contract_key",
        "import_billing",
        "view_meterreading",
        "view_invoice",
        "view_payment",
        "view_servicedocument",
        "add_servicedocument",
        "change_servicedocument",
    ],
}


def create_group(apps, schema_editor):
    # Permissions are normally created after the whole migrate run; make sure they exist.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP_NAME)
    for app_label, codenames in PERMISSIONS.items():
        perms = Permission.objects.filter(
            content_type__app_label=app_label, codename__in=codenames
        )
        assert perms.count() == len(codenames), "a permission of the Régie agent group is missing"
        group.permissions.add(*perms)


def delete_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("contracts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, delete_group)]
