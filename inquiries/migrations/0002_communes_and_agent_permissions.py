"""The communes the Régie serves, and the Régie agent group's rights on requests."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

COMMUNES = [
    ("Aix-en-Provence", "13080"),
    ("Aix-en-Provence", "13090"),
    ("Aix-en-Provence", "13100"),
    ("Aix-en-Provence", "13290"),
    ("Aix-en-Provence", "13540"),
    ("Bouc-Bel-Air", "13320"),
    ("Cabriès", "13480"),
    ("Éguilles", "13510"),
    ("Fuveau", "13710"),
    ("Gardanne", "13120"),
    ("Le Puy-Sainte-Réparade", "13610"),
    ("Meyreuil", "13590"),
    ("Pertuis", "84120"),
    ("Rognes", "13840"),
    ("Rousset", "13790"),
    ("Saint-Cannat", "13760"),
    ("Simiane-Collongue", "13109"),
    ("Trets", "13530"),
    ("Venelles", "13770"),
    ("Vitrolles", "13127"),
]

GROUP_NAME = "Régie agent"
PERMISSIONS = [
    "view_inquiry",
    "change_inquiry",
    "view_message",
    "view_attachment",
    "view_commune",
    "add_commune",
    "change_commune",
]


def forwards(apps, schema_editor):
    Commune = apps.get_model("inquiries", "Commune")
    for name, postcode in COMMUNES:
        Commune.objects.get_or_create(name=name, postcode=postcode)

    app_config = apps.get_app_config("inquiries")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP_NAME)
    perms = Permission.objects.filter(
        content_type__app_label="inquiries", codename__in=PERMISSIONS
    )
    assert perms.count() == len(PERMISSIONS), "a permission of the Régie agent group is missing"
    group.permissions.add(*perms)


def backwards(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    perms = Permission.objects.filter(
        content_type__app_label="inquiries", codename__in=PERMISSIONS
    )
    for group in Group.objects.filter(name=GROUP_NAME):
        group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("inquiries", "0001_initial"),
        ("contracts", "0002_regie_agent_group"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
