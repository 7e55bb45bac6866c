"""What every worker would otherwise build on its first requests, built once in the master.

With ``preload_app`` (gunicorn.conf.py) the workers are forked from a master that has
imported the application. A new worker still built, on its first requests, the URL
configuration, every template it rendered and the translation catalogue: 0.2–0.3 s of
CPU spread over the first pages it served, which showed as p99 spikes each time a worker
was replaced (issue #22). ``warm()`` builds them in the master, before the fork, so every
worker starts with them (and shares their memory until it writes to it).

Nothing here opens a connection: no database query, no cache read. A client made in the
master and inherited by the workers would share its socket between processes (a warm-up
that touched the cache once made the rate-limit counts of two instances drift).
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.template.loader import get_template
from django.urls import get_resolver, reverse
from django.utils import translation

logger = logging.getLogger(__name__)


def template_names() -> list[str]:
    """Every template of the project's own folder (the pages, their parts, the emails)."""
    root = Path(settings.BASE_DIR) / "templates"
    return sorted(
        str(path.relative_to(root)) for path in root.rglob("*") if path.suffix in {".html", ".txt"}
    )


def warm() -> int:
    """Build the URL configuration, compile the templates, load the catalogue and the
    kept pages' fingerprint; returns how many templates were compiled."""
    from contracts import fragments

    get_resolver().reverse_dict  # noqa: B018 - builds the URL configuration
    reverse("home")
    with translation.override(settings.LANGUAGE_CODE):
        translation.gettext("Dashboard")
    compiled = 0
    for name in template_names():
        try:
            get_template(name)
        except (TemplateDoesNotExist, TemplateSyntaxError):
            logger.warning("Template %s could not be compiled ahead.", name)
            continue
        compiled += 1
    fragments.code_fingerprint()
    fragments.page_addresses()
    return compiled
