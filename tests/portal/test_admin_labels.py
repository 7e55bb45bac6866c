"""The admin is the Régie's: French names on the index, no "Ajouter" where adding makes no
sense, permissions and numbers in French (issue #18)."""

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth.models import Group

from accounts.models import User
from contracts.admin import m3
from portal.admin_site import permission_label
from tests.builders import with_totp

pytestmark = pytest.mark.django_db

INDEX = f"/{settings.ADMIN_PATH}"


def index_names(client, user):
    client.force_login(user)
    html = client.get(INDEX).content.decode()
    apps = [a.strip() for a in re.findall(r"<caption>\s*<a[^>]*>(.*?)</a>", html, re.S)]
    models = [
        m.strip()
        for m in re.findall(r'<th scope="row" id="[^"]*">\s*(?:<a[^>]*>)?(.*?)<', html, re.S)
    ]
    adds = re.findall(r'href="/[^"]*/([a-z_]+)/([a-z_]+)/add/"', html)
    return html, apps, models, adds


@pytest.fixture
def agent(db):
    user = User.objects.create_user("agent@example.fr", "x", is_staff=True)
    user.groups.add(Group.objects.get(name="Régie agent"))
    return with_totp(user)


def test_an_agent_sees_only_french_names_on_the_admin_index(client, agent):
    html, apps, models, adds = index_names(client, agent)
    assert "Espace abonné — gestion" in html and "Django" not in html
    assert apps == [
        "Assistance aux abonnés",
        "Attestations, écrêtements et factures électroniques",
        "Auto-relevés et alertes de consommation",
        "Contrats",
        "Demandes",
        "Journal d’audit",
        "Mandats de prélèvement et déménagements",
        "Paiement en ligne et échéanciers",
    ]
    assert models == [
        "Abonnés",
        "Attestations d’abonnement",
        "Choix de facture électronique",
        "Demandes d’écrêtement pour fuite",
        "E-mails « facture disponible »",
        "Alertes de consommation",
        "Auto-relevés",
        "Périodes de relevé",
        "Réglages d’alerte de consommation",
        "Contrats",
        "Documents de service",
        "Factures",
        "Imports de facturation",
        "Liaisons des comptes aux redevables",
        "Paiements",
        "Redevables",
        "Relevés de compteur",
        "Tentatives de liaison de contrat",
        "Communes",
        "Demandes",
        "Pièces jointes",
        "Événements d’audit",
        "Déménagements",
        "Mandats de prélèvement",
        "Paiements en ligne",
        "Échéances",
    ]
    assert sorted(adds) == [
        ("contracts", "servicedocument"),
        ("inquiries", "commune"),
        ("readings", "readingwindow"),
    ]


ENGLISH = re.compile(
    r"\b(Authenticators?|User sessions?|Task Results?|Tasks|MFA|Email addresses|Groups|Users)\b"
)


def test_a_superuser_sees_no_english_model_name_and_no_odd_add(client):
    admin = with_totp(User.objects.create_superuser("chef@example.fr", "x"))
    _html, apps, models, adds = index_names(client, admin)
    assert len(set(apps)) == len(apps), "two sections with the same name"
    for name in apps + models:
        assert not ENGLISH.search(name), name
    for app, model in [("account", "emailaddress"), ("mfa", "authenticator")]:
        assert (app, model) not in adds
    assert ("usersessions", "usersession") not in adds


def test_permissions_are_named_in_french():
    from django.contrib.auth.models import Permission

    label = permission_label(Permission.objects.get(codename="change_contract"))
    assert label == "Contrats | contrat | Peut modifier : contrat"
    custom = permission_label(Permission.objects.get(codename="set_contract_key"))
    assert custom.endswith("Peut définir ou générer une clé de contrat")


def test_volumes_in_the_admin_are_written_in_french():
    assert m3(Decimal("44.75")) == "44,750"
    assert m3(Decimal("165.25")) == "165,250"
    assert m3(None) == "—"
