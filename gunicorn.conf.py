"""gunicorn settings for the Espace abonné, read from the environment.

gunicorn loads this file from the working directory by default, so in the image
`gunicorn portal.wsgi` is enough. Variables (all optional):

- PORT: port to listen on, on every interface. Default 8000.
- WEB_CONCURRENCY: number of sync worker processes. Default 2 x CPUs + 1, at most 8.
  A sync worker serves one request at a time and mostly waits on PostgreSQL, so about two
  per CPU keeps the CPUs busy; the cap bounds memory (about 60-80 MB per worker) and the
  database connections (each worker keeps one open for DATABASE_CONN_MAX_AGE seconds).
  CPUs are those this process may run on, which is not the container's CPU quota: set
  WEB_CONCURRENCY explicitly when the container is limited.
- GUNICORN_TIMEOUT: seconds before a silent worker is killed and restarted. Default 30.
- GUNICORN_ACCESS_LOG: 1 to write one access line per request on stdout (secret keys of
  reset and confirmation links masked). Default 0: the reverse proxy logs requests, and
  gunicorn's own line cost 5 % of a logged-in request's CPU (issue #22).
- GUNICORN_PRELOAD: 0 to import the application in each worker rather than once in the
  master (then a HUP reloads the code, at the cost of slower worker starts). Default 1.
- GUNICORN_MAX_REQUESTS: requests after which a worker is replaced. Default 100000 (plus up
  to 10 % of jitter, so the workers are not replaced together); 0 never replaces them.
- TRUSTED_PROXY_COUNT: as in the Django settings. With 0, gunicorn trusts no
  X-Forwarded-* header; with 1 or more it trusts them from FORWARDED_ALLOW_IPS (default
  "*": the container is only reachable through the proxy).
"""

import contextlib
import gc
import os
import re

from gunicorn import glogging


def _env_int(name: str, default: int, minimum: int = 1) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SystemExit(f"{name}: expected a whole number, got {raw!r}") from None
    if value < minimum:
        raise SystemExit(f"{name}: must be at least {minimum}, got {value}")
    return value


def _cpus() -> int:
    return os.process_cpu_count() or 1


bind = [f"0.0.0.0:{_env_int('PORT', 8000)}"]
worker_class = "sync"
workers = _env_int("WEB_CONCURRENCY", min(2 * _cpus() + 1, 8))
timeout = _env_int("GUNICORN_TIMEOUT", 30)
graceful_timeout = 20
# Longer than gunicorn's default 2 s so a reverse proxy reusing connections does not hit
# one gunicorn just closed.
keepalive = 5
# The application is imported once, in the master, before the workers are forked: a new
# worker starts in milliseconds instead of 0.5-0.65 s of imports (which, at max_requests
# 2000, was one restart every few seconds and the p99 spikes of issue #22), and the workers
# share the imported code's memory. A new release needs a restart of the master (a new
# container), not a HUP.
preload_app = bool(_env_int("GUNICORN_PRELOAD", 1, minimum=0))
# Recycle workers now and then so a slow leak can never grow unbounded. Over 512,000
# requests with recycling off (bench/memory.py, bench/results/memory.md: 5 workers, about
# 100,000 requests each) a worker grew from 154 to 172 MiB, the per-process stores filling
# towards their bounds (core.kept), so a replacement every ~100,000 requests is enough. A
# new worker starts with those stores empty and reads everything again: at 20,000, the
# benchmark replaced a worker every 20 s, and the contract pages paid for it.
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 100_000, minimum=0)
max_requests_jitter = max_requests // 10
# The workers' heartbeat files live in memory: an overlay filesystem can stall them.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108

# gunicorn 25.1+ opens a control socket under $XDG_RUNTIME_DIR or ~/.gunicorn; a container
# needs none (and its home may be read-only).
control_socket_disable = True

# Forwarded headers are trusted only when the settings say a proxy sits in front.
if _env_int("TRUSTED_PROXY_COUNT", 0, minimum=0) > 0:
    forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "").strip() or "*"
else:
    forwarded_allow_ips = ""

# Request size limits: gunicorn's defaults, written down so they are not a surprise.
limit_request_line = 4094
limit_request_fields = 100

# Logs: errors on stderr. Access lines (GUNICORN_ACCESS_LOG=1) on stdout, with no client
# address, user agent or cookie (personal data); secret keys in reset and confirmation
# links are masked. Off by default: the reverse proxy logs every request already.
accesslog = "-" if _env_int("GUNICORN_ACCESS_LOG", 0, minimum=0) else None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
access_log_format = '%(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s"'

# Paths whose last segments are secrets: everything after the prefix is replaced.
_SECRET_PATHS = re.compile(r"(/password/reset/key/|/confirm-email/)[^?#\s]*(\?\S*)?")


def mask_secrets(text: str) -> str:
    """Hide the key of a password-reset or email-confirmation link (and its query string)."""
    return _SECRET_PATHS.sub(r"\1***/", text)


class MaskingLogger(glogging.Logger):
    """gunicorn's logger, with reset and confirmation keys masked in access lines."""

    def atoms(self, resp, req, environ, request_time):  # type: ignore[no-untyped-def]
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "q", "f", "{referer}i", "{raw_uri}e", "{path_info}e"):
            value = atoms.get(key)
            if isinstance(value, str):
                atoms[key] = mask_secrets(value)
        if _SECRET_PATHS.search(environ.get("PATH_INFO", "") or ""):
            atoms["q"] = ""
        return atoms


logger_class = MaskingLogger


def when_ready(server):  # type: ignore[no-untyped-def]
    """With preload_app, build in the master what each worker would build on its first
    requests (portal/warmup.py: URLs, templates, catalogue; no connection is opened)."""
    if not server.cfg.preload_app:
        return
    from portal.warmup import warm

    server.log.info("Warmed up: %d templates compiled ahead of the workers.", warm())
    # Everything the master built lives as long as the workers: left to the collector, a
    # worker's full collection walked those ~160,000 objects, 90-130 ms each time (the
    # p99 spikes of 100-300 ms of issue #22), and writing their collector headers copied
    # the shared memory pages into each worker. Frozen, the workers' collections only walk
    # what they made themselves.
    gc.collect()
    gc.freeze()


def post_fork(server, worker):  # type: ignore[no-untyped-def]
    """A new worker makes its own cache clients: with preload_app, any made in the master
    (none today) would be shared with every worker through the fork."""
    if not server.cfg.preload_app:
        return  # Django is not loaded yet: the worker imports it after this hook
    from django.conf import settings
    from django.core.cache import caches

    for alias in settings.CACHES:
        with contextlib.suppress(AttributeError):  # never made in the master
            del caches[alias]
