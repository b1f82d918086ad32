"""The transform stage: release records in, the lake's frames out (`Structured`).

    Extracted.records ──transform.* (pure Polars)──> Structured(releases, blocks, quotes,
                                                                 analysis tables)

Frame in, frame out, no wall-clock read: `now` and the run id are values given to it. The
analyst layer's rows a parse worker made are checked against the stored text and redone
where they differ (transform.analysis_tables); its errors travel on, to quarantine the
release they belong to.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

import polars as pl

from ingest import transform as tf
from ingest.stages.batch import BatchReport
from ingest.stages.extracting import Extracted


@dataclass(frozen=True, slots=True)
class Structured:
    """The transform stage's hand-off to validation: one frame per table of the batch."""

    structured: pl.DataFrame  # one row per release, every column (ids, paths, blocks...)
    releases: pl.DataFrame
    blocks: pl.DataFrame
    quotes: pl.DataFrame
    analysis: dict[str, pl.DataFrame]  # analyst table -> rows
    analysis_errors: dict[str, str]  # release_id -> why its analysis failed


def transform_records(
    extracted: Extracted, *, source: str, run_id: str, now: datetime, report: BatchReport
) -> Structured:
    """Records -> deduplicated, structured frames (timings go to `report`)."""
    tt = time.perf_counter()
    raw = tf.raw_releases_frame(extracted.records)
    structured = tf.dedupe_latest(
        tf.structure_releases(raw, source=source, seen_at=now, run_id=run_id), "release_id"
    )
    releases = tf.release_rows(structured)
    blocks = tf.block_rows(structured)
    quotes = tf.quote_rows(structured)
    report.timings["transform"] += time.perf_counter() - tt
    ta = time.perf_counter()
    analysis, analysis_errors = tf.analysis_tables(structured, extracted.payloads)
    report.timings["analysis"] += time.perf_counter() - ta  # what was left to do here
    return Structured(structured, releases, blocks, quotes, analysis, analysis_errors)
