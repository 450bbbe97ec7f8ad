# `make run` opens the chat; `make test` runs the test suite. Both set up what they need.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEPS_HASH := $(shell cat requirements.lock pyproject.toml | sha256sum | cut -c1-12)
STAMP := $(VENV)/.installed-$(DEPS_HASH)
PYTEST_ARGS ?=

BENCH_STAMP := $(VENV)/.bench-$(shell cat requirements-bench.lock requirements.lock | sha256sum | cut -c1-12)

.PHONY: run test setup model index browser bench bench-deps eval-golden eval-ntrex clean-venv

run: index
	$(BIN)/assistant serve

test: model browser bench-deps
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

# The optional LangChain stack the bench compares against (tests cover it too); never a runtime dependency.
bench-deps: $(BENCH_STAMP)

$(BENCH_STAMP): $(STAMP) requirements-bench.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock torch==2.13.0 -r requirements-bench.lock
	@rm -f $(VENV)/.bench-*
	@touch $@

bench: model bench-deps
	$(BIN)/assistant bench --quick

eval-golden: model
	$(BIN)/assistant eval golden

eval-ntrex: model
	$(BIN)/assistant eval ntrex

clean-venv:
	rm -rf $(VENV)
