# The workbook's two commands: `make lab` and `make test` (see README.md).
# Both create .venv and install the package with its extras on first use.

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
# CI and the developers have a CIFAR-10 subset beside the checkout; users download the real one.
SHARED_CIFAR := $(abspath $(wildcard ../shared/datasets/cifar10-jpeg))
export LECTURELIB_CIFAR10 ?= $(SHARED_CIFAR)
export MPLBACKEND ?= Agg

.PHONY: setup lab test test-unit test-notebooks test-browser html bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -e '.[dev]'
	@if git rev-parse --git-dir >/dev/null 2>&1; then $(BIN)/nbstripout --install; fi
	@touch $(STAMP)

setup: $(STAMP)

lab: setup
	MPLBACKEND=module://matplotlib_inline.backend_inline $(BIN)/jupyter lab \
	  --ServerApp.ip=127.0.0.1 --ServerApp.root_dir=notebooks $(ROOT_FLAG)

test: setup
	$(BIN)/python -m pytest tests notebooks --nbval-lax --nbval-current-env

test-unit: setup
	$(BIN)/python -m pytest tests

test-notebooks: setup
	$(BIN)/python -m pytest notebooks --nbval-lax --nbval-current-env

clean:
	rm -rf build .pytest_cache
