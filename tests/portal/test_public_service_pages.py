"""The public body's pages: accessibility declaration, privacy page, site map, footer."""

import pytest
from django.urls import reverse

from tests.helpers import assert_french_page, html

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "heading"),
    [
        ("accessibility", "Déclaration d’accessibilité"),
        ("privacy", "Données personnelles"),
        ("site_map", "Plan du site"),
    ],
)
def test_each_public_service_page_answers_in_french(client, name, heading):
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert_french_page(response)
    assert heading in html(response)


@pytest.mark.parametrize("name", ["home", "about", "contact", "legal", "site_map"])
def test_every_footer_says_non_conforme_and_links_to_the_declaration(client, name):
    body = html(client.get(reverse(name)))
    assert f'<a href="{reverse("accessibility")}">Accessibilité&nbsp;: non conforme</a>' in body
    for target in ("site_map", "privacy", "legal", "contact"):
        assert f'href="{reverse(target)}"' in body


def test_the_footer_mention_follows_the_setting_after_an_audit(client, settings):
    settings.ACCESSIBILITY_STATUS = "partiellement conforme"
    body = html(client.get(reverse("about")))
    assert "Accessibilité&nbsp;: partiellement conforme" in body
    declaration = html(client.get(reverse("accessibility")))
    assert "<strong>partiellement conforme</strong>" in declaration
    assert "Aucun audit RGAA" not in declaration


def test_the_declaration_follows_the_official_model(client):
    body = html(client.get(reverse("accessibility")))
    for section in (
        "État de conformité",
        "RGAA",
        "4.1.2",
        "<strong>non conforme</strong>",
        "Aucun audit RGAA",
        "Résultats des tests",
        "Contenus non accessibles",
        "Dérogations",
        "Établissement de cette déclaration",
        "Environnement de test",
        "Retour d’information et contact",
        "Voies de recours",
        "Défenseur des droits",
        "Libre réponse 71120, 75342 Paris CEDEX 07",
        "Schéma pluriannuel",
    ):
        assert section in body, section
    assert f'href="{reverse("contact")}"' in body
    assert 'href="mailto:contact@eauxdupaysdaix.fr"' in body


def test_the_privacy_page_names_controller_purposes_bases_retention_rights_and_cnil(client):
    body = html(client.get(reverse("privacy")))
    for expected in (
        "Responsable du traitement",
        "Régie des Eaux du Pays d'Aix",
        "Finalités et bases légales",
        "art. 6.1.b",
        "art. 6.1.e",
        "Durées de conservation",
        "un an au plus",
        "Destinataires",
        "Vos droits",
        "portabilité",
        "CNIL",
        "3 place de Fontenoy",
    ):
        assert expected in body, expected


def test_the_legal_notice_links_to_the_privacy_page_instead_of_repeating_it(client):
    body = html(client.get(reverse("legal")))
    assert f'href="{reverse("privacy")}"' in body
    assert "un an au plus" not in body


@pytest.mark.parametrize("url", ["/comptes/signup/", "/contact/"])
def test_forms_collecting_data_link_to_the_privacy_page(client, url):
    body = html(client.get(url))
    assert 'class="privacy-note"' in body
    assert f'href="{reverse("privacy")}"' in body


def test_the_site_map_lists_every_public_and_subscriber_page(client):
    body = html(client.get(reverse("site_map")))
    for name in (
        "home",
        "account_signup",
        "account_reset_password",
        "about",
        "contact",
        "legal",
        "privacy",
        "accessibility",
        "contracts:area",
        "contracts:link",
        "contracts:my_contracts",
        "inquiries:subscription",
        "inquiries:list",
        "accounts:account",
        "accounts:delete",
        "usersessions_list",
        "mfa_index",
    ):
        assert f'href="{reverse(name)}"' in body, name
