"""IBAN and BIC checks, masking, the RUM and the creditor identifier."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from mandates import bank

from .factories import IBAN_DE, IBAN_FR, IBAN_FR_MASKED, IBAN_FR_TYPED


@pytest.mark.parametrize(
    ("typed", "compact"),
    [
        (IBAN_FR, IBAN_FR),
        (IBAN_FR_TYPED, IBAN_FR),
        ("  FR76-3000 6000 0112 3456 7890 189 ", IBAN_FR),
        (IBAN_DE, IBAN_DE),
        ("de89 3704 0044 0532 0130 00", IBAN_DE),
    ],
)
def test_valid_french_and_german_ibans_are_accepted_with_spaces_and_lower_case(typed, compact):
    assert bank.clean_iban(typed) == compact


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("FR7630006000011234567890188", "n’est pas valide"),  # wrong checksum
        ("DE89370400440532013001", "n’est pas valide"),
        ("FR763000600001123456789018", "n’est pas valide"),  # one character short
        # Two characters short, check digits recomputed: right checksum, wrong length.
        ("FR04300060000112345678901", "longueur"),
        # A valid American-style number and a valid Brazilian IBAN: outside SEPA.
        ("BR1800360305000010009795493C1", "hors de la zone SEPA"),
        ("SA0380000000608010167519", "hors de la zone SEPA"),
        ("1234", "deux lettres et deux chiffres"),
        ("", "Saisissez votre IBAN"),
    ],
)
def test_bad_ibans_are_refused_in_french(typed, words):
    with pytest.raises(ValidationError) as caught:
        bank.clean_iban(typed)
    assert words in str(caught.value.messages[0])


def test_bic_is_optional_and_checked_when_given():
    assert bank.clean_bic("") == ""
    assert bank.clean_bic("agrifrpp") == "AGRIFRPP"
    assert bank.clean_bic("BNPAFRPPXXX") == "BNPAFRPPXXX"
    with pytest.raises(ValidationError):
        bank.clean_bic("AGRI")


def test_an_iban_is_masked_to_its_country_check_digits_and_last_three_characters():
    assert bank.mask_iban(IBAN_FR) == IBAN_FR_MASKED
    assert bank.mask_iban(IBAN_DE) == "DE89 •••• •••• •••• •••• 000"


def test_rum_format():
    assert bank.valid_rum("REPA-11301.11377.01-001")
    assert not bank.valid_rum("REPA_11301")  # "_" is not allowed
    assert not bank.valid_rum("R" * 36)
    assert not bank.valid_rum("")


def test_the_demo_creditor_id_is_well_formed_and_used_when_unset(settings):
    settings.SEPA_CREDITOR_ID = ""
    assert bank.valid_creditor_id(bank.DEMO_CREDITOR_ID)
    assert bank.creditor_id() == bank.DEMO_CREDITOR_ID
    settings.SEPA_CREDITOR_ID = "FR72ZZZ123456"
    assert bank.creditor_id() == "FR72ZZZ123456"


def test_a_malformed_creditor_id_stops_the_start(settings, db):
    # ``db``: the model checks that ``check`` also runs ask the database what it supports.
    settings.SEPA_CREDITOR_ID = "FR00ZZZ123456"
    with pytest.raises(SystemCheckError, match=r"mandates\.E001"):
        call_command("check")


def test_check_deploy_warns_when_the_creditor_id_is_unset(settings):
    from mandates.checks import creditor_id_set

    settings.SEPA_CREDITOR_ID = ""
    assert [w.id for w in creditor_id_set()] == ["mandates.W001"]
    settings.SEPA_CREDITOR_ID = "FR72ZZZ123456"
    assert creditor_id_set() == []
