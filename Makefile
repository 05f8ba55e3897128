# `make demo` and `make test` work on a fresh machine with only Python 3.11:
# the first run creates .venv and installs the project with its dev extra.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Only packages that exist are checked, so the list grows with the project.
PACKAGES := $(wildcard dify_client dsl reconcile jobs gitstore tasks flows difyops emulator)

export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1

.PHONY: all install check lint typecheck imports test quick reliability demo bench clean

all: test

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "difyops needs Python >= 3.11"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --config-settings editable_mode=compat -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy $(PACKAGES)

imports: $(STAMP)
	$(BIN)/lint-imports

check: lint typecheck imports

test: check
	$(BIN)/python -m pytest

# The local loop: everything but the slow tiers (Prefect flows, CLI, contract, corpus,
# schemathesis, long property runs; see tests/conftest.py), about 25 s. `make test` runs all.
quick: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow"

# Faults, kill -9, leaks, hostile input, concurrency and auth order (tests/reliability,
# also part of `make test`): one figure line per suite at the end of the run.
reliability: $(STAMP)
	$(BIN)/python -m pytest -q tests/reliability

# GENERATION=s3 serves Dify's newer (catalog) paths; the client detects which it met.
GENERATION ?= s2
demo: $(STAMP)
	DIFYOPS_DEMO_GENERATION=$(GENERATION) $(BIN)/python -m difyops.demo

bench: $(STAMP)
	for b in bench/[!_]*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .import_linter_cache
