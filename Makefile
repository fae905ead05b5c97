# cosell — every target sets up what it needs on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DB ?= var/cosell.db
export COSELL_DATABASE_URL ?= sqlite:///$(DB)

.PHONY: run demo test lint bench system-deps clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,scale]'
	touch $(STAMP)

run: $(STAMP)
	mkdir -p var
	$(VENV)/bin/cosell init --demo
	bash scripts/demo-round-trip.sh

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy

test: $(STAMP) lint
	$(PY) -m pytest -n 2 -q

bench: $(STAMP)
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .hypothesis
