# Espace abonné: one image for the web process (gunicorn) and the task worker (db_worker).
# Build: docker build -t espace-abonne .   Run: see compose.yaml.

# Build stage: dependencies in a virtualenv, static files hashed and compressed.
FROM python:3.13-slim AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
# Exact versions and hashes from `make lock`: a tampered or unexpected file fails the build.
RUN /opt/venv/bin/pip install --no-cache-dir --require-hashes -r /tmp/requirements.txt

WORKDIR /app
COPY . .
# The French catalogue's .mo files are committed (a test keeps them fresh), so the image
# needs no gettext. collectstatic only reads settings: the key below signs nothing.
RUN DJANGO_SECRET_KEY=collectstatic-only DJANGO_DEBUG=0 VAR_DIR=/app/var \
        /opt/venv/bin/python manage.py collectstatic --noinput \
    && /opt/venv/bin/python -m compileall -q /app/portal /app/accounts /app/contracts


# Runtime stage: no compiler, no build tools, a non-root user.
FROM python:3.13-slim

# Static files are collected under VAR_DIR inside the image; only private files (invoice
# PDFs, attachments) live on a volume. PRIVATE_MEDIA_ROOT is a path, not a secret (DL3064
# matches on its name).
# hadolint ignore=DL3064
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_DEBUG=0 \
    VAR_DIR=/app/var \
    PRIVATE_MEDIA_ROOT=/data/private \
    PORT=8000

RUN groupadd --system --gid 10001 portal \
    && useradd --system --uid 10001 --gid portal --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin portal \
    && install -d -o portal -g portal -m 0750 /data/private

COPY --from=build /opt/venv /opt/venv
# Code and collected static files stay owned by root: the app cannot rewrite them.
COPY --from=build /app /app
WORKDIR /app

# Numeric, so Kubernetes' runAsNonRoot can verify it.
USER 10001:10001
EXPOSE 8000
VOLUME ["/data/private"]

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "docker/healthcheck.py"]

# gunicorn reads ./gunicorn.conf.py (PORT, WEB_CONCURRENCY, TRUSTED_PROXY_COUNT...).
CMD ["gunicorn", "portal.wsgi"]
