# Two commands set up a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run test bench setup clean e2e-prod load faults fuzz-api

setup: $(STAMP) node_modules/.installed

$(STAMP): requirements/base.txt requirements/production.txt requirements/dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

run: setup
	PORT=$(PORT) ./scripts/run-local.sh

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

# The production stack on loopback: gunicorn, a Celery worker on Redis, PostgreSQL and
# moto's S3 server, with the production settings (needs this machine's PostgreSQL and Redis).
e2e-prod: setup
	PYTHON=$(PY) ./scripts/e2e_prod.sh

# Load on gunicorn with the production settings (this machine's PostgreSQL and Redis,
# loopback only, under 10 minutes); wrk comes from Debian's package.
load: setup
	command -v wrk >/dev/null || (apt-get install -y -qq wrk || (apt-get update -qq && apt-get install -y -qq wrk))
	$(PY) -m loadtest.load

# Fault runs on their own redis-server, PostgreSQL cluster and S3 server (docs/RELIABILITY.md).
faults: setup
	$(PY) -m loadtest.faults

# schemathesis over every API operation: 200 valid and 200 invalid examples each (> 1,000 cases).
fuzz-api: setup
	SCHEMATHESIS_EXAMPLES=200 $(PY) -m pytest -q tests/reliability/test_api_schema.py

bench: $(STAMP)
	$(PY) -m renders.engine.bench

clean:
	rm -rf $(VENV) node_modules var staticfiles
