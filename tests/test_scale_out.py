"""Past one machine: the backfill's chunks distributed by Dask worker processes (prefect-dask
with a local cluster), committing to one lake; the result equals a sequential run."""

from __future__ import annotations

import os
from datetime import date

import pytest

from flows.backfill import backfill
from ingest import runner
from ingest.settings import load_settings
from newsrooms.interpol import NewsroomServer, NewsroomSite
from tests.test_flows import LANGS, content


@pytest.fixture()
def api_url_in_env(prefect, monkeypatch):
    # Dask workers are separate processes: without PREFECT_API_URL each would start its own
    # temporary Prefect server (STACK_NOTES). Point them at this session's server.
    from prefect.settings import PREFECT_API_URL

    monkeypatch.setenv("PREFECT_API_URL", PREFECT_API_URL.value())
    monkeypatch.setenv("INGEST_REQUESTS_PER_SECOND", "0")
    monkeypatch.setenv("INGEST_BATCH_SIZE", "15")


def test_dask_distributed_backfill_equals_sequential(api_url_in_env, tmp_path):
    from prefect_dask import DaskTaskRunner

    site = NewsroomSite(seed=3, families=30, page_kb=10)
    dask = DaskTaskRunner(
        cluster_kwargs={
            "n_workers": 2,
            "threads_per_worker": 1,
            "processes": True,
            "dashboard_address": None,
        }
    )
    with NewsroomServer(site, max_seconds=600) as server:
        distributed = backfill.with_options(task_runner=dask)(
            since=date(2019, 1, 1),
            until=date(2026, 12, 31),
            base_url=server.base_url,
            lake=str(tmp_path / "dask"),
            languages=LANGS,
            parallel=2,
        )
        site.reset_flaky()
        settings = load_settings(
            base_url=server.base_url, lake=tmp_path / "seq", env={}, requests_per_second=0
        )
        sequential = runner.run(
            settings, "backfill", "backfill", since=date(2019, 1, 1), until=date(2026, 12, 31)
        )
    assert distributed["status"] == "completed", distributed
    assert distributed["new"] == sequential["new"] > 100
    assert content(tmp_path / "dask") == content(tmp_path / "seq")
    assert os.environ["PREFECT_API_URL"].startswith("http://127.0.0.1")
