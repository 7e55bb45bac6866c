"""The French catalogue is complete and its compiled .mo matches the .po."""

import ast
import gettext
from pathlib import Path

from django.conf import settings
from django.utils import translation

ROOT = Path(__file__).resolve().parents[2]


def _unquote(line: str) -> str:
    return ast.literal_eval(line.strip())


def parse_po(path: Path) -> list[dict[str, object]]:
    """A small .po reader: entries with msgctxt, msgid, msgid_plural, msgstr[n] and flags."""
    entries: list[dict[str, object]] = []
    entry: dict[str, object] = {"flags": set()}
    key: str | None = None

    def flush() -> None:
        nonlocal entry
        if "msgid" in entry and not entry.get("obsolete"):
            entries.append(entry)
        entry = {"flags": set()}

    for raw in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if not line:
            flush()
            key = None
        elif line.startswith("#~"):
            entry["obsolete"] = True
        elif line.startswith("#,"):
            entry["flags"] = {f.strip() for f in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            assert key is not None
            entry[key] = str(entry[key]) + _unquote(line)
        else:
            key, _, rest = line.partition(" ")
            entry[key] = _unquote(rest)
    return entries


def catalogues() -> list[Path]:
    found = [p for p in (ROOT / "locale").rglob("django.po")]
    for app in ("portal", "accounts", "contracts"):
        found += list((ROOT / app / "locale").rglob("django.po"))
    return found


def test_there_is_a_french_catalogue():
    assert (ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.po").exists()


def test_every_string_is_translated_and_none_is_fuzzy():
    for po in catalogues():
        for entry in parse_po(po):
            if entry["msgid"] == "":
                continue
            assert "fuzzy" not in entry["flags"], f"{po}: fuzzy entry {entry['msgid']!r}"
            strings = [v for k, v in entry.items() if str(k).startswith("msgstr")]
            assert strings and all(strings), f"{po}: untranslated {entry['msgid']!r}"


def test_each_compiled_catalogue_matches_its_source():
    for po in catalogues():
        mo = po.with_suffix(".mo")
        assert mo.exists(), f"{mo} is missing: run `make messages`"
        with mo.open("rb") as handle:
            compiled = gettext.GNUTranslations(handle)
        for entry in parse_po(po):
            if entry["msgid"] == "" or "msgid_plural" in entry:
                continue
            msgid = str(entry["msgid"])
            if "msgctxt" in entry:
                got = compiled.pgettext(str(entry["msgctxt"]), msgid)
            else:
                got = compiled.gettext(msgid)
            assert got == entry["msgstr"], f"{mo} is older than {po.name}: run `make messages`"


def test_the_site_speaks_french_by_default():
    assert settings.LANGUAGE_CODE == "fr"
    with translation.override("fr"):
        assert translation.gettext("Skip to content") == "Aller au contenu"
