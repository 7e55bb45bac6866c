"""``createsuperuser`` in French: Django's command, its English prompts and messages
translated (Django writes them without gettext), and the next steps printed at the end."""

from __future__ import annotations

import builtins
import getpass
import re
import sys
from typing import Any

from django.contrib.auth.management.commands import createsuperuser as django_command
from django.utils.translation import gettext as _


def _french() -> dict[str, str]:
    return {
        "Password (again): ": _("Password (again): "),
        "Error: Your passwords didn't match.": _("Error: the two passwords differ."),
        "Error: Blank passwords aren't allowed.": _("Error: the password cannot be empty."),
        "Error: This field cannot be blank.": _("Error: this field cannot be empty."),
        "Bypass password validation and create user anyway? [y/N]: ": _(
            "Create the account anyway, despite the password rules? [y/N]: "
        ),
        "Superuser created successfully.": _(
            "Administrator account created. Next: log in at the portal's address with this "
            "email; the portal asks to confirm the address (an email is sent), then to set "
            "up two-factor authentication (TOTP) before the back office opens."
        ),
    }


_STYLED = re.compile(r"((?:\x1b\[[0-9;]*m)?)(.*?)((?:\x1b\[0m)?\n?)", re.S)


class _Translating:
    """A stream that writes Django's English lines in French."""

    def __init__(self, out: Any, words: dict[str, str]) -> None:
        self.out = out
        self.words = words

    def write(self, text: str) -> int:
        # On a terminal, errors come wrapped in colour codes: translate what is inside.
        match = _STYLED.fullmatch(text)
        start, line, end = match.groups() if match else ("", text, "")
        if line.startswith("Error: That ") and line.endswith(" is already taken."):
            line = _("Error: an account already uses this address.")
        return self.out.write(start + self.words.get(line, line) + end)

    def flush(self) -> None:
        self.out.flush()

    def isatty(self) -> bool:
        return hasattr(self.out, "isatty") and self.out.isatty()


class Command(django_command.Command):
    help = "Create an administrator account (email and password), in French."

    def execute(self, *args: Any, **options: Any) -> Any:
        words = _french()
        options["stdout"] = _Translating(options.get("stdout") or sys.stdout, words)
        options["stderr"] = _Translating(options.get("stderr") or sys.stderr, words)
        original_getpass = getpass.getpass

        def french_getpass(prompt: str = "Password: ", stream: Any = None) -> str:
            if prompt == "Password: ":
                prompt = _("Password: ")
            return original_getpass(words.get(prompt, prompt), stream)

        django_command.getpass.getpass = french_getpass
        try:
            # Django calls input() for its last question: a module global shadows it.
            setattr(  # noqa: B010
                django_command, "input", lambda prompt="": builtins.input(words.get(prompt, prompt))
            )
            return super().execute(*args, **options)
        finally:
            django_command.getpass.getpass = original_getpass
            if hasattr(django_command, "input"):
                delattr(django_command, "input")
