# Everything a fresh machine needs, from Python 3.11+ and make alone.
#   make demo   bootstrap uv if missing, install from uv.lock, run the demo
#   make test   the same install, then lint and the test suite
#   make bench  the benchmark (separate from tests: timings are measurements)
SHELL := /bin/bash
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.tools/bin/uv)

export UV_COMPILE_BYTECODE := 1
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(PYTHON)
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS := 120
export DO_NOT_TRACK := 1

.PHONY: install demo test lint bench deploy clean chromium eval-analysis

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

# The analyst report's test renders it in Debian's headless Chromium: installed here when
# missing and we are root (CI is); otherwise the test fails saying how to install it.
chromium:
	@if [ ! -x /usr/bin/chromium ] && ! command -v chromium >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "chromium is missing: sudo apt-get install chromium (needed by the report test)"; fi; \
	fi

test: lint chromium
	$(UV) run pytest -q

# Precision/recall of the analyst layer on the hand-labelled set (eval/analysis/).
eval-analysis: install
	$(UV) run python -m eval.analysis.score

bench: install
	$(UV) run python -m bench.run

deploy: install
	PRESS_LAKE_ROOT=$(CURDIR) $(UV) run prefect --no-prompt deploy --all

clean:
	rm -rf .venv .tools data/lake/releases data/lake/release_blocks data/lake/quotes \
	  data/lake/mentions data/lake/quantities data/lake/speakers data/lake/topics \
	  data/lake/report.html \
	  data/lake/quarantine data/lake/ingest_runs data/lake/state data/lake/raw data/lake/_staging \
	  data/lake/lake.duckdb
