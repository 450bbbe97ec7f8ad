# `make run` opens the chat; `make test` runs the test suite. Both set up what they need.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEPS_HASH := $(shell cat requirements.lock pyproject.toml | sha256sum | cut -c1-12)
STAMP := $(VENV)/.installed-$(DEPS_HASH)
PYTEST_ARGS ?=

.PHONY: run test setup model index browser bench eval-golden eval-ntrex clean-venv

run: index
	$(BIN)/assistant serve

test: model browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check torch==2.13.0 -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@rm -f $(VENV)/.installed-*
	@touch $@

model: setup
	$(BIN)/assistant model fetch

index: model
	$(BIN)/assistant index build

browser:
	@bash scripts/ensure-chromium.sh

bench: model
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock torch==2.13.0 -r requirements-bench.lock
	$(BIN)/assistant bench --quick

eval-golden: model
	$(BIN)/assistant eval golden

eval-ntrex: model
	$(BIN)/assistant eval ntrex

clean-venv:
	rm -rf $(VENV)
