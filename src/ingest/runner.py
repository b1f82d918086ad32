"""One run of the pipeline: discover, plan, ingest in batches, finish. Engine-agnostic.

The steps are injected: the Prefect flows pass task-wrapped steps (retries, logs, artifacts
in the UI); `ingest run --engine plain`, the benchmark and the crash tests pass the plain
functions below, which keeps Prefect out of the hot path and out of timing measurements.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from ingest import lake as lk
from ingest import pipeline, views
from ingest.discover import Discovery
from ingest.fetch import Fetcher, build_session
from ingest.pipeline import BatchReport, PagePlan
from ingest.settings import Settings

log = logging.getLogger("ingest")

DiscoverStep = Callable[[Fetcher, Settings, str, date | None, date | None], Discovery]
BatchStep = Callable[[Sequence[PagePlan], Fetcher, Settings, str, str], BatchReport]
FinishStep = Callable[[Settings, dict, Discovery | None, BatchReport], dict]


def discover_step(fetcher: Fetcher, settings: Settings, mode: str, since: date | None,
                  until: date | None) -> Discovery:
    return pipeline.discover_releases(fetcher, settings, mode=mode, since=since, until=until)


def batch_step(plans: Sequence[PagePlan], fetcher: Fetcher, settings: Settings, run_id: str,
               label: str) -> BatchReport:
    """Fetch, extract, validate and publish one batch as one commit (unit run_id/label)."""
    pages = pipeline.fetch_pages(plans, fetcher, settings)
    return pipeline.land_pages(pages, settings, run_id=run_id, now=pipeline.utcnow(),
                               unit=f"{run_id}/{label}")


def finish_step(settings: Settings, run: dict, discovery: Discovery | None,
                result: BatchReport) -> dict:
    """Store sitemap lastmods (only after a clean run), record the run, rebuild the views."""
    if discovery is not None and run.get("error") is None:
        pipeline.save_sitemap_state(settings.lake, discovery.sitemap_lastmods,
                                    run_id=run["run_id"])
    row = pipeline.record_run(settings.lake, report=result, **run)
    views.build_views_db(settings.lake)
    return row


@dataclass(frozen=True)
class Steps:
    discover: DiscoverStep = discover_step
    batch: BatchStep = batch_step
    finish: FinishStep = finish_step


PLAIN = Steps()


def run(settings: Settings, flow: str, mode: str, *, since: date | None = None,
        until: date | None = None, steps: Steps = PLAIN,
        logger: logging.Logger | logging.LoggerAdapter = log) -> dict:
    """Run once and return the run's ingest_runs row (plus the batch report as `report`)."""
    started = pipeline.utcnow()
    run_id = pipeline.new_run_id(started)
    params = {"base_url": settings.base_url, "lake": str(settings.lake),
              "languages": list(settings.languages), "since": since, "until": until}
    # Leftovers of a crashed run: staged files are never read; unreferenced data files go
    # once no retained snapshot names them.
    lk.sweep_staging(settings.lake)
    lk.collect_garbage(settings.lake)
    fetcher = Fetcher(build_session(settings), settings)
    result = BatchReport()
    discovery: Discovery | None = None
    error: str | None = None
    try:
        discovery = steps.discover(fetcher, settings, mode, since, until)
        plans = pipeline.plan_fetches(
            discovery.candidates, pipeline.load_pages_state(settings.lake), settings,
            mode=mode, today=started.date(), since=since, until=until)
        chunks = list(pipeline.batches(plans, settings.batch_size))
        logger.info("run %s: %d candidates, %d pages to fetch in %d batches",
                    run_id, len(discovery.candidates), len(plans), len(chunks))
        t0 = time.perf_counter()
        done = 0
        for i, chunk in enumerate(chunks, 1):
            result.merge(steps.batch(chunk, fetcher, settings, run_id,
                                     f"batch-{i}-of-{len(chunks)}"))
            done += len(chunk)
            logger.info("progress: %d/%d pages (%.0f pages/s)", done, len(plans),
                        done / max(time.perf_counter() - t0, 1e-9))
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        run_row = {"run_id": run_id, "flow": flow, "parameters": params,
                   "started_at": started, "finished_at": pipeline.utcnow(),
                   "discovered": len(discovery.candidates) if discovery else 0,
                   "requests": fetcher.requests_made, "error": error}
        row = steps.finish(settings, run_row, discovery, result)
    if row["status"] == "partial":
        failed = "; ".join(f"{f['url']}: {f['reason']}" for f in result.failures[:5])
        logger.warning("run %s partial: %d pages failed (retried next run): %s",
                       run_id, row["failed"], failed)
    return {**row, "report": result}
