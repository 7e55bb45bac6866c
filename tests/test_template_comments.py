"""Django's {# #} comments are one line only: a two-line one is printed on the page."""

from pathlib import Path

from django.conf import settings


def test_no_template_has_a_comment_that_would_be_printed():
    printed = []
    for template in sorted(Path(settings.BASE_DIR, "templates").rglob("*.html")):
        for number, line in enumerate(template.read_text(encoding="utf-8").splitlines(), 1):
            if "{#" in line and "#}" not in line[line.index("{#") :]:
                printed.append(f"{template}:{number}")
    assert not printed, "multi-line {# #} comments: " + ", ".join(printed)
