# Everything runs inside .venv, which the first target that needs it creates (with the spark
# extra: make test runs the Spark engine's tests, which also need Java 17+).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: help install demo test lint typecheck unit style clean eval bench

help:
	@echo "make demo   - set up .venv and scan samples/ with the console report"
	@echo "make test   - set up .venv, then lint, type check and run the tests"
	@echo "make style  - apply ruff fixes and formatting"
	@echo "make eval   - build the planted-edit benchmark, score it and MRPC, print the tables"
	@echo "make bench  - speed and memory against the floor and naive datasketch (BENCH_ARGS=--help)"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,spark]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/dedup scan samples --exit-zero

lint: $(STAMP)
	$(BIN)/ruff check dedup tests benchmarks
	$(BIN)/ruff format --check dedup tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

# The Spark tests (marked spark) start Spark's Python workers with this interpreter.
unit: $(STAMP)
	PYSPARK_PYTHON=$(abspath $(BIN)/python) $(BIN)/python -m pytest -q

test: lint typecheck unit

style: $(STAMP)
	$(BIN)/ruff check --fix dedup tests benchmarks
	$(BIN)/ruff format dedup tests benchmarks

# The real-text corpus is cached in ~/.cache/dedup-benchmarks (the first run renders man pages).
eval: $(STAMP)
	$(BIN)/python -m benchmarks.evaluate_all

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis

# The speed benchmark (see README "Performance"): floor, naive datasketch and dedup scan.
bench: $(STAMP)
	$(BIN)/python -m benchmarks.bench $(BENCH_ARGS)
