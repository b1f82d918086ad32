"""Replay and reprocess: parse raw pages again with the current parser, without refetching.

- replay: the pages in quarantine (optionally one reason code); what now passes lands and
  leaves quarantine, what still fails stays with its new reason.

Both work on one source (`Settings.source`, `--source`): its pages are parsed again as its
releases, and other sources' pages and quarantine rows are left alone.
- reprocess: every raw page behind the lake (optionally since a date, some languages), e.g.
  after a parser change; only partitions whose rows change are rewritten, and every row
  carries the parser version that produced it.

Both record themselves in ingest_runs and rebuild the views, like a flow run.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from ingest import lake as lk
from ingest import schemas as sc
from ingest import views
from ingest.lake_writer import load_pages_state, new_run_id, record_run, utcnow
from ingest.settings import Settings, load_settings, parse_languages
from ingest.stages.batch import BatchReport
from ingest.stages.fetching import pages_from_raw
from ingest.stages.landing import land_pages
from ingest.stages.plan import PagePlan, batches
from ingest.storage import ObjectLake


def _header_charsets(settings: Settings) -> dict[str, str]:
    """The charset each page's HTTP header gave (the raw zone keeps only the body)."""
    state = load_pages_state(settings.lake, source=settings.source)
    rows = state.filter(pl.col("encoding_source") == "http-header")
    return dict(rows.select("path", "encoding").iter_rows())


def _run(
    settings: Settings,
    flow: str,
    plans: Sequence[PagePlan],
    raw: dict[str, str],
    parameters: dict[str, object],
) -> dict[str, Any]:
    started = utcnow()
    charsets = _header_charsets(settings)
    run_id = new_run_id(started)
    report = BatchReport()
    error = None
    try:
        for i, chunk in enumerate(batches(plans, settings.batch_size), 1):
            now = utcnow()
            pages = pages_from_raw(chunk, raw, settings, now, charsets)
            report.merge(
                land_pages(pages, settings, run_id=run_id, now=now, unit=f"{run_id}/batch-{i}")
            )
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        row = record_run(
            settings.lake,
            run_id=run_id,
            flow=flow,
            parameters=parameters,
            started_at=started,
            finished_at=utcnow(),
            discovered=len(plans),
            report=report,
            requests=0,
            error=error,
        )
        views.build_views_db(settings.lake)
    return {**row, "reparsed": report.counts["reparsed"], "pages": len(plans)}


def _plan(row: Mapping[str, Any]) -> PagePlan:
    # The page's stored sitemap lastmod and Last-Modified travel with it: they are the
    # pipeline's last-resort dates for a page that names none (stages.extracting.page_dates).
    return PagePlan(
        path=row["path"],
        url=row["url"],
        language=row["language"],
        reason="replay",
        last_modified=row.get("last_modified"),
        sitemap_lastmod=row.get("sitemap_lastmod"),
    )


def _settings(
    target: Settings | Path | ObjectLake, *, languages: Sequence[str] | None = None
) -> Settings:
    """The caller's Settings (the CLI builds them at the edge), or plain ones for a lake
    given by itself (library use): no environment is read here. `languages` narrows them."""
    chosen = parse_languages(languages) if languages is not None else None
    if isinstance(target, Settings):
        return dataclasses.replace(target, languages=chosen) if chosen is not None else target
    if chosen is None:
        return load_settings(lake=target, env={})
    return load_settings(lake=target, env={}, languages=chosen)


def replay(target: Settings | Path | ObjectLake, *, reason: str | None = None) -> dict[str, Any]:
    """Re-parse quarantined pages from the raw zone; returns the run's counts."""
    settings = _settings(target)
    manifest = lk.read_manifest(settings.lake)
    rows = lk.read_data_file(settings.lake, manifest.file("quarantine"), sc.QUARANTINE)
    # This source's pages only: they are parsed again as its releases.
    rows = rows.filter(
        pl.col("raw_path").is_not_null()
        & pl.col("language").is_not_null()
        & sc.of_source(settings.source)
    )
    if reason:
        rows = rows.filter(pl.col("reason") == reason)
    state = load_pages_state(settings.lake, source=settings.source).select(
        "path", "last_modified", "sitemap_lastmod"
    )
    picked = rows.join(state, on="path", how="left").to_dicts()
    return _run(
        settings,
        "replay",
        [_plan(r) for r in picked],
        {r["path"]: r["raw_path"] for r in picked},
        {"source": settings.source, "reason": reason},
    )


def reprocess(
    target: Settings | Path | ObjectLake,
    *,
    since: date | None = None,
    languages: Sequence[str] | None = None,
    methods: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Re-parse every raw page behind the lake (in range) with the current parser.

    `methods` keeps only releases whose body came from those extraction paths (e.g.
    `["trafilatura"]` after the structural pass improved); the returned counts include
    the releases by extraction method after the run (`methods`)."""
    settings = _settings(target, languages=languages)
    state = load_pages_state(settings.lake, source=settings.source)
    rows = state.filter(
        pl.col("raw_path").is_not_null()
        & pl.col("status").is_in(["ok", "quarantined"])
        & pl.col("language").is_in(list(settings.languages))
    )
    if methods:
        made = _release_methods(settings.lake, settings.source).filter(
            pl.col("extraction_method").is_in(list(methods))
        )
        rows = rows.filter(pl.col("release_id").is_in(made["release_id"].implode()))
    if since is not None:
        # Quarantined pages have no date yet: they are always part of a reprocess.
        rows = rows.filter(pl.col("published_date").is_null() | (pl.col("published_date") >= since))
    picked = rows.sort("language", "path").to_dicts()
    row = _run(
        settings,
        "reprocess",
        [_plan(r) for r in picked],
        {r["path"]: r["raw_path"] for r in picked},
        {
            "source": settings.source,
            "since": since,
            "languages": list(settings.languages),
            "methods": list(methods or []),
        },
    )
    counts = (
        _release_methods(settings.lake, settings.source)["extraction_method"]
        .fill_null("unknown")
        .value_counts(sort=True)
    )
    row["methods"] = dict(counts.iter_rows())
    return row


def _release_methods(lake: lk.Lake, source: str) -> pl.DataFrame:
    """release_id and extraction_method of every release of `source` in the lake."""
    manifest = lk.read_manifest(lake)
    return (
        lk.read_table(lake, manifest, "releases", sc.RELEASES)
        .filter(pl.col("source") == source)
        .select("release_id", "extraction_method")
    )
