# РСНМС-Монитор. `make run` and `make test` need only python3 on the machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501

.PHONY: run test lint bench init demo clean

$(VENV)/.runtime: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt $(VENV)/.runtime
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

## run: set up, prepare data/rsnms.db (reference + demo region when empty), start on port 8501
run: $(VENV)/.runtime
	$(PY) -m rsnms init --format csv > /dev/null
	$(PY) -m rsnms demo --if-empty --format csv > /dev/null
	$(PY) -m streamlit run app.py --server.port $(PORT)

## test: set up and run the whole suite (lint, types, tests)
test: $(VENV)/.dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(PY) -m pytest

lint: $(VENV)/.dev
	$(PY) -m ruff check .
	$(PY) -m mypy

## bench: measured figures (not part of `make test`)
bench: $(VENV)/.dev
	$(PY) -m bench.cold_start
	$(PY) -m bench.pages
	$(PY) -m bench.ingest
	$(PY) -m bench.deficits
	$(PY) -m bench.load --viewers 20
	$(PY) -m bench.national

init: $(VENV)/.runtime
	$(PY) -m rsnms init

demo: $(VENV)/.runtime
	$(PY) -m rsnms demo

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
