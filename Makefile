# Everything runs inside .venv, which the first target that needs it creates. `make demo` needs
# only dedup itself; the other targets also install the dev and spark extras (make test runs the
# Spark engine's tests, which also need Java 17+).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
BASE := $(VENV)/.installed-base
STAMP := $(VENV)/.installed

.PHONY: help install demo test lint typecheck unit fuzz-short fuzz bench-pathological style clean eval bench

help:
	@echo "make demo   - set up .venv and scan samples/ with the console report"
	@echo "make test   - set up .venv, then lint, type check, run the tests and a short fuzz run"
	@echo "make fuzz   - run every fuzz target for two minutes"
	@echo "make bench-pathological - pathological corpora against time and memory budgets"
	@echo "make style  - apply ruff fixes and formatting"
	@echo "make eval   - build the planted-edit benchmark, score it and MRPC, print the tables"
	@echo "make bench  - speed and memory against the floor and naive datasketch (BENCH_ARGS=--help)"

$(BASE): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(BASE)

$(STAMP): $(BASE)
	$(BIN)/python -m pip install --quiet -e '.[dev,spark]'
	touch $(STAMP)

install: $(STAMP)

demo: $(BASE)
	$(BIN)/dedup scan samples --exit-zero

lint: $(STAMP)
	$(BIN)/ruff check dedup tests fuzz benchmarks
	$(BIN)/ruff format --check dedup tests fuzz benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

# The Spark tests (marked spark) start Spark's Python workers with this interpreter.
unit: $(STAMP)
	PYSPARK_PYTHON=$(abspath $(BIN)/python) $(BIN)/python -m pytest -q

# A few thousand executions of each fuzz target (fixed seed); `make fuzz` runs them for minutes.
fuzz-short: $(STAMP)
	$(BIN)/python fuzz/run.py short

fuzz: $(STAMP)
	$(BIN)/python fuzz/run.py long

bench-pathological: $(STAMP)
	$(BIN)/python -m benchmarks.pathological

test: lint typecheck unit fuzz-short

style: $(STAMP)
	$(BIN)/ruff check --fix dedup tests fuzz benchmarks
	$(BIN)/ruff format dedup tests fuzz benchmarks

# The real-text corpus is cached in ~/.cache/dedup-benchmarks (the first run renders man pages).
eval: $(STAMP)
	$(BIN)/python -m benchmarks.evaluate_all

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis fuzz/crashes

# The speed benchmark (see README "Performance"): floor, naive datasketch and dedup scan.
bench: $(STAMP)
	$(BIN)/python -m benchmarks.bench $(BENCH_ARGS)
