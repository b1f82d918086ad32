# Everything a fresh machine needs, from Python 3.11+ and make alone.
#   make demo   bootstrap uv if missing, install from uv.lock, run the demo
#   make test   the same install, then lint and the test suite
#   make bench  the benchmark (separate from tests: timings are measurements)
#   make eval   extraction scored on real pages (../shared/corpora/fundus) -> bench/EXTRACTION.md
SHELL := /bin/bash
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.tools/bin/uv)

export UV_COMPILE_BYTECODE := 1
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(PYTHON)
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS := 120
export DO_NOT_TRACK := 1

.PHONY: install demo test lint bench eval deploy clean

$(CURDIR)/.tools/bin/uv:
	$(PYTHON) -m venv $(CURDIR)/.tools
	$(CURDIR)/.tools/bin/pip install --quiet --disable-pip-version-check uv

.venv/.installed: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --all-groups
	touch $@

install: .venv/.installed

demo: install
	$(UV) run ingest demo --lake data/lake

lint: install
	$(UV) run ruff check .

test: lint
	$(UV) run pytest -q

bench: install
	$(UV) run python -m bench.run

# EVAL_CORPUS=<dir> scores another corpus in the Fundus layout; without a corpus it says
# "skipped: corpus not found at ..." and exits 0.
eval: install
	$(UV) run python -m bench.eval_extraction

deploy: install
	PRESS_LAKE_ROOT=$(CURDIR) $(UV) run prefect --no-prompt deploy --all

clean:
	rm -rf .venv .tools data/lake/releases data/lake/release_blocks data/lake/quotes \
	  data/lake/quarantine data/lake/ingest_runs data/lake/state data/lake/raw data/lake/_staging \
	  data/lake/lake.duckdb
