"""The lake's small record tables: `fetch_log` (every request made), `ingest_runs` (one
row per run) and the helpers that commit an unpartitioned table alone.

Each write is a read-merge-write of the whole (small) table under the writer lock, checked
by its Pandera model, and one manifest commit.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pandera.polars as pa
import polars as pl

from ingest import lake as lk
from ingest import schemas as sc
from ingest import transform as tf
from ingest.stages.batch import BatchReport


def upsert_small_table(
    lake: lk.Lake,
    table: str,
    schema: Mapping[str, pl.DataType],
    rows: pl.DataFrame,
    key: str,
    *,
    run_id: str,
    model: type[pa.DataFrameModel] | None = None,
    now: datetime | None = None,
) -> None:
    """Upsert rows into an unpartitioned table and commit it alone, under the writer lock."""
    with lk.writer_lock(lake):
        manifest = lk.read_manifest(lake)
        existing = lk.read_data_file(lake, manifest.file(table), schema)
        merged = tf.upsert_by(existing, rows, key)
        if model is not None:
            merged = model.validate(merged)
        rel = lk.write_data_file(lake, table, "", merged, manifest.version + 1)
        lk.commit(lake, manifest, {table: {"": rel}}, run_id=run_id, now=now)


# Requests older than this leave fetch_log at the next commit (a compliance review looks
# back months, not years; the table is rewritten at every commit, so it must stay small).
FETCH_LOG_KEEP_DAYS = 400


def fetch_log_file(
    lake: lk.Lake,
    manifest: lk.Manifest,
    rows: Sequence[Mapping[str, object]],
    run_id: str,
    now: datetime,
    version: int,
) -> str:
    """The fetch_log table with `rows` appended (the caller holds the writer lock)."""
    existing = lk.read_data_file(lake, manifest.file("fetch_log"), sc.FETCH_LOG)
    new = pl.DataFrame([{**r, "run_id": run_id} for r in rows], schema=sc.FETCH_LOG)
    merged = pl.concat([existing, new]).filter(
        pl.col("requested_at") >= now - timedelta(days=FETCH_LOG_KEEP_DAYS)
    )
    merged = sc.FetchLogModel.validate(merged)
    return lk.write_data_file(lake, "fetch_log", "", merged, version)


def save_fetch_log(
    lake: lk.Lake, rows: Sequence[Mapping[str, object]], *, run_id: str, now: datetime
) -> None:
    """Commit requests made outside any batch (robots.txt, sitemaps, listings) alone."""
    if not rows:
        return
    with lk.writer_lock(lake):
        manifest = lk.read_manifest(lake)
        rel = fetch_log_file(lake, manifest, rows, run_id, now, manifest.version + 1)
        lk.commit(lake, manifest, {"fetch_log": {"": rel}}, run_id=run_id, now=now)


def new_run_id(now: datetime) -> str:
    """A run id that sorts by start time and never repeats."""
    return f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


def record_run(
    lake: lk.Lake,
    *,
    run_id: str,
    flow: str,
    parameters: Mapping[str, object],
    started_at: datetime,
    finished_at: datetime,
    discovered: int,
    report: BatchReport,
    requests: int,
    error: str | None = None,
    status: str | None = None,
) -> dict[str, Any]:
    """Append this run's row to ingest_runs; returns it. `status` is the runner's verdict
    (runner.judge_run); without one, an error fails the run and failed pages make it partial."""
    c = report.counts
    if status is not None:
        pass
    elif error is not None:
        status = "failed"
    elif c["failed"]:
        status = "partial"
    else:
        status = "completed"
    row = {
        "run_id": run_id,
        "flow": flow,
        "parameters": json.dumps(parameters, default=str, sort_keys=True),
        "started_at": started_at,
        "finished_at": finished_at,
        "status": status,
        "discovered": discovered,
        "fetched": c["fetched"],
        "new": c["new"],
        "updated": c["updated"],
        "unchanged": c["unchanged"],
        "quarantined": c["quarantined"],
        "failed": c["failed"],
        "gone": c["gone"],
        "requests": requests,
        "error": error,
        "warnings": "\n".join(report.warnings[:200]) or None,
        "source": parameters.get("source"),
    }
    upsert_small_table(
        lake,
        "ingest_runs",
        sc.INGEST_RUNS,
        pl.DataFrame([row], schema=sc.INGEST_RUNS),
        "run_id",
        run_id=run_id,
        model=sc.IngestRunModel,
        now=finished_at,
    )
    return row


def utcnow() -> datetime:
    """The one wall-clock read of a step; transforms receive its value."""
    return datetime.now(UTC)
