from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant_agents(apps, schema_editor):
    """Régie agents read the attestations (and revoke them), the leak relief details, the
    e-invoice choices (and export them) and the invoice notices; nothing else is edited."""
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
                content_type__app_label="selfservice",
                codename__in=[
                    "view_attestation",
                    "change_attestation",
                    "view_leakrequest",
                    "view_paperlesschoice",
                    "view_invoicenotice",
                ],
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("selfservice", "0001_initial"),
        ("contracts", "0002_regie_agent_group"),
    ]

    operations = [migrations.RunPython(grant_agents, migrations.RunPython.noop)]
