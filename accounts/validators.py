"""The Régie's password rule, as a Django password validator.

Listed in AUTH_PASSWORD_VALIDATORS, it holds for sign-up, reset, change, createsuperuser
and the admin alike. Every unmet rule is reported, so the subscriber fixes them all at once.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

FORBIDDEN_CHARACTERS = "+-"


@dataclass(frozen=True)
class Rule:
    code: str
    label: str


def is_special(character: str) -> bool:
    """A character that is neither a letter, a digit nor white space."""
    return not (character.isalpha() or character.isdecimal() or character.isspace())


class RegiePasswordValidator:
    """At least ``min_length`` characters, one digit, one lowercase letter, one uppercase
    letter and one special character; "+" and "-" are refused anywhere."""

    def __init__(self, min_length: int = 7) -> None:
        self.min_length = min_length

    def rules(self) -> list[Rule]:
        """The rules in the order the pages show them (codes are used by the script)."""
        return [
            Rule(
                "length",
                ngettext(
                    "at least %(min_length)d character",
                    "at least %(min_length)d characters",
                    self.min_length,
                )
                % {"min_length": self.min_length},
            ),
            Rule("digit", str(_("at least one digit"))),
            Rule("lower", str(_("at least one lowercase letter"))),
            Rule("upper", str(_("at least one uppercase letter"))),
            Rule("special", str(_("at least one special character (such as ! ? * @ # %)"))),
            Rule("forbidden", str(_("no “+” and no “-” sign"))),
        ]

    def unmet(self, password: str) -> list[str]:
        checks = {
            "length": len(password) >= self.min_length,
            "digit": any(c.isdecimal() for c in password),
            "lower": any(c.islower() for c in password),
            "upper": any(c.isupper() for c in password),
            "special": any(is_special(c) and c not in FORBIDDEN_CHARACTERS for c in password),
            "forbidden": not any(c in FORBIDDEN_CHARACTERS for c in password),
        }
        return [code for code, ok in checks.items() if not ok]

    def validate(self, password: str, user: object = None) -> None:
        unmet = self.unmet(password)
        if not unmet:
            return
        labels = {rule.code: rule.label for rule in self.rules()}
        raise ValidationError(
            [
                ValidationError(
                    _("The password must contain %(rule)s."),
                    code=f"password_{code}",
                    params={"rule": labels[code]},
                )
                if code != "forbidden"
                else ValidationError(
                    _("The password must not contain “+” or “-” signs."),
                    code="password_forbidden_character",
                )
                for code in unmet
            ]
        )

    def get_help_text(self) -> str:
        return str(
            _(
                "Your password must contain at least %(min_length)d characters, at least "
                "1 digit, a lowercase letter, an uppercase letter and a special character "
                "(“+” and “-” are not accepted)."
            )
        ) % {"min_length": self.min_length}
