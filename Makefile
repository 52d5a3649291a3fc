# bkkwatch: the two commands are `make demo` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
UV_VERSION := 0.13.8
export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false
# The public data sets for training, evaluation, the evaluation tests and benchmarks (not needed to run
# the product). Override with `make eval DATA_DIR=/path`; an explicit BKKWATCH_DATA_DIR wins.
DATA_DIR ?= ../shared/data
export BKKWATCH_DATA_DIR ?= $(abspath $(DATA_DIR))

.PHONY: install demo test test-fast lint typecheck eval bench lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(UV): | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Installs exactly what requirements.lock pins (hashes checked), then bkkwatch itself (editable).
$(VENV)/.installed: requirements.lock pyproject.toml | $(UV)
	$(UV) pip sync --python $(BIN)/python --require-hashes requirements.lock
	$(UV) pip install --python $(BIN)/python --no-deps -e .
	touch $@

install: $(VENV)/.installed

demo: install
	$(BIN)/bkkwatch demo

test: install
	$(BIN)/python -m pytest

test-fast: install
	$(BIN)/python -m pytest -m "not slow and not browser"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

eval: install
	$(BIN)/bkkwatch eval

bench: install
	$(BIN)/python -m bench

# Re-pin after changing dependencies in pyproject.toml.
lock: | $(UV)
	$(UV) pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -o requirements.lock

clean:
	rm -rf $(VENV) var build *.egg-info .pytest_cache .mypy_cache .ruff_cache
