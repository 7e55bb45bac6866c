import pytest
from django.urls import reverse

from tests.helpers import assert_french_page, html

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = {
    "home": "Mon espace abonné, personnel et sécurisé",
    "about": "À quoi sert le portail ?",
    "contact": "Contacter la Régie des Eaux du Pays d'Aix",
    "legal": "Mentions légales",
}


@pytest.mark.parametrize(("name", "heading"), PUBLIC_PAGES.items())
def test_each_public_page_answers_in_french_with_one_heading(client, name, heading):
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert_french_page(response)
    assert heading in html(response)


def test_home_presents_the_portal_with_the_tutorial_wording(client):
    body = html(client.get(reverse("home")))
    assert "Cet espace est accessible à tous les abonnés de la Régie des Eaux du Pays" in body
    assert "numéro de contrat et de votre clé (= mot de passe)" in body
    assert "Parce que notre mission coule de source" in body


def test_contact_page_gives_the_regie_contact_details(client):
    body = html(client.get(reverse("contact")))
    assert "04 13 57 39 00" in body
    assert "contact@eauxdupaysdaix.fr" in body
    assert "185 avenue de Pérouse, 13090 Aix-en-Provence" in body
    assert "CS 10459, 13096 Aix-en-Provence Cedex 2" in body


def test_legal_page_names_the_publisher_and_the_only_cookies_set(client):
    body = html(client.get(reverse("legal")))
    assert "493 587 471 00035" in body
    assert "493 587 471 00027" in body
    assert "sessionid" in body and "csrftoken" in body
    assert "strictement nécessaires" in body


def test_every_page_has_a_skip_link_to_the_main_content(client):
    body = html(client.get(reverse("home")))
    assert 'class="skip-link" href="#contenu"' in body
    assert '<main id="contenu"' in body


def test_no_page_loads_anything_from_another_host(client):
    for name in PUBLIC_PAGES:
        body = html(client.get(reverse(name)))
        for attr in ('src="http', "src='http", 'href="//', "url(http"):
            assert attr not in body, f"{name} loads from another host"
        assert 'rel="stylesheet" href="/static/' in body
