# Sigap: `make run` serves the demo, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PORT ?= 5000

.PHONY: install install-dev run test bench bench-intake prod-check faults faults-postgres audit lock clean

# Runtime only (make run, production); the suite and the benchmarks add requirements-dev.txt.
install: $(VENV)/.installed node_modules/.installed
install-dev: install $(VENV)/.installed-dev

$(VENV)/.pip-upgraded:
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	@touch $@

$(VENV)/.installed: requirements.txt $(VENV)/.pip-upgraded
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements.txt -r requirements-dev.txt
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

run: install
	@mkdir -p instance
	$(FLASK) db upgrade
	$(FLASK) seed demo
	SIGAP_RUN_SCHEDULER=$${SIGAP_RUN_SCHEDULER:-1} $(FLASK) run --host 127.0.0.1 --port $(PORT) --no-reload

# The suite on SQLite, then on PostgreSQL when TEST_DATABASE_URL is set (.ci/run sets it).
# Browser tests drive Debian's Chromium through Playwright, the SMS gateway tests Debian's Kannel
# (bearerbox, smsbox, fakesmsc); without them those tests skip and say why.
test: install-dev
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; } || echo "chromium not installed: browser tests will skip"
	@{ command -v bearerbox >/dev/null 2>&1 || [ -x /usr/sbin/bearerbox ]; } && [ -x /usr/lib/kannel/test/fakesmsc ] || { [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq kannel kannel-extras >/dev/null; } || echo "kannel not installed: the Kannel gateway tests will skip"
	$(BIN)/lint-imports --no-cache --config .importlinter
	$(BIN)/python -m pytest -q -n 2 -p no:cacheprovider --durations=10
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== the same suite on PostgreSQL ($$TEST_DATABASE_URL) =="; \
		SIGAP_TEST_BACKEND=postgresql $(BIN)/python -m pytest -q -n 2 -p no:cacheprovider --durations=10; \
	fi

bench: install-dev
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; } || echo "wrk not installed: bench.intake_load needs it"
	$(BIN)/python -m bench

# Load from wrk (Debian package), installed here when missing and root.
bench-intake: install-dev
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; } || { echo "wrk is not installed: apt-get install wrk"; exit 1; }
	$(BIN)/python -m bench.intake_load --rounds 5 --phase-seconds 4 --concurrency 16

# The production shape (PostgreSQL, gunicorn with 2 workers, two schedulers, Redis) started locally and smoke-tested.
prod-check: install-dev
	bash scripts/prod_check.sh

# Faults survived: duplicate webhook floods, a scheduler killed mid-step, Telegram/Twilio down for a while.
faults: install-dev
	$(BIN)/python scripts/faults.py

# The same plus a PostgreSQL restart under load: restarts the whole local server.
faults-postgres: install-dev
	$(BIN)/python scripts/faults.py --with-postgres-restart

# Needs the advisory database (PyPI's vulnerability service); not reachable from every machine.
audit: install-dev
	$(BIN)/pip-audit -r requirements.txt

# Re-resolve the pinned, hashed requirement files from requirements.in / requirements-dev.in.
lock:
	$(BIN)/python -m pip install --quiet --disable-pip-version-check pip-tools
	$(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links -o requirements.txt requirements.in
	$(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links -o requirements-dev.txt requirements-dev.in

clean:
	rm -rf $(VENV) node_modules instance/*.db
