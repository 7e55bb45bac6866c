"""In-process helpers of the load benchmark (run by bench/run.py with the bench environment).

    python bench/prepare.py sessions N      → JSON: N logged-in sessions with their contract
    python bench/prepare.py queries         → JSON: queries per request of each measured page
    python bench/prepare.py hashing         → JSON: Argon2 parameters and verification time
    python bench/prepare.py retire          → retires the kept contract pages (as an import)
    python bench/prepare.py reset-sessions  → ends every session (benchmark databases only)
    python bench/prepare.py stagger N       → kept accounts of the first N expire at any moment

Sessions are created directly in the session store (what a login leaves behind), so the
load generator can act as many distinct subscribers without paying Argon2 each time.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
# The /bench/floor view whose queries are counted lives in the demo app.
os.environ.setdefault("DJANGO_DEMO", "1")

import django  # noqa: E402

django.setup()

from importlib import import_module  # noqa: E402

from allauth.usersessions.models import UserSession  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.auth.hashers import (  # noqa: E402
    Argon2PasswordHasher,
    get_hasher,
)
from django.db import connection  # noqa: E402
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils.crypto import get_random_string  # noqa: E402

from accounts.models import User  # noqa: E402
from accounts.sessions import LAST_ACTIVITY, SESSIONS_SEEN  # noqa: E402
from contracts.models import Contract, Invoice  # noqa: E402

BACKEND = "allauth.account.auth_backends.AuthenticationBackend"


def subscribers(count: int) -> list[dict[str, str]]:
    """The first ``count`` generated accounts: a session, their contract, an invoice."""
    rows = []
    users = User.objects.filter(payer_links__isnull=False).order_by("pk")[:count]
    for user in users:
        contract = Contract.objects.for_user(user).order_by("number").first()
        if contract is None:
            continue
        invoice = Invoice.objects.filter(contract=contract).order_by("-issue_date").first()
        # The engine's store, as a login leaves it (its key names the account).
        session = import_module(settings.SESSION_ENGINE).SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = BACKEND
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session["contracts:current"] = contract.number
        # Logged in at some moment of the last minute, as real visitors are: their
        # once-a-minute writes (idle clock, sessions list) come at any time, not together.
        since = int(time.time()) - random.randrange(60)
        session[LAST_ACTIVITY] = session[SESSIONS_SEEN] = since
        session.save()
        # The sessions list's row a login records (wrk sends no User-Agent).
        UserSession.objects.create(
            user=user, session_key=session.session_key, ip="127.0.0.1", user_agent=""
        )
        rows.append(
            {
                "email": user.email,
                "session": session.session_key,
                # The form-token cookie a browser holds after its first page.
                "csrf": get_random_string(CSRF_SECRET_LENGTH, CSRF_ALLOWED_CHARS),
                "contract": contract.number,
                "invoice": invoice.number if invoice else "",
            }
        )
    return rows


def query_counts(paths: dict[str, str]) -> dict[str, int]:
    """Queries per request of each page, for the first generated subscriber."""
    me = subscribers(1)[0]
    client = Client(HTTP_HOST=settings.ALLOWED_HOSTS[0])
    client.cookies[settings.SESSION_COOKIE_NAME] = me["session"]
    counts = {}
    for name, template in paths.items():
        path = template.format(**me)
        client.get(path)  # warm: first-request work is not per-request work
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        if response.status_code not in (200, 302):
            raise SystemExit(f"{path}: HTTP {response.status_code}")
        counts[name] = len(queries.captured_queries)
        if "{contract}" in template:
            from contracts import fragments

            fragments.bump()  # as after an import: nothing kept
            with CaptureQueriesContext(connection) as queries:
                client.get(path)
            counts[f"{name}, first view"] = len(queries.captured_queries)
    return counts


def stagger(count: int) -> int:
    """The kept accounts (and contract lists) of the first ``count`` subscribers expire at
    any moment of their lifetime from now, as they do once visitors come and go. After a
    warm-up they were all kept within seconds, and would all expire within seconds too,
    about a minute later: a burst of account reads landing on whichever page is measured
    then. Returns how many entries were found."""
    from django.core.cache import cache

    from accounts import usercache
    from contracts.access import VISIBLE_PREFIX

    seconds = usercache.timeout()
    found = 0
    ids = User.objects.filter(payer_links__isnull=False).order_by("pk")[:count]
    for user_id in ids.values_list("pk", flat=True):
        left = random.randint(1, seconds)
        for key in (f"{usercache.VERSION_PREFIX}{user_id}", f"{VISIBLE_PREFIX}{user_id}"):
            found += bool(cache.touch(key, left))
    return found


def hashing(rounds: int = 10) -> dict[str, object]:
    """CPU time of one password verification with the portal's hasher (and Django's)."""
    results: dict[str, object] = {}
    for label, hasher in (("portal", get_hasher("default")), ("django", Argon2PasswordHasher())):
        encoded = hasher.encode("Robinet!Bench7", hasher.salt())
        hasher.verify("Robinet!Bench7", encoded)
        start = time.process_time()
        for _ in range(rounds):
            hasher.verify("Robinet!Bench7", encoded)
        ms = (time.process_time() - start) / rounds * 1000
        results[label] = {
            "hasher": f"{type(hasher).__module__}.{type(hasher).__name__}",
            "memory_kib": getattr(hasher, "memory_cost", None),
            "time_cost": getattr(hasher, "time_cost", None),
            "parallelism": getattr(hasher, "parallelism", None),
            "verify_cpu_ms": round(ms, 1),
        }
    return results


def reset_sessions() -> int:
    """Every run starts with no session: logins from earlier runs would otherwise pile up
    (each login lists and checks the account's other sessions, as allauth does)."""
    from django.contrib.sessions.models import Session

    if "bench" not in settings.DATABASES["default"]["NAME"]:
        raise SystemExit("reset-sessions runs on benchmark databases only")
    UserSession.objects.all().delete()
    ended, _ = Session.objects.all().delete()
    return ended


def main() -> None:
    command = sys.argv[1]
    if command == "sessions":
        print(json.dumps(subscribers(int(sys.argv[2]))))
    elif command == "queries":
        print(json.dumps(query_counts(json.loads(sys.argv[2]))))
    elif command == "hashing":
        print(json.dumps(hashing()))
    elif command == "stagger":
        print(json.dumps(stagger(int(sys.argv[2]))))
    elif command == "reset-sessions":
        print(json.dumps(reset_sessions()))
    elif command == "retire":
        from contracts import fragments

        print(json.dumps(fragments.bump()))
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main()
