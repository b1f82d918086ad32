"""Shared fixtures. Servers bind 127.0.0.1 only and are stopped by the objects we started.

Prefect's project settings come from prefect.toml (flows/prefect_settings.py), applied by
the `prefect` fixture below whatever directory pytest runs from (subprocesses started from
the repository root read the file themselves); only test-specific choices are set here.
"""

from __future__ import annotations

import os

# Before anything imports Prefect: quieter logs in tests, and no SDK telemetry.
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("DO_NOT_TRACK", "1")

import pytest

# Test markers (pyproject.toml): `make test-fast` runs `-m "not slow and not integration"`
# (the unit tests, under a minute), `make test` runs everything. A test file marks itself
# with `pytestmark`; the files below are marked here, by name, to keep their code as it is.
SLOW = {  # a Prefect API, a deployment, worker processes, benchmarks, crash loops
    "test_flows.py",
    "test_deployment.py",
    "test_scale_out.py",
    "test_integrity.py",
    "test_object_store.py",
    "test_bench.py",
    "test_hostile_runs.py",  # hostile servers, whole runs, one Prefect flow (issue 11)
}
INTEGRATION = SLOW | {  # real servers on 127.0.0.1 (the fixture newsroom, scripted HTTP)
    "test_fetch.py",
    "test_fetch_state.py",
    "test_maintenance.py",
    "test_newsroom.py",
    "test_no_lastmod_site.py",
    "test_pagepool.py",
    "test_hostile_fetch.py",
    "test_hostile_runs.py",
    "test_analyst_report.py",  # headless Chromium
    # sources as data: feeds over HTTP, the WordPress-like fixture, two sources in one lake
    # (its one Prefect flow test is marked slow in the file)
    "test_feed_discovery.py",
    "test_wordpress_newsroom.py",
    "test_two_sources.py",
}


def pytest_collection_modifyitems(config, items) -> None:
    for item in items:
        name = item.path.name
        if name in SLOW:
            item.add_marker(pytest.mark.slow)
        if name in INTEGRATION:
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def prefect_project_settings():
    """The project's prefect.toml as Prefect's settings for every test (as `ingest` does)."""
    from flows.prefect_settings import project_defaults

    with project_defaults():
        yield


@pytest.fixture(scope="session")
def prefect(prefect_project_settings):
    """One Prefect API for the whole session (a temporary server; ~30 s to start here)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()
