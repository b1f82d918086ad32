# Everything a fresh machine needs, from Python 3.11+ and make alone.
#   make demo       bootstrap uv if missing, install from uv.lock, run the demo
#   make test       the same install, then lint and the whole test suite
#   make test-fast  lint and the unit tests only (no servers, no Prefect; under a minute)
#   make bench      the benchmark (separate from tests: timings are measurements)
#   make eval       extraction scored on real pages (../shared/corpora/fundus) -> bench/EXTRACTION.md
#   make deploy     the Prefect deployments (= prefect --no-prompt deploy --all)
#   make clean      empty data/lake, leaving a valid empty lake; make distclean: also .venv
# Commands run from the environment in .venv/bin (ingest, prefect, duckdb): use them
# directly, or `source .venv/bin/activate` to put them on PATH.
SHELL := /bin/bash
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.tools/bin/uv)
BIN := $(CURDIR)/.venv/bin
LAKE ?= data/lake

export UV_COMPILE_BYTECODE := 1
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(PYTHON)
# Prefect's settings live in prefect.toml (read from this directory); DO_NOT_TRACK is the
# client-side telemetry switch, which is not a Prefect setting.
export DO_NOT_TRACK := 1

.PHONY: install demo test test-fast lint bench bench-hostile eval eval-analysis deploy clean distclean chromium

$(CURDIR)/.tools/bin/uv:
	$(PYTHON) -m venv $(CURDIR)/.tools
	$(CURDIR)/.tools/bin/pip install --quiet --disable-pip-version-check uv

.venv/.installed: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --all-groups
	touch $@

install: .venv/.installed

# The demo serves the fixture newsrooms (newsrooms/, a development package that is not in
# the wheel) and runs the product's daily flow on them.
demo: install
	$(BIN)/python -m newsrooms.demo --lake $(LAKE)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The analyst report's test renders it in Debian's headless Chromium: installed here when
# missing and we are root (CI is); otherwise the test fails saying how to install it.
chromium:
	@if [ ! -x /usr/bin/chromium ] && ! command -v chromium >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "chromium is missing: sudo apt-get install chromium (needed by the report test)"; fi; \
	fi

test: lint chromium
	$(BIN)/pytest -q

test-fast: lint
	$(BIN)/pytest -q -m "not slow and not integration"

# Precision/recall of the analyst layer on the hand-labelled set (eval/analysis/).
eval-analysis: install
	$(BIN)/python -m eval.analysis.score

bench: install
	$(BIN)/python -m bench.run

# Peak memory and wall time of runs against the hostile newsroom (gzip bomb, huge body,
# dribble, million-URL sitemap), default safety limits: a measurement, not a test.
bench-hostile: install
	$(BIN)/python -m bench.hostile

# EVAL_CORPUS=<dir> scores another corpus in the Fundus layout; without a corpus it says
# "skipped: corpus not found at ..." and exits 0.
eval: install
	$(BIN)/python -m eval.analysis.score
	$(BIN)/python -m bench.eval_extraction

deploy: install
	$(BIN)/prefect --no-prompt deploy --all

# The lake's data goes; a valid empty lake (manifest, views) stays, so every command and
# `.venv/bin/duckdb data/lake/lake.duckdb` still work.
clean: install
	find $(LAKE) -mindepth 1 -maxdepth 1 ! -name README.md -exec rm -rf {} +
	$(BIN)/ingest init --lake $(LAKE)

distclean:
	find $(LAKE) -mindepth 1 -maxdepth 1 ! -name README.md -exec rm -rf {} +
	rm -rf .venv .tools .pytest_cache .ruff_cache bench/results
