"""Régie agents, who may import the billing export, read the import history."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant(apps, schema_editor):
    app_config = apps.get_app_config("contracts")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Régie agent").first()
    if group is not None:
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="contracts", codename="view_importrun")
        )


class Migration(migrations.Migration):
    dependencies = [("contracts", "0006_import_history")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
