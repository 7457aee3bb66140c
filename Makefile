# facturahub — every task is a make target. Only Python 3.11+ is needed on the machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DATA   ?= var
SANDBOX_OUT ?= $(DATA)/sandbox
LINTED := src tests $(wildcard bench)

.PHONY: run serve install test test-unit test-functional lint format bench clean

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit("facturahub needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	$(BIN)/python -c 'import facturahub'
	$(BIN)/python -c 'import lxml.etree, xmlsec'  # the pinned pair must load together
	touch $(STAMP)

install: $(STAMP)

## make run: install, migrate, seed the sandbox, serve on 127.0.0.1:8080 with the background worker
run: $(STAMP)
	$(BIN)/facturahub db upgrade
	$(BIN)/facturahub sandbox init --out $(SANDBOX_OUT)
	$(BIN)/facturahub serve --with-worker

## make test: install and run the whole suite (lint and the import-direction check included)
test: $(STAMP) lint
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format $(LINTED)
	$(BIN)/ruff check --fix $(LINTED)

bench: $(STAMP)
	@test -f bench/__main__.py || { echo "no benchmarks yet (bench/__main__.py)"; exit 1; }
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) $(DATA) .pytest_cache .mypy_cache .ruff_cache
