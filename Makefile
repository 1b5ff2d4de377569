# PS Desk — `make run` serves the demo, `make test` runs the whole suite. Both install what they need.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
APT_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
# Tests also read PDFs (poppler), drive a real browser and open DOCX/XLSX in an independent reader.
TEST_APT_PACKAGES := $(APT_PACKAGES) chromium poppler-utils libreoffice-writer-nogui
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
BENCH_ARGS ?=

.PHONY: run test bench bench-cluster lint fmt install system-deps test-system-deps apt-install migrate demo serve worker scheduler clean diagrams

$(BIN)/python:
	@$(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' || { \
	  echo "PS Desk needs Python >= 3.12 (found $$($(PY) --version 2>&1)). With pyenv, .python-version selects 3.12; or run: make PY=python3.12 ..."; exit 1; }
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): $(BIN)/python requirements.lock pyproject.toml
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

# Debian packages (WeasyPrint for PDFs; more for tests). Installs when root and something is
# missing; otherwise prints the command to run.
system-deps:
	@$(MAKE) --no-print-directory apt-install PKGS="$(APT_PACKAGES)"

test-system-deps:
	@$(MAKE) --no-print-directory apt-install PKGS="$(TEST_APT_PACKAGES)"

apt-install:
	@missing=$$(for p in $(PKGS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian packages: $$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "Missing Debian packages; run: sudo apt-get install -y $$missing"; fi; \
	fi

migrate: install
	$(BIN)/python manage.py migrate --no-input -v0

demo: migrate
	$(BIN)/python manage.py demo

# Links in notifications and emails start with PSDESK_SITE_URL: `make run PORT=8001` links to 8001;
# set PSDESK_SITE_URL yourself when people reach PS Desk through another address (a proxy, a DNS name).
run: export PSDESK_SITE_URL ?= http://$(HOST):$(PORT)
run: system-deps migrate
	@$(BIN)/python manage.py demo
	@echo ""
	@echo "PS Desk at http://$(HOST):$(PORT)/  (API docs: http://$(HOST):$(PORT)/api/v1/docs; links in emails: $$PSDESK_SITE_URL)"
	@$(BIN)/python manage.py db_worker --no-reload --queue-name '*' & worker=$$!; \
	  $(BIN)/python manage.py ops scheduler & scheduler=$$!; \
	  trap "kill $$worker $$scheduler 2>/dev/null" EXIT INT TERM; \
	  $(BIN)/gunicorn config.wsgi --bind $(HOST):$(PORT) --workers 2 --access-logfile - --log-level warning

# One background worker on every queue (PSDESK_TASKS=redis: the Redis worker); run as many as you like.
worker: migrate
	@if [ "$${PSDESK_TASKS:-database}" = redis ]; then \
	  exec $(BIN)/python manage.py run_redis_tasks --continuous; \
	else exec $(BIN)/python manage.py db_worker --no-reload --queue-name '*'; fi

# The periodic-job scheduler (SLA sweep, stale cards, forecast, audit anchor); any number may run.
scheduler: migrate
	$(BIN)/python manage.py ops scheduler

test: test-system-deps install
	$(BIN)/pytest -q -p xdist -n 2 $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m bench

# PostgreSQL + 2 web nodes + 2 workers + 2 schedulers under locust, killing a node and a worker
# mid-run (bench/cluster; docs/deploy.md has its figures). Not run by CI.
bench-cluster: install
	@$(MAKE) --no-print-directory apt-install PKGS="postgresql $(APT_PACKAGES)"
	$(BIN)/python -m bench.cluster $(BENCH_ARGS)

fmt: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy psdesk config tests conftest.py

diagrams: install
	$(BIN)/python manage.py workflow_diagrams

clean:
	rm -rf $(VENV) var
