from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant_agents(apps, schema_editor):
    """Régie agents read mandates, stops and moves out, set a mandate's state, and open the
    signed mandate (recorded in the audit trail) to key it into the billing system."""
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Régie agent").first()
    if group is not None:
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="mandates",
                codename__in=[
                    "view_mandate",
                    "change_mandate",
                    "open_signed_mandate",
                    "view_mandatestop",
                    "view_moveout",
                ],
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("mandates", "0001_initial"),
        ("contracts", "0002_regie_agent_group"),
    ]

    operations = [migrations.RunPython(grant_agents, migrations.RunPython.noop)]
