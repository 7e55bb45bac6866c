"""createsuperuser speaks French from the first prompt to the last line."""

import getpass
import io

import pytest
from django.core.management import call_command

from accounts.models import User

pytestmark = pytest.mark.django_db


class TTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_createsuperuser_asks_and_answers_in_french(monkeypatch):
    prompts = []
    answers = iter(["Tortue&Violon9", "Autre&Violon9", "Tortue&Violon9", "Tortue&Violon9"])

    def fake_getpass(prompt="Password: ", stream=None):
        prompts.append(prompt)
        return next(answers)

    monkeypatch.setattr(getpass, "getpass", fake_getpass)
    monkeypatch.setattr(
        "builtins.input", lambda prompt="": prompts.append(prompt) or "chef@example.fr"
    )
    out, err = io.StringIO(), io.StringIO()
    call_command("createsuperuser", stdin=TTY(), stdout=out, stderr=err)
    assert "Mot de passe : " in prompts and "Mot de passe (à nouveau) : " in prompts
    assert prompts[0].startswith("Adresse e-mail")
    assert "les deux mots de passe diffèrent" in err.getvalue()
    assert "Compte administrateur créé" in out.getvalue()
    assert "authentification à deux facteurs" in out.getvalue()
    assert User.objects.get(email="chef@example.fr").is_superuser
    assert getpass.getpass is fake_getpass  # put back
