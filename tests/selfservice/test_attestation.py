"""Attestation d'abonnement: issued for an active contract, a tagged PDF with its code, and
a public page that confirms what the paper shows and nothing more."""

import datetime
import re

import pytest
from django.conf import settings
from django.urls import reverse

from contracts.models import ContractStatus
from core.identity import REGIE
from selfservice import attestations
from selfservice.models import (
    CODE_ALPHABET,
    CODE_LENGTH,
    Attestation,
    generate_code,
    normalize_code,
)
from tests.demo.tagged_pdf import read
from tests.helpers import assert_french_page, count_h1, html

pytestmark = pytest.mark.django_db


@pytest.fixture
def started(contract):
    contract.start_date = datetime.date(2019, 3, 1)
    contract.save()
    return contract


def page_url(contract) -> str:
    return reverse("selfservice:attestation", args=[contract.number])


def test_the_owner_sees_the_page_and_downloads_a_new_attestation(subscriber_client, started):
    response = subscriber_client.get(page_url(started))
    assert response.status_code == 200
    assert_french_page(response)
    assert count_h1(response) == 1
    assert "Télécharger mon attestation (PDF)" in html(response)

    response = subscriber_client.post(page_url(started))
    assert response.status_code == 302
    issued = Attestation.objects.get()
    assert (issued.holder_name, issued.service_address) == (
        "Marie Dupont",
        "12 cours Mirabeau, 13100 Aix-en-Provence",
    )
    assert issued.contract_start == datetime.date(2019, 3, 1)
    download = subscriber_client.get(response["Location"])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert f"attestation-abonnement-{issued.code}.pdf" in download["Content-Disposition"]
    # The page lists it for a new download.
    assert issued.code in html(subscriber_client.get(page_url(started)))


def test_the_pdf_is_tagged_in_french_with_its_code_and_the_verification_address(
    subscriber, started
):
    issued = attestations.issue(subscriber, started)
    pdf = read(attestations.pdf(issued))
    assert pdf.reader.metadata.title == "Attestation d'abonnement"
    assert pdf.catalog["/Lang"] == "fr"
    assert pdf.catalog["/MarkInfo"]["/Marked"].value is True
    kids = pdf.root.elements()
    assert [kid.type for kid in kids] == ["/H1", "/P", "/Table", "/P", "/Table", "/P"]
    assert pdf.text(kids[0]) == "Attestation d'abonnement"
    assert REGIE.name in pdf.text(kids[1])
    rows = {pdf.text(row.elements()[0]): pdf.text(row.elements()[1]) for row in kids[2].elements()}
    today = datetime.date.today().strftime("%d/%m/%Y")
    assert rows == {
        "Titulaire du contrat": "Marie Dupont",
        "Adresse desservie": "12 cours Mirabeau, 13100 Aix-en-Provence",
        "Contrat commencé le": "01/03/2019",
        "Attestation délivrée le": today,
    }
    check = {pdf.text(row.elements()[0]): pdf.text(row.elements()[1]) for row in kids[4].elements()}
    assert check["Code de vérification"] == issued.code
    # Printed in full, so that it can be typed from the paper.
    assert check["Adresse de vérification"].replace(" ", "") == (
        f"{settings.SITE_URL}/verifier/{issued.code}/"
    )


def test_the_public_page_says_what_was_printed_and_nothing_more(client, subscriber, started):
    started.payer.phone = "06 11 22 33 44"
    started.payer.save()
    issued = attestations.issue(subscriber, started)
    response = client.get(reverse("selfservice:verify", args=[issued.code]))
    assert response.status_code == 200
    assert_french_page(response)
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    page = " ".join(html(response).split())
    today = datetime.date.today().strftime("%d/%m/%Y")
    assert (
        f"Attestation authentique délivrée le {today} à Marie Dupont pour 12 cours Mirabeau, "
        "13100 Aix-en-Provence, contrat commencé le 01/03/2019." in page
    )
    assert "valide à la date d’émission" in page
    for private in (
        started.number,
        subscriber.email,
        started.payer.email,
        "06 11 22 33 44",
        started.meter_number,
        "P0001",
    ):
        assert private not in page


