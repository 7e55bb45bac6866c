"""What every process would otherwise do on its first request, done once in the gunicorn
master before the workers are forked (gunicorn.conf.py, with preload_app).

A worker forked afterwards inherits it all: the URL configuration and every view module
imported, the French catalogues loaded, the templates compiled by the cached loader, the
static files manifest read, the kept pages' code fingerprint computed. Without it, each new
worker's first requests took 0.3-0.6 s more (issue #22: the p99 spikes of recycling).
Nothing here touches the database or the cache, and their connections are closed before
the fork all the same: a socket must never be shared by two processes.
"""

from __future__ import annotations

import contextlib
from pathlib import Path


def template_names() -> list[str]:
    """Every template of the project and the installed apps, by its loader name."""
    from django.template import engines
    from django.template.utils import get_app_template_dirs

    names: set[str] = set()
    for engine in engines.all():
        for directory in [*engine.dirs, *get_app_template_dirs("templates")]:
            root = Path(str(directory))
            names.update(str(p.relative_to(root)) for p in root.rglob("*.html"))
    return sorted(names)


def warm() -> int:
    """Load what the first requests would; returns how many templates were compiled."""
    from django.conf import settings
    from django.contrib.staticfiles.storage import staticfiles_storage
    from django.core.cache import caches
    from django.db import connections
    from django.template import TemplateDoesNotExist, TemplateSyntaxError
    from django.template.loader import get_template
    from django.urls import get_resolver
    from django.utils import translation

    from contracts import fragments

    get_resolver().reverse_dict  # noqa: B018 (imports every view, builds the patterns)
    with translation.override(settings.LANGUAGE_CODE):
        translation.gettext("Home")
    compiled = 0
    for name in template_names():
        try:
            get_template(name)
            compiled += 1
        except (TemplateDoesNotExist, TemplateSyntaxError):
            # Templates of apps this project does not use may need libraries it lacks.
            continue
    # No manifest (collectstatic not run): the first request says so.
    with contextlib.suppress(ValueError):
        staticfiles_storage.url("css/portal.css")
    fragments.code_fingerprint()
    connections.close_all()
    caches.close_all()
    return compiled
