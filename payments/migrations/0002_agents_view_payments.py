from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant_agents(apps, schema_editor):
    """Régie agents read online payments (and export them) and instalments; nobody edits
    them by hand (see PaymentAttemptAdmin)."""
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
                content_type__app_label="payments",
                codename__in=["view_paymentattempt", "view_instalment"],
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0001_initial"),
        ("contracts", "0002_regie_agent_group"),
    ]

    operations = [migrations.RunPython(grant_agents, migrations.RunPython.noop)]
