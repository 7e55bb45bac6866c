"""The Régie's password rule: 7 characters, digit, lower, upper, special; no + or -."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import translation

from accounts.validators import RegiePasswordValidator


def french_errors(password: str) -> list[str]:
    with translation.override("fr"):
        try:
            validate_password(password)
        except ValidationError as error:
            return [str(message) for message in error.messages]
    return []


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Robinet!x", "au moins un chiffre"),
        ("ROBINET7!", "au moins une lettre minuscule"),
        ("robinet7!", "au moins une lettre majuscule"),
        ("Robinet77", "au moins un caractère spécial"),
        ("Rob7!a", "au moins 7 caractères"),
        ("+Robinet7!", "ne doit contenir ni « + » ni « - »"),
        ("Robi+net7!", "ne doit contenir ni « + » ni « - »"),
        ("Robinet7!-", "ne doit contenir ni « + » ni « - »"),
    ],
    ids=[
        "no-digit",
        "no-lowercase",
        "no-uppercase",
        "no-special",
        "six-chars",
        "plus-first",
        "plus-middle",
        "minus-last",
    ],
)
def test_it_names_each_unmet_rule_in_french(password, message):
    errors = french_errors(password)
    assert any(message in error for error in errors), errors


def test_it_lists_every_unmet_rule_at_once():
    errors = french_errors("abc")
    joined = " ".join(errors)
    for expected in ("7 caractères", "chiffre", "majuscule", "caractère spécial"):
        assert expected in joined
    assert len(errors) >= 4


def test_plus_or_minus_alone_do_not_count_as_the_special_character():
    errors = " ".join(french_errors("Robinet7+"))
    assert "caractère spécial" in errors
    assert "ni « + » ni « - »" in errors


@pytest.mark.parametrize("password", ["Éléphant7!", "Château9?", "crème4BRÛLÉE#"])
def test_it_accepts_accented_letters_as_letters(password):
    assert french_errors(password) == []


def test_accented_letters_are_not_special_characters():
    assert any("caractère spécial" in e for e in french_errors("Éléphant7é"))


@pytest.mark.parametrize(
    "password", ["Gravier7!Ours", "Tr3s_S€cret", "Eau&Source2026", "a B 1 ! x y"]
)
def test_it_accepts_a_password_that_meets_the_rule(password):
    assert french_errors(password) == []


def test_common_passwords_are_still_refused():
    # "Password1!" meets the rule's letter but is in Django's list of common passwords.
    assert any("trop courant" in e for e in french_errors("Password1!"))


def test_the_minimum_length_comes_from_the_settings(settings):
    assert settings.PASSWORD_MIN_LENGTH == 7
    validator = RegiePasswordValidator(min_length=10)
    assert "length" in validator.unmet("Robinet7!")
    assert validator.unmet("Robinet7!xy") == []


def test_the_help_text_states_the_rule_in_french():
    with translation.override("fr"):
        text = RegiePasswordValidator().get_help_text()
    assert "7 caractères minimum" in text
    assert "« + » et « - » ne sont pas acceptés" in text


@pytest.mark.django_db
def test_the_admin_user_form_applies_the_rule():
    from accounts.admin import UserCreationForm

    with translation.override("fr"):
        form = UserCreationForm(
            {
                "email": "agent@eauxdupaysdaix.fr",
                "password1": "Robi-net7!",
                "password2": "Robi-net7!",
                "usable_password": "true",
            }
        )
        assert not form.is_valid()
        assert "ni « + » ni « - »" in str(form.errors)


# --- Guessable passwords that meet the rule --------------------------------------------


@pytest.mark.parametrize(
    "password", ["Azerty123!", "Motdepasse1!", "Regie2026!", "EauxAix13!", "Marseille13!"]
)
def test_it_refuses_guessable_passwords_that_meet_the_rule_and_says_why(password):
    errors = french_errors(password)
    # One message: the common-password list's, or the verdict with its example.
    assert len(errors) == 1, errors
    assert "trop courant" in errors[0] or (
        "trop facile à deviner" in errors[0] and "trois ou quatre mots" in errors[0]
    )


def test_it_refuses_a_password_built_on_the_subscribers_own_address():
    from accounts.models import User

    user = User(email="gaston.lagaffe@example.fr")
    with translation.override("fr"):
        with pytest.raises(ValidationError, match="trop facile à deviner"):
            validate_password("Lagaffe2026!", user)
        # The same password is fine for someone else.
        validate_password("Lagaffe2026!", User(email="marie@example.fr"))


@pytest.mark.parametrize("password", ["Trois koalas rient 7!", "Gravier7!Ours"])
def test_it_accepts_a_passphrase_of_unrelated_words(password):
    assert french_errors(password) == []


def test_sign_up_with_a_guessable_password_shows_the_french_reason(client):
    response = client.post(
        "/comptes/signup/",
        {"email": "devinable@example.fr", "password1": "Azerty123!", "password2": "Azerty123!"},
    )
    assert response.status_code == 200
    assert "trop facile à deviner" in response.content.decode()
    from accounts.models import User

    assert not User.objects.filter(email="devinable@example.fr").exists()


def test_the_strength_estimator_explains_itself_in_french_once():
    # zxcvbn's own warning repeated the list's ("trop courant", "très courant"): one voice.
    with pytest.raises(ValidationError) as refused:
        validate_password("Fontaine3?")
    assert len(refused.value.messages) == 1
    assert "facile à deviner" in refused.value.messages[0]
    assert not any("easy to guess" in message for message in refused.value.messages)


# --- One voice (issue 17) ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "password", ["Rob7!a", "robinet", "azerty", "Robinet7-", "password", "123456"]
)
def test_each_broken_rule_is_named_once_and_no_strength_verdict_comes_with_it(password):
    errors = french_errors(password)
    assert errors, password
    assert len(errors) == len(set(errors)), errors
    assert not any("respecte la règle" in error for error in errors), errors
    assert not any("deviner" in error for error in errors), errors


def test_a_common_password_gets_one_message_not_two():
    errors = french_errors("Azerty123!")
    assert len(errors) == 1, errors


def test_the_strength_verdict_comes_alone_with_an_example_using_allowed_signs():
    errors = french_errors("Marseille2026!")
    assert len(errors) == 1, errors
    assert "facile à deviner" in errors[0]
    example = "Cerise!Bateau7*Nuage"
    assert example in errors[0]
    assert french_errors(example) == []
    assert "-" not in example and "+" not in example
