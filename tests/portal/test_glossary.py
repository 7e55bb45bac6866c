"""One word for each thing: docs/glossary.md's banned variants never show in French.

The variants are read from the glossary's last column; each is searched, case-sensitively
and as a whole word, in every translation of the French catalogue and in the visible text
(and the labels a screen reader or a card layout shows) of a walk of the main pages.
"""

import html as html_lib
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.security.test_url_walk import (  # noqa: F401 (the fixture)
    CONTRACT,
    LOGIN,
    PUBLIC,
    REQUEST,
    owned,
    paths_of,
)

ROOT = Path(__file__).resolve().parents[2]
GLOSSARY = ROOT / "docs" / "glossary.md"
CATALOGUE = ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.po"
# Python and brace placeholders are code, not words ("%(email)s").
PLACEHOLDER = re.compile(r"%\([^)]*\)[sd]|\{[^}]*\}")
SHOWN_ATTRIBUTES = {"alt", "title", "aria-label", "placeholder", "data-label", "value"}


def banned_variants() -> list[str]:
    variants = []
    for line in GLOSSARY.read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) == 4 and not cells[0].startswith("---"):
            variants += re.findall(r"`([^`]+)`", cells[3])
    return variants


def finder(variant: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])" + re.escape(variant) + r"(?![\w-])")


def offenders(text: str) -> list[str]:
    text = PLACEHOLDER.sub(" ", text.replace("\u2019", "'"))
    return [v for v in banned_variants() if finder(v).search(text)]


def translations() -> list[str]:
    """Every msgstr of the catalogue, lines joined (obsolete entries left out)."""
    found, current = [], None
    for line in CATALOGUE.read_text(encoding="utf-8").splitlines():
        if line.startswith("msgstr"):
            current = [line.split(" ", 1)[1]]
            found.append(current)
        elif line.startswith('"') and current is not None:
            current.append(line)
        else:
            current = None
    return ["".join(eval(part) for part in parts) for parts in found]  # noqa: S307


class VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.hidden += 1
        for name, value in attrs:
            if name in SHOWN_ATTRIBUTES and value and not (name == "value" and tag != "button"):
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def visible_text(page: str) -> str:
    parser = VisibleText()
    parser.feed(page)
    return html_lib.unescape(" ".join(parser.parts))


def test_the_glossary_bans_the_variants_the_issue_names():
    variants = banned_variants()
    for variant in ("Associer", "Double authentification", "A quoi sert", "(Estimée)", "email"):
        assert variant in variants


def test_no_french_translation_uses_a_banned_variant():
    bad = {text: offenders(text) for text in translations() if offenders(text)}
    assert not bad, bad


@pytest.mark.django_db
def test_no_page_of_the_walk_shows_a_banned_variant(client, owned, subscriber):  # noqa: F811
    pages = {}
    for path in paths_of(PUBLIC, owned):
        pages[path] = client.get(path)
    client.force_login(subscriber)
    for kind in (LOGIN, CONTRACT, REQUEST):
        for path in paths_of(kind, owned):
            pages[path] = client.get(path)
    walked = 0
    bad = {}
    for path, response in pages.items():
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        walked += 1
        found = offenders(visible_text(response.content.decode()))
        if found:
            bad[path] = found
    assert walked > 20
    assert not bad, bad
