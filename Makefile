# Everything runs inside .venv, which the first target that needs it creates.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: help install demo test lint typecheck unit style clean eval

help:
	@echo "make demo   - set up .venv and scan samples/ with the console report"
	@echo "make test   - set up .venv, then lint, type check and run the tests"
	@echo "make style  - apply ruff fixes and formatting"
	@echo "make eval   - build the planted-edit benchmark, score it and MRPC, print the tables"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/dedup scan samples --exit-zero

lint: $(STAMP)
	$(BIN)/ruff check dedup tests benchmarks
	$(BIN)/ruff format --check dedup tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest -q

test: lint typecheck unit

style: $(STAMP)
	$(BIN)/ruff check --fix dedup tests benchmarks
	$(BIN)/ruff format dedup tests benchmarks

# The real-text corpus is cached in ~/.cache/dedup-benchmarks (the first run renders man pages).
eval: $(STAMP)
	$(BIN)/python -m benchmarks.evaluate_all

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis
