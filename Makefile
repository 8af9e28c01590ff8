# Everything installs into .venv, so a fresh machine needs only Python and make.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo install install-dev test test-matrix test-newest test-lowest lint validate schema bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-dev: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'

# The main job: resolve the reference model, show the resolution (key masked), validate the catalog.
# A placeholder key and project are used when none are set, to show the masking.
demo: install
	WANDB_API_KEY="$${WANDB_API_KEY:-demo-key-not-a-real-secret-c0de}" \
	WANDB_PROJECT="$${WANDB_PROJECT:-my-team/my-project}" \
	$(BIN)/registry show wandb/Llama-3.1-8B-Instruct
	$(BIN)/registry validate

test: install-dev
	$(BIN)/python -m pytest

# Both ends of every version range in pyproject.toml, each in a fresh venv of its own (CI runs
# this): the newest releases, as a newcomer installs them today, and the oldest release allowed
# of every direct dependency (uv's lowest-direct resolution). uv prints what it installed.
# LOWEST_PYTHON picks the interpreter of the lowest run, e.g. the oldest Python allowed, and
# PYTEST_ARGS_lowest narrows its tests (CI leaves out the process-heavy ones there).
LOWEST_PYTHON ?= $(PYTHON)
PYTHON_newest = $(PYTHON)
PYTHON_lowest = $(LOWEST_PYTHON)
RESOLUTION_newest = highest
RESOLUTION_lowest = lowest-direct

test-matrix: test-newest test-lowest

test-newest test-lowest: test-%:
	rm -rf .venv-$*
	$(PYTHON_$*) -m venv .venv-$*
	.venv-$*/bin/python -m pip install --quiet uv
	.venv-$*/bin/python --version
	.venv-$*/bin/uv pip install --python .venv-$*/bin/python --resolution $(RESOLUTION_$*) \
		--no-progress -e '.[test]'
	.venv-$*/bin/python -m pytest -p no:cacheprovider $(PYTEST_ARGS_$*)

lint: install-dev
	$(BIN)/ruff check provider_registry tests benchmarks examples hatch_build.py
	$(BIN)/ruff format --check provider_registry tests benchmarks examples hatch_build.py
	$(BIN)/mypy

validate: install
	$(BIN)/registry validate

schema: install
	$(BIN)/registry schema

bench: install
	$(BIN)/python benchmarks/bench_resolve.py

clean:
	rm -rf $(VENV) .venv-newest .venv-lowest build dist .pytest_cache .mypy_cache .ruff_cache .hypothesis
