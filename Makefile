# The two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
# pyenv's shims answer only where .python-version names the version: that file says 3.13.
PYTHON ?= $(shell command -v python3.13 2>/dev/null || command -v python3.12 2>/dev/null)

.PHONY: run test install lint format lock messages clean worker manage

$(BIN)/.installed: requirements-dev.txt
	@if [ -z "$(PYTHON)" ] || ! "$(PYTHON)" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
		echo "Espace abonné needs Python 3.13 (or 3.12): install python3.13 and run make again." >&2; \
		echo "On Debian/Ubuntu: apt-get install python3.13 python3.13-venv; with pyenv: pyenv install 3.13" >&2; \
		exit 1; \
	fi
	"$(PYTHON)" -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $@

install: $(BIN)/.installed

# Development server: SQLite and files under var/, mail printed in this terminal.
# Links in emails follow the port: PORT=8080 make run.
SITE_URL ?= http://127.0.0.1:$(PORT)
DEV := DJANGO_DEBUG=1 SITE_URL=$(SITE_URL)
run: install
	@mkdir -p var
	$(DEV) $(BIN)/python manage.py migrate --noinput
	$(DEV) $(BIN)/python manage.py createcachetable
	$(DEV) $(BIN)/python manage.py seed_demo
	$(DEV) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# Any management command with the development settings, e.g.
#   make manage ARGS="createsuperuser"
#   make manage ARGS="import_billing --dry-run exports/2026-12-01"
manage: install
	@mkdir -p var
	$(DEV) $(BIN)/python manage.py $(ARGS)

# Whole suite: SQLite by default, PostgreSQL when DATABASE_URL points to one.
# Extra pytest arguments: make test ARGS="-k linking -x"
test: install
	DJANGO_SECRET_KEY=$${DJANGO_SECRET_KEY:-insecure-key-for-tests-only} DJANGO_DEMO=1 \
		$(BIN)/python -m pytest $(ARGS)

# Durable mail queue worker (TASKS_BACKEND=database).
worker: install
	$(BIN)/python manage.py db_worker

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_SECRET_KEY=$${DJANGO_SECRET_KEY:-insecure-key-for-tests-only} $(BIN)/mypy
	$(BIN)/hadolint Dockerfile

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Refresh the French catalogue after changing strings (needs gettext), then compile it.
messages: install
	DJANGO_DEBUG=1 $(BIN)/python manage.py makemessages -l fr --no-obsolete --ignore=.venv --ignore=var
	DJANGO_DEBUG=1 $(BIN)/python manage.py compilemessages -l fr --ignore=.venv

# Re-pin every dependency (exact versions, hashes) from pyproject.toml.
lock: install
	$(BIN)/pip-compile --quiet --strip-extras --generate-hashes --allow-unsafe -o requirements.txt pyproject.toml
	$(BIN)/pip-compile --quiet --strip-extras --generate-hashes --allow-unsafe --extra dev -o requirements-dev.txt pyproject.toml

clean:
	rm -rf $(VENV) var/static .pytest_cache
