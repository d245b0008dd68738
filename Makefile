# 医保接口平台 — the two commands of the README are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test lint typecheck generate check-generated pytest test-clients clean bench bench-quick

$(STAMP): pyproject.toml
	@echo "== 首次运行：创建 $(VENV) 并安装依赖（约 2 分钟，下面是 pip 的进度） =="
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --progress-bar on -e '.[all,dev]'
	touch $(STAMP)

## make run: install into .venv and start the product
run: $(STAMP)
	$(VENV)/bin/yibao run

## make test: the whole suite — lint, types, generated-file drift, tests, the other-language clients
test: lint typecheck check-generated pytest test-clients

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests scripts benchmarks clients
	$(VENV)/bin/ruff format --check src tests scripts benchmarks clients

typecheck: $(STAMP)
	$(VENV)/bin/mypy

generate: $(STAMP)
	$(PY) scripts/generate.py

check-generated: $(STAMP)
	$(PY) scripts/generate.py --check

pytest: $(STAMP)
	$(PY) -m pytest

## make test-clients: each clients/<language>/ suite against a live gateway on the embedded sandbox
test-clients: $(STAMP)
	$(PY) clients/harness.py

## make bench: every benchmark of benchmarks/ at full size; writes docs/benchmarks.md and .json
## (one part alone: $(PY) benchmarks/run.py e2e|protocol|catalog|concurrency|soak|crash|fuzz|capacity)
bench: $(STAMP)
	$(PY) benchmarks/run.py all $(BENCH_ARGS)

## make bench-quick: the reduced soak, crash and fuzz proofs (non-zero on any violation) and a short capacity run
bench-quick: $(STAMP)
	$(PY) benchmarks/run.py proofs capacity --quick $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
