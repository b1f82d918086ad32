"""One run of the pipeline: discover, plan, ingest in batches, finish. Engine-agnostic.

The steps are injected: the Prefect flows pass task-wrapped steps (retries, logs, artifacts
in the UI); `ingest run --engine plain`, the benchmark and the crash tests pass the plain
functions below, which keeps Prefect out of the hot path and out of timing measurements.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import date

from ingest import lake as lk
from ingest import pipeline, views
from ingest.discover import Discovery, classify
from ingest.errors import ChunkError
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
    """Fetch, extract, validate and publish one batch as one commit (unit run_id/label).

    `fetcher` is this unit's own (see Fetcher.sibling); its request count is reported.
    """
    pages = pipeline.fetch_pages(plans, fetcher, settings)
    report = pipeline.land_pages(pages, settings, run_id=run_id, now=pipeline.utcnow(),
                                 unit=f"{run_id}/{label}")
    report.counts["requests"] = fetcher.requests_made
    return report


def finish_step(settings: Settings, run: dict, discovery: Discovery | None,
                result: BatchReport) -> dict:
    """Store sitemap lastmods (only after a clean run), record the run, rebuild the views."""
    if discovery is not None and run.get("error") is None:
        pipeline.save_sitemap_state(settings.lake, discovery.sitemap_lastmods,
                                    run_id=run["run_id"], languages=settings.languages)
    row = pipeline.record_run(settings.lake, report=result, **run)
    views.build_views_db(settings.lake)
    return row


@dataclass(frozen=True, slots=True)
class Unit:
    """One batch of work: the unit of commit and retry. `chunks` are the language x year
    chunks it covers (small chunks share a unit; a big one is split over several)."""

    chunks: tuple[str, ...]
    label: str
    plans: list[PagePlan] = field(repr=False)


def plan_units(plans: Sequence[PagePlan], settings: Settings) -> list[Unit]:
    """Split plans into chunks by language and URL year, then pack them into units of at
    most `batch_size` pages: a big chunk spans several units, small ones share one (each
    unit costs a validation and a commit, so fifty 3-page units would be slow).

    A chunk is exactly what a backfill for one language and one year fetches, so a failed
    chunk is re-run alone with `--languages xx --since YYYY-01-01 --until YYYY-12-31`.
    """
    chunks: dict[str, list[PagePlan]] = {}
    for plan in plans:
        hit = classify(plan.url, settings)
        key = f"{plan.language}-{hit[1] if hit else 'other'}"
        chunks.setdefault(key, []).append(plan)
    size = settings.batch_size
    groups: list[tuple[list[str], list[PagePlan]]] = []
    for key in sorted(chunks):
        part = chunks[key]
        if groups and len(groups[-1][1]) + len(part) <= size:
            groups[-1][0].append(key)
            groups[-1][1].extend(part)
            continue
        for i in range(0, len(part), size):
            groups.append(([key], part[i:i + size]))
    units = []
    for n, (keys, group) in enumerate(groups, 1):
        span = keys[0] if len(keys) == 1 else f"{keys[0]}..{keys[-1]}"
        units.append(Unit(tuple(keys), f"unit-{n}-of-{len(groups)}-{span}", group))
    return units


UnitRunner = Callable[[Sequence[Unit], Fetcher, Settings, str, int],
                      Iterator[tuple[Unit, BatchReport | BaseException]]]


def run_units_plain(units: Sequence[Unit], fetcher: Fetcher, settings: Settings, run_id: str,
                    parallel: int) -> Iterator[tuple[Unit, BatchReport | BaseException]]:
    """Run units in order, or in `parallel` threads. Each unit gets its own session (a
    Fetcher sibling) sharing the run's per-host rate limit and robots.txt; commits
    serialise on the lake's writer lock."""

    def work(unit: Unit) -> BatchReport:
        return batch_step(unit.plans, fetcher.sibling(), settings, run_id, unit.label)

    if parallel <= 1:
        for unit in units:
            try:
                yield unit, work(unit)
            except Exception as exc:  # one failed chunk must not stop the others
                yield unit, exc
        return
    with ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="chunk") as pool:
        futures = {pool.submit(work, u): u for u in units}
        for fut in as_completed(futures):
            exc = fut.exception()
            yield futures[fut], (exc if exc is not None else fut.result())


@dataclass(frozen=True)
class Steps:
    discover: DiscoverStep = discover_step
    units: UnitRunner = run_units_plain
    finish: FinishStep = finish_step


PLAIN = Steps()


def failed_chunks(results: Iterable[tuple[Unit, BatchReport | BaseException]]) -> list[str]:
    return sorted({c for u, r in results if isinstance(r, BaseException) for c in u.chunks})


def run(settings: Settings, flow: str, mode: str, *, since: date | None = None,
        until: date | None = None, steps: Steps = PLAIN, parallel: int = 1,
        logger: logging.Logger | logging.LoggerAdapter = log) -> dict:
    """Run once and return the run's ingest_runs row (plus the batch report as `report`).

    A unit (one batch of one language-year chunk) that fails after its retries does not
    stop the others: the run ends `failed` naming the chunks to re-run, and nothing the
    other units committed is lost.
    """
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
        for cand in discovery.candidates.values():
            result.count(cand.language, "discovered")
        plans = pipeline.plan_fetches(
            discovery.candidates, pipeline.load_pages_state(settings.lake), settings,
            mode=mode, today=started.date(), since=since, until=until)
        units = plan_units(plans, settings)
        logger.info("run %s: %d candidates, %d pages to fetch in %d units (%d chunks)",
                    run_id, len(discovery.candidates), len(plans), len(units),
                    len({c for u in units for c in u.chunks}))
        t0 = time.perf_counter()
        done = 0
        outcomes = []
        for unit, outcome in steps.units(units, fetcher, settings, run_id, parallel):
            outcomes.append((unit, outcome))
            done += len(unit.plans)
            if isinstance(outcome, BaseException):
                logger.error("%s failed: %s", unit.label, outcome)
            else:
                result.merge(outcome)
            logger.info("progress: %d/%d pages (%.0f pages/s), %s done", done, len(plans),
                        done / max(time.perf_counter() - t0, 1e-9), unit.label)
        bad = failed_chunks(outcomes)
        if bad:
            first = next(o for _, o in outcomes if isinstance(o, BaseException))
            raise ChunkError(bad, first)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        run_row = {"run_id": run_id, "flow": flow, "parameters": params,
                   "started_at": started, "finished_at": pipeline.utcnow(),
                   "discovered": len(discovery.candidates) if discovery else 0,
                   "requests": fetcher.requests_made + result.counts["requests"],
                   "error": error}
        row = steps.finish(settings, run_row, discovery, result)
    if row["status"] == "partial":
        failed = "; ".join(f"{f['url']}: {f['reason']}" for f in result.failures[:5])
        logger.warning("run %s partial: %d pages failed (retried next run): %s",
                       run_id, row["failed"], failed)
    return {**row, "report": result}
