"""The Régie's identity: the one file another régie edits to run this portal.

Everything a page, an email or a PDF says about who runs the service comes from here.
"""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Identity:
    name: str
    short_name: str
    tagline: str
    website: str
    phone: str
    email: str
    head_office: str
    postal_address: str
    siret_water: str
    siret_sanitation: str
    vat_number: str
    legal_form: str
    publication_director: str
    host: str
    portal_name: str = "Espace abonné"

    @property
    def phone_uri(self) -> str:
        return "tel:+33" + self.phone.replace(" ", "")[1:]


REGIE = Identity(
    name="Régie des Eaux du Pays d'Aix",
    short_name="Régie des Eaux",
    tagline="Parce que notre mission coule de source",
    website="https://www.eauxdupaysdaix.fr",
    phone="04 13 57 39 00",
    email="contact@eauxdupaysdaix.fr",
    head_office="185 avenue de Pérouse, 13090 Aix-en-Provence",
    postal_address="CS 10459, 13096 Aix-en-Provence Cedex 2",
    siret_water="493 587 471 00035",
    siret_sanitation="493 587 471 00027",
    vat_number="FR 01 493 587 471",
    legal_form="Régie publique dotée de la personnalité morale et de l'autonomie financière",
    publication_director="Le directeur général de la Régie des Eaux du Pays d'Aix",
    host="Régie des Eaux du Pays d'Aix, 185 avenue de Pérouse, 13090 Aix-en-Provence",
)
