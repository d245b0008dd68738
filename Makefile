# 医保接口平台 — the two commands of the README are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test lint typecheck generate check-generated pytest clean bench bench-quick

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[all,dev]'
	touch $(STAMP)

## make run: install into .venv and start the product
run: $(STAMP)
	$(VENV)/bin/yibao run

## make test: the whole suite — lint, types, generated-file drift, tests
test: lint typecheck check-generated pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests scripts benchmarks
	$(VENV)/bin/ruff format --check src tests scripts benchmarks

typecheck: $(STAMP)
	$(VENV)/bin/mypy

generate: $(STAMP)
	$(PY) scripts/generate.py

check-generated: $(STAMP)
	$(PY) scripts/generate.py --check

pytest: $(STAMP)
	$(PY) -m pytest

## make bench: every benchmark of benchmarks/ at full size; writes docs/benchmarks.md and .json
## (one part alone: $(PY) benchmarks/run.py e2e|protocol|catalog|concurrency|soak|crash|fuzz)
bench: $(STAMP)
	$(PY) benchmarks/run.py all $(BENCH_ARGS)

## make bench-quick: the reduced soak, crash and fuzz proofs; non-zero on any violation (CI)
bench-quick: $(STAMP)
	$(PY) benchmarks/run.py proofs --quick $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
