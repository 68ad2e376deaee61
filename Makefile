# hotline1022 — `make run` serves the whole thing, `make test` checks it. Both set up what they need.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PG_MAJOR ?= 15
VENV := .venv
PY := $(VENV)/bin/python
PGDATA_DIR := var/pg
HOST ?= 127.0.0.1
PORT ?= 8000
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := postgresql-$(PG_MAJOR) postgresql-$(PG_MAJOR)-postgis-3 gdal-bin gettext
TEST_APT_PACKAGES := chromium fonts-dejavu-core pgbouncer nginx-light systemd dovecot-imapd

# First Python >= 3.12 on PATH (python3 first: pyenv resolves it through .python-version).
PYTHON := $(shell for c in python3 python3.14 python3.13 python3.12 python; do \
	command -v $$c >/dev/null 2>&1 && $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' \
	2>/dev/null && { echo $$c; break; }; done)

.PHONY: help run dev static serve test lint system-packages test-system-packages venv db stop migrate seed \
	messages messages-update bench clean assets

help:
	@echo "make run    — cài đặt + chạy API, bản đồ và worker / set up and serve on http://$(HOST):$(PORT)"
	@echo "make dev    — như make run, với runserver tự nạp lại / the same with runserver and autoreload"
	@echo "make test   — cài đặt + kiểm tra (ruff, mypy, pytest) / set up and run all checks"
	@echo "make stop   — dừng PostgreSQL cục bộ / stop the project-local PostgreSQL"
	@echo "make bench  — chạy benchmark / run the benchmarks (see docs/PERFORMANCE.md)"

system-packages:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "==> installing system packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

test-system-packages: system-packages
	@missing=""; for p in $(TEST_APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "==> installing test packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@[ -n "$(PYTHON)" ] || { echo "Python >= 3.12 not found (install python3.12 or pyenv)"; exit 1; }
	@echo "==> Python environment ($$($(PYTHON) --version))"
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --upgrade pip
	@$(PY) -m pip install -q -e ".[dev]"
	@touch $@

# Browser libraries of the staff map from the npm registry (package-lock.json), served from
# node_modules/ through STATICFILES_DIRS; re-installed when package.json or the lock changes.
assets: node_modules/.package-lock.json

node_modules/.package-lock.json: package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "npm not found: install nodejs and npm"; exit 1; }
	@echo "==> browser assets (npm ci)"
	@npm ci --no-audit --no-fund --loglevel=error
	@touch $@

messages: venv
	@$(PY) manage.py compilemessages --ignore=.venv -v 0

db: system-packages venv
	@$(PY) -m tools.pgcluster start $(PGDATA_DIR) >/dev/null

stop:
	@[ -x $(PY) ] && $(PY) -m tools.pgcluster stop $(PGDATA_DIR) || true

migrate: db
	@$(PY) manage.py migrate -v 0

seed: migrate
	@$(PY) manage.py seed
	@$(PY) manage.py seed_demo

# Served like production: gunicorn (WEB_WORKERS processes × WEB_THREADS threads, see
# backend/gunicorn_conf.py), static files by WhiteNoise, the job worker (manage.py worker) beside it, both
# restarted by tools/serve.py if they die; `kill -HUP` the supervisor reloads without dropping requests.
static: venv messages assets
	@DJANGO_DEBUG=0 $(PY) manage.py collectstatic --noinput -v 0

run: seed static
	@echo "==> http://$(HOST):$(PORT)/  (admin: /admin/, API docs: /api/docs/) — Ctrl+C to stop"
	@DJANGO_DEBUG=0 $(PY) -m tools.serve --bind $(HOST):$(PORT)

# Development: runserver with autoreload and DEBUG, a worker beside it.
dev: seed messages assets
	@echo "==> http://$(HOST):$(PORT)/  (runserver, autoreload) — Ctrl+C to stop"
	@$(PY) manage.py worker & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	  $(PY) manage.py runserver $(HOST):$(PORT)

messages-update: venv
	@$(PY) manage.py makemessages -l en --ignore=.venv --ignore=tests --ignore=bench --ignore=node_modules --no-obsolete -v 0
	@$(PY) -m tools.fill_po locale/en/LC_MESSAGES/django.po locale/en/translations/*.json
	@$(PY) manage.py compilemessages --ignore=.venv -v 0

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test: test-system-packages venv messages assets lint
	DJANGO_SETTINGS_MODULE=backend.settings.test $(VENV)/bin/pytest

# All benchmarks, about an hour on 2 cores; figures go to docs/PERFORMANCE.md by hand.
# bench_tiles fills hotline1022_bench_tiles with 2,000,000 incidents once; staff and digest reuse it.
BENCH_2M = $$($(PY) -m tools.pgcluster url $(PGDATA_DIR) hotline1022_bench_tiles)
bench: db assets
	$(PY) bench/bench_geo.py
	$(PY) bench/bench_submit.py
	$(PY) bench/bench_push.py
	$(PY) bench/bench_tiles.py
	DATABASE_URL=$(BENCH_2M) $(PY) bench/bench_staff.py
	DATABASE_URL=$(BENCH_2M) $(PY) bench/bench_digest.py
	$(PY) bench/bench_faults.py
	$(PY) bench/bench_server_cpu.py --baseline-ref main
	$(PY) bench/bench_load.py

clean: stop
	rm -rf var $(VENV)