def test_the_page_keeps_what_was_printed_after_the_contract_changes(client, subscriber, started):
    issued = attestations.issue(subscriber, started)
    started.street = "1 place des Prêcheurs"
    started.status = ContractStatus.TERMINATED
    started.save()
    page = html(client.get(reverse("selfservice:verify", args=[issued.code.lower()])))
    assert "12 cours Mirabeau" in page
    assert "Prêcheurs" not in page


def test_unknown_and_malformed_codes_get_the_same_answer(client, subscriber, started):
    attestations.issue(subscriber, started)
    answers = set()
    for code in ("ACDE-FGHJ-KMNP-QRTU", "nonsense", "0000-0000-0000-0000", "A" * 70):
        response = client.get(reverse("selfservice:verify", args=[code]))
        assert response.status_code == 404
        page = html(response)
        assert "Aucune attestation avec ce code" in page
        answers.add(page.replace(code[:64], "").replace(code[:64].upper(), ""))
    assert len(answers) == 1


def test_a_revoked_attestation_says_so(client, subscriber, started):
    issued = attestations.issue(subscriber, started)
    Attestation.objects.filter(pk=issued.pk).update(revoked_at=datetime.datetime.now(datetime.UTC))
    response = client.get(reverse("selfservice:verify", args=[issued.code]))
    page = html(response)
    assert "Attestation annulée" in page
    assert "Marie Dupont" not in page


def test_the_public_page_is_rate_limited_per_ip(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "attestation_verify": "3/10m/ip",
    }
    for _ in range(3):
        assert client.get("/verifier/ACDE-FGHJ-KMNP-QRTU/").status_code == 404
    response = client.get("/verifier/ACDE-FGHJ-KMNP-QRTU/")
    assert response.status_code == 429
    assert "Trop de tentatives" in html(response)
    assert_french_page(response)


def test_the_form_leads_to_the_code_page(client):
    response = client.get("/verifier/", {"code": " acde fghj kmnp qrtu "})
    assert response.status_code == 302
    assert response["Location"] == "/verifier/ACDE-FGHJ-KMNP-QRTU/"
    response = client.get("/verifier/", {"code": "12"})
    assert response.status_code == 200
    assert "Ce n’est pas un code de vérification" in html(response)


def test_codes_are_long_random_and_easy_to_type():
    codes = {generate_code() for _ in range(2000)}
    assert len(codes) == 2000
    for code in list(codes)[:50]:
        assert re.fullmatch(r"[A-Z0-9]{4}(-[A-Z0-9]{4}){3}", code)
        assert set(code.replace("-", "")) <= set(CODE_ALPHABET)
        assert normalize_code(code.lower().replace("-", " ")) == code
    # At least 60 bits: 16 characters from 25 is about 74.
    assert len(CODE_ALPHABET) ** CODE_LENGTH > 2**70
    assert not set("0O1IL5S2Z8B") & set(CODE_ALPHABET)


def test_a_terminated_contract_gets_no_attestation(subscriber_client, started):
    started.status = ContractStatus.TERMINATED
    started.save()
    response = subscriber_client.get(page_url(started))
    assert "n’est plus en cours" in html(response)
    subscriber_client.post(page_url(started))
    assert not Attestation.objects.exists()


def test_outsiders_get_404_and_visitors_the_login(client, outsider, subscriber, started):
    issued = attestations.issue(subscriber, started)
    pdf_url = reverse("selfservice:attestation_pdf", args=[started.number, issued.code])
    for url in (page_url(started), pdf_url):
        assert (
            client.get(url)["Location"].startswith("/?next=")
            or "login" in client.get(url)["Location"]
        )
    client.force_login(outsider)
    assert client.get(page_url(started)).status_code == 404
    assert client.post(page_url(started)).status_code == 404
    assert client.get(pdf_url).status_code == 404
    assert Attestation.objects.count() == 1


def test_another_account_of_the_payer_cannot_download_someone_elses(
    client, second_subscriber, subscriber, started
):
    issued = attestations.issue(subscriber, started)
    client.force_login(second_subscriber)
    url = reverse("selfservice:attestation_pdf", args=[started.number, issued.code])
    assert client.get(url).status_code == 404


def test_issuing_is_rate_limited(subscriber_client, started, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "attestation": "2/10m/user"}
    assert subscriber_client.post(page_url(started)).status_code == 302
    assert subscriber_client.post(page_url(started)).status_code == 302
    assert subscriber_client.post(page_url(started)).status_code == 429
    assert Attestation.objects.count() == 2
