"""The validate stage: each table's Pandera model over the collected frame, just before it
lands (`Validated`).

    Structured ──schemas.split_valid per table──> Validated   └─ failing releases quarantined

A release lands whole or not at all: a failing row of any of its tables (releases, blocks,
quotes, analyst tables) or an analysis error quarantines the release and takes all its
rows out of the batch.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from ingest import schemas as sc
from ingest.analysis import ANALYSIS_VERSION
from ingest.stages.batch import BatchReport
from ingest.stages.extracting import Row, quarantine_entry
from ingest.stages.fetching import Fetched
from ingest.stages.transforming import Structured


@dataclass(frozen=True, slots=True)
class Validated:
    """The validate stage's hand-off to the lake writer: rows that passed their contract."""

    releases: pl.DataFrame
    blocks: pl.DataFrame
    quotes: pl.DataFrame
    analysis: dict[str, pl.DataFrame]


def _failures(frame: pl.DataFrame, label: str, into: dict[str, tuple[str, str]]) -> None:
    """The first contract failure of each release (release_id -> (reason, detail))."""
    for rid, cases in frame.select("release_id", "failure_cases").iter_rows():
        into.setdefault(rid, (f"{label}_contract", f"{label}: {cases}"))


def validate_frames(
    batch: Structured,
    pages: Mapping[str, Fetched],
    rejects: list[Row],
    report: BatchReport,
) -> Validated:
    """Split every table into valid rows and failures; a failing release's quarantine entry
    is appended to `rejects` (`pages`: path -> page, for its raw path)."""
    tv = time.perf_counter()
    releases, bad_rel = sc.split_valid(sc.ReleaseModel, batch.releases, "releases")
    blocks, bad_blk = sc.split_valid(sc.BlockModel, batch.blocks, "release_blocks")
    quotes, bad_quo = sc.split_valid(sc.QuoteModel, batch.quotes, "quotes")
    bad_reasons: dict[str, tuple[str, str]] = {}
    for frame, label in ((bad_rel, "releases"), (bad_blk, "release_blocks"), (bad_quo, "quotes")):
        _failures(frame, label, bad_reasons)
    for rid, err in batch.analysis_errors.items():
        bad_reasons.setdefault(rid, ("analysis_error", f"analysis {ANALYSIS_VERSION}: {err}"))
    analysis = dict(batch.analysis)
    for table, (_schema, model) in sc.ANALYSIS_TABLES.items():
        analysis[table], bad = sc.split_valid(model, analysis[table], table)
        _failures(bad, table, bad_reasons)
    if bad_reasons:
        # A release lands whole or not at all: its blocks and quotes go with it.
        bad_ids = pl.Series(list(bad_reasons), dtype=pl.String).implode()
        id_to_path = dict(batch.structured.select("release_id", "path").iter_rows())
        for rid, (code, detail) in bad_reasons.items():
            rejects.append(quarantine_entry(pages[id_to_path[rid]], "validate", code, detail))
        releases = releases.filter(~pl.col("release_id").is_in(bad_ids))
        blocks = blocks.filter(~pl.col("release_id").is_in(bad_ids))
        quotes = quotes.filter(~pl.col("release_id").is_in(bad_ids))
        analysis = {t: f.filter(~pl.col("release_id").is_in(bad_ids)) for t, f in analysis.items()}
    report.timings["validate"] += time.perf_counter() - tv
    return Validated(releases, blocks, quotes, analysis)
