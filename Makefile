# cosell — every target sets up what it needs on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
export COSELL_DATABASE_URL ?= sqlite:///var/cosell.db

.PHONY: run run-scale demo test lint bench bench-scale system-deps clean fuzz catalogs

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,scale]'
	touch $(STAMP)

# The product on the embedded default: SQLite database with demo data, web app + worker.
run: $(STAMP)
	mkdir -p var
	$(VENV)/bin/cosell init --demo
	@echo "open http://$(HOST):$(PORT)/ and sign in with a login above"
	$(VENV)/bin/cosell serve --host $(HOST) --port $(PORT)

# The scale-out mode on this machine: a PostgreSQL cluster and a Redis of its own under
# var/scale (kept between runs), demo data, `cosell serve --no-worker --processes 2` and
# 3 `cosell worker` processes (scripts/run_scale.py); Ctrl-C stops everything it started.
run-scale: $(STAMP) system-deps
	$(PY) scripts/run_scale.py --data var/scale --host $(HOST) --port $(PORT)

# A round trip on the command line: export, re-import (all unchanged), edit, import.
demo: $(STAMP)
	mkdir -p var
	$(VENV)/bin/cosell init --demo
	bash scripts/demo-round-trip.sh

# Debian's Chromium drives the browser tests (Playwright never downloads a browser here);
# headless LibreOffice Calc re-saves exported files in the round-trip tests (tests/roundtrip);
# PostgreSQL's server binaries run a throw-away cluster for the PostgreSQL tests, and
# redis-server a throw-away queue server for the scale-out job tests (tests/ops).
# Only what is missing is installed: one apt-get update, one install.
system-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v soffice >/dev/null 2>&1 || missing="$$missing libreoffice-calc-nogui"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v redis-server >/dev/null 2>&1 || missing="$$missing redis-server"; \
	if [ -n "$$missing" ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench scripts
	$(VENV)/bin/ruff format --check src tests bench scripts
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

# Every test: a plain `pytest` leaves out the slow (`-m ''` selects them) and the browser
# tests (`--browser`).
test: $(STAMP) system-deps lint
	$(PY) -m pytest -n 2 -q --browser -m ''

# Long fuzzing of the CSV/XLSX readers and the header mapper (tests/fuzz; `make test`
# runs the same properties on a short budget). COSELL_FUZZ_EXAMPLES per property.
COSELL_FUZZ_EXAMPLES ?= 10000
fuzz: $(STAMP)
	COSELL_FUZZ=long COSELL_FUZZ_EXAMPLES=$(COSELL_FUZZ_EXAMPLES) $(PY) -m pytest -n 2 -q \
	  --hypothesis-show-statistics tests/fuzz

bench: $(STAMP)
	$(PY) bench/run.py
	$(PY) bench/web.py

# The product at scale (bench/scale.py): a tenant mix of 1,000 organizations, the largest
# growing to SCALE_SIZES referrals, on SQLite and on PostgreSQL + Redis. Takes long at 1M+.
SCALE_SIZES ?= 10000,100000,1000000
bench-scale: $(STAMP) system-deps
	$(PY) bench/scale.py --sizes $(SCALE_SIZES)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .hypothesis test-artifacts

# The pages' message catalogs: extract every `_()` string of the code and the templates
# (babel.cfg) into messages.pot, then add the new ones to the nl, sv and fr catalogs,
# where they wait for their translation (tests/test_catalogs.py fails until they have it).
catalogs: $(STAMP)
	$(VENV)/bin/pybabel -q extract -F babel.cfg --no-location --sort-output -k N_ -k Msg \
	  --project cosell -o src/cosell/locales/messages.pot src
	$(VENV)/bin/pybabel -q update -i src/cosell/locales/messages.pot -d src/cosell/locales \
	  --no-fuzzy-matching --ignore-obsolete
