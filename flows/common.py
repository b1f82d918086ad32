"""The shared shape of both flows: discover, plan, ingest in batches, finish."""

from __future__ import annotations

import time
from datetime import date

from prefect import get_run_logger
from prefect.utilities.annotations import quote

from flows.tasks import discover_task, finish_run_task, ingest_batch_task
from ingest import lake as lk
from ingest import pipeline
from ingest.fetch import Fetcher, build_session
from ingest.pipeline import BatchReport
from ingest.settings import Settings, load_settings


def run_ingest(flow: str, mode: str, *, base_url: str | None, lake: str | None,
               languages: list[str] | str | None, since: date | None = None,
               until: date | None = None, **overrides: object) -> dict:
    settings = load_settings(base_url=base_url, lake=lake, languages=languages, **overrides)
    return ingest_with(settings, flow, mode, since=since, until=until)


def ingest_with(settings: Settings, flow: str, mode: str, *, since: date | None = None,
                until: date | None = None) -> dict:
    log = get_run_logger()
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
    discovery = None
    error: str | None = None
    try:
        discovery = discover_task(quote(fetcher), settings, mode, since, until)
        plans = pipeline.plan_fetches(discovery.candidates, pipeline.load_pages_state(
            settings.lake), settings, mode=mode, today=started.date(), since=since, until=until)
        chunks = list(pipeline.batches(plans, settings.batch_size))
        log.info("run %s: %d candidates, %d pages to fetch in %d batches",
                 run_id, len(discovery.candidates), len(plans), len(chunks))
        t0 = time.perf_counter()
        done = 0
        for i, chunk in enumerate(chunks, 1):
            label = f"batch-{i}-of-{len(chunks)}"
            result.merge(ingest_batch_task(quote(chunk), quote(fetcher), settings, run_id,
                                           label))
            done += len(chunk)
            rate = done / max(time.perf_counter() - t0, 1e-9)
            log.info("progress: %d/%d pages (%.0f pages/s)", done, len(plans), rate)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        run = {"run_id": run_id, "flow": flow, "parameters": params, "started_at": started,
               "finished_at": pipeline.utcnow(),
               "discovered": len(discovery.candidates) if discovery else 0,
               "requests": fetcher.requests_made, "error": error}
        row = finish_run_task(settings, run, quote(discovery), quote(result))
    if row["status"] == "partial":
        failed = "; ".join(f"{f['url']}: {f['reason']}" for f in result.failures[:5])
        log.warning("run %s partial: %d pages failed (retried next run): %s",
                    run_id, row["failed"], failed)
    return row
