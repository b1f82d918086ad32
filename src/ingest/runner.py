"""One run of the pipeline: discover, plan, ingest in batches, finish. Engine-agnostic.

The steps are injected: the Prefect flows pass task-wrapped steps (retries, logs, artifacts
in the UI); `ingest run --engine plain`, the benchmark and the crash tests pass the plain
functions below, which keeps Prefect out of the hot path and out of timing measurements.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ingest import lake as lk
from ingest import views
from ingest.discover import Discovery
from ingest.errors import ChunkError, ConfigError
from ingest.fetch import Fetcher, build_session
from ingest.lake_writer import (
    load_pages_state,
    new_run_id,
    record_run,
    save_fetch_log,
    save_sitemap_state,
    utcnow,
)
from ingest.settings import Settings
from ingest.stages.batch import BatchReport
from ingest.stages.fetching import fetch_pages
from ingest.stages.landing import land_pages
from ingest.stages.plan import PagePlan, cap_plans, discover_releases, plan_fetches

log = logging.getLogger("ingest")
Logger = logging.Logger | logging.LoggerAdapter[logging.Logger]

DiscoverStep = Callable[[Fetcher, Settings, str, date | None, date | None], Discovery]
BatchStep = Callable[[Sequence[PagePlan], Fetcher, Settings, str, str], BatchReport]
# A run's ingest_runs row (record_run), plus what the caller adds (report, verdict).
RunRow = dict[str, Any]
FinishStep = Callable[[Settings, RunRow, Discovery | None, BatchReport], RunRow]


def discover_step(
    fetcher: Fetcher, settings: Settings, mode: str, since: date | None, until: date | None
) -> Discovery:
    return discover_releases(fetcher, settings, mode=mode, since=since, until=until)


def batch_step(
    plans: Sequence[PagePlan], fetcher: Fetcher, settings: Settings, run_id: str, label: str
) -> BatchReport:
    """Fetch, extract, validate and publish one batch as one commit (unit run_id/label).

    `fetcher` is this unit's own (see Fetcher.sibling); its request count is reported.
    """
    pages = fetch_pages(plans, fetcher, settings)
    rows = fetcher.log.drain()  # this unit's requests (and any a shared log holds) land with it
    try:
        report = land_pages(
            pages,
            settings,
            run_id=run_id,
            now=utcnow(),
            unit=f"{run_id}/{label}",
            fetch_log=rows,
        )
    except BaseException:
        fetcher.log.extend(rows)  # not committed: the retry or the run's finish takes them
        raise
    report.counts["requests"] = fetcher.requests_made
    return report


def finish_step(
    settings: Settings, run: RunRow, discovery: Discovery | None, result: BatchReport
) -> RunRow:
    """Store sitemap lastmods (only after a clean run), the requests made outside batches,
    record the run, rebuild the views."""
    run = dict(run)
    log_rows = run.pop("fetch_log", ())
    if discovery is not None and run.get("error") is None and run.get("status") != "failed":
        save_sitemap_state(
            settings.lake,
            discovery.sitemap_lastmods,
            run_id=run["run_id"],
            languages=settings.languages,
            source=settings.source,
        )
    save_fetch_log(settings.lake, log_rows, run_id=run["run_id"], now=run["finished_at"])
    row = record_run(settings.lake, report=result, **run)
    views.build_views_db(settings.lake)
    return row


@dataclass(frozen=True, slots=True)
class Unit:
    """One batch of work: the unit of commit and retry. `chunks` are the language x year
    chunks it holds pages of (units are filled in order, so a chunk may go on in the next)."""

    chunks: tuple[str, ...]
    label: str
    plans: list[PagePlan] = field(repr=False)


def plan_units(plans: Sequence[PagePlan], settings: Settings) -> list[Unit]:
    """Split plans into chunks by language and URL year, then pack them, in order, into
    units of `batch_size` pages: a chunk fills what room the unit has left and goes on in
    the next one, so every unit but the last is full (each unit costs a validation of every
    table and a commit: half-empty units would pay it for nothing, and write smaller files).

    A chunk is exactly what a backfill for one language and one year fetches, so a failed
    chunk is re-run alone with `--languages xx --since YYYY-01-01 --until YYYY-12-31`; a
    unit names every chunk it holds part of.
    """
    chunks: dict[str, list[PagePlan]] = {}
    for plan in plans:
        key = f"{plan.language}-{plan.year if plan.year is not None else 'other'}"
        chunks.setdefault(key, []).append(plan)
    size = max(1, settings.batch_size)
    groups: list[tuple[list[str], list[PagePlan]]] = []
    for key in sorted(chunks):
        part = chunks[key]
        while part:
            if not groups or len(groups[-1][1]) >= size:
                groups.append(([], []))
            keys, group = groups[-1]
            room = size - len(group)
            keys.append(key)
            group.extend(part[:room])
            part = part[room:]
    units = []
    for n, (keys, group) in enumerate(groups, 1):
        span = keys[0] if len(keys) == 1 else f"{keys[0]}..{keys[-1]}"
        units.append(Unit(tuple(keys), f"unit-{n}-of-{len(groups)}-{span}", group))
    return units


UnitRunner = Callable[
    [Sequence[Unit], Fetcher, Settings, str, int],
    Iterator[tuple[Unit, BatchReport | BaseException]],
]


def run_units_plain(
    units: Sequence[Unit], fetcher: Fetcher, settings: Settings, run_id: str, parallel: int
) -> Iterator[tuple[Unit, BatchReport | BaseException]]:
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
            failure = fut.exception()
            yield futures[fut], (failure if failure is not None else fut.result())


@dataclass(frozen=True)
class Steps:
    discover: DiscoverStep = discover_step
    units: UnitRunner = run_units_plain
    finish: FinishStep = finish_step


PLAIN = Steps()


@dataclass(frozen=True, slots=True)
class Verdict:
    """How a run ended and why: `completed`, `partial` (resumable) or `failed`."""

    status: str
    code: str | None = None
    reason: str | None = None


# Checked after discovery: a run that cannot go on stops here, writes no page, and does not
# advance the sitemap state.
def judge_discovery(
    discovery: Discovery, fetcher: Fetcher, settings: Settings, known_pages: int
) -> Verdict | None:
    """The verdict when discovery already decides the run (else None: go on)."""
    root = settings.base_url + "/"
    if settings.respect_robots:
        rules = fetcher.robots.rules(root)
        if rules.state == "unavailable" and not rules.answered and not discovery.reached:
            return Verdict(
                "failed",
                "newsroom_unreachable",
                f"could not reach the newsroom at {settings.base_url}: "
                f"robots.txt got no answer ({rules.detail}), nor did anything else",
            )
        if rules.state == "unavailable":
            return Verdict(
                "partial",
                "robots_unavailable",
                f"robots.txt of {settings.base_url} unavailable ({rules.detail}): "
                "RFC 9309 says disallow all, so nothing was fetched; the next run "
                "tries again",
            )
        if fetcher.robots.forbids_everything(root) and not discovery.candidates:
            return Verdict(
                "failed",
                "robots_forbids_all",
                f"robots.txt of {settings.base_url} disallows the site for our "
                f"user agent ({settings.user_agent!r}): nothing can be fetched; "
                "ask the newsroom, or change the entry points",
            )
    if fetcher.hosts.paused and not discovery.candidates:
        return Verdict("partial", "host_paused", _paused(fetcher))
    if not discovery.candidates and discovery.reached == 0 and discovery.unreachable:
        url, why = discovery.unreachable[0]
        return Verdict(
            "failed",
            "newsroom_unreachable",
            f"could not reach the newsroom at {settings.base_url}: "
            f"{len(discovery.unreachable)} sitemap/listing requests failed, first "
            f"{url}: {why}",
        )
    if not discovery.candidates:
        had = f"; the lake knows {known_pages:,} pages from earlier runs" if known_pages else ""
        return Verdict(
            "failed",
            "nothing_discovered",
            f"discovered no release URL at {settings.base_url} "
            f"({discovery.pages_seen} sitemap/listing pages read{had}): the "
            "newsroom's sitemaps, feeds, listings or URL patterns changed: check "
            f"the source definition {settings.source_file or settings.source} "
            "(languages.<xx>.article, .listings, .feeds; discovery.sitemaps)",
        )
    return None


def judge_run(
    result: BatchReport, fetcher: Fetcher, early: Verdict | None = None, error: str | None = None
) -> Verdict:
    """The run's outcome from what it did (pure over its inputs).

    failed: an error, a discovery verdict, fields emptied on pages that are not empty, or
    every page fetched this run refused by extraction; partial: pages failed, robots.txt
    unavailable or a host paused (all resumable); completed otherwise.
    """
    c = result.counts
    if error is not None:
        return Verdict("failed", "error", error)
    if early is not None:
        return early
    if result.emptied:
        named = "; ".join(f"{e['url']} ({e['fields']})" for e in result.emptied[:10])
        return Verdict(
            "failed",
            "fields_emptied",
            f"{len(result.emptied)} pages lost fields their stored release had, "
            f"though their body is not empty: {named}; kept the stored versions, "
            "fix extraction and run `ingest replay --reason fields_emptied`",
        )
    if c["newly_refused"] and not c["extracted"]:
        reasons = ", ".join(
            f"{r} x{n}" for r, n in Counter(q["reason"] for q in result.quarantined).most_common(5)
        )
        return Verdict(
            "failed",
            "all_refused",
            f"every page fetched with a body ({c['newly_refused']}) was refused "
            f"by extraction ({reasons}): a redesign? Pages are quarantined; fix "
            "extraction and run `ingest replay`",
        )
    if fetcher.hosts.paused:
        return Verdict("partial", "host_paused", _paused(fetcher))
    if c["robots_unavailable"]:
        return Verdict(
            "partial",
            "robots_unavailable",
            f"robots.txt unavailable: {c['robots_unavailable']} pages not fetched, "
            "retried next run",
        )
    if c["failed"]:
        return Verdict(
            "partial", "pages_failed", f"{c['failed']} pages failed and are retried next run"
        )
    return Verdict("completed")


def _paused(fetcher: Fetcher) -> str:
    return (
        "; ".join(f"host {h} paused: {why}" for h, why in sorted(fetcher.hosts.paused.items()))
        + " (the rest of the run skipped it; the next run resumes)"
    )


def failed_chunks(results: Iterable[tuple[Unit, BatchReport | BaseException]]) -> list[str]:
    return sorted({c for u, r in results if isinstance(r, BaseException) for c in u.chunks})


def _plan_run(
    discovery: Discovery,
    fetcher: Fetcher,
    settings: Settings,
    result: BatchReport,
    *,
    mode: str,
    today: date,
    since: date | None,
    until: date | None,
) -> tuple[list[PagePlan], Verdict | None]:
    """The run's plans after discovery (capped), and the verdict discovery already gives."""
    result.warnings.extend(discovery.warnings)
    for cand in discovery.candidates.values():
        result.count(cand.language, "discovered")
    state = load_pages_state(settings.lake, source=settings.source)
    early = judge_discovery(discovery, fetcher, settings, state.height)
    plans: list[PagePlan] = []
    if early is None or early.status != "failed":  # else nothing to do that would be right
        plans = plan_fetches(
            discovery.candidates, state, settings, mode=mode, today=today, since=since, until=until
        )
        if plans:
            early = None  # robots.txt unavailable / a paused host: the pages say so
    plans, capped = cap_plans(plans, settings.max_planned_fetches)
    if capped:
        result.warnings.append(capped)
    return plans, early


def _work_units(
    steps: Steps,
    units: Sequence[Unit],
    fetcher: Fetcher,
    settings: Settings,
    run_id: str,
    parallel: int,
    result: BatchReport,
    logger: Logger,
) -> list[tuple[Unit, BatchReport | BaseException]]:
    """Every unit through `steps.units`, merged into `result` and logged as it ends."""
    total = sum(len(u.plans) for u in units)
    t0 = time.perf_counter()
    done = 0
    outcomes: list[tuple[Unit, BatchReport | BaseException]] = []
    for unit, outcome in steps.units(units, fetcher, settings, run_id, parallel):
        outcomes.append((unit, outcome))
        done += len(unit.plans)
        if isinstance(outcome, BaseException):
            logger.error("%s failed: %s", unit.label, outcome)
        else:
            result.merge(outcome)
        logger.info(
            "progress: %d/%d pages (%.0f pages/s), %s done",
            done,
            total,
            done / max(time.perf_counter() - t0, 1e-9),
            unit.label,
        )
    return outcomes


def run(
    settings: Settings,
    flow: str,
    mode: str,
    *,
    since: date | None = None,
    until: date | None = None,
    steps: Steps = PLAIN,
    parallel: int = 1,
    logger: Logger = log,
) -> RunRow:
    """Run once and return the run's ingest_runs row (plus the batch report as `report`).

    A unit (one batch of one language-year chunk) that fails after its retries does not
    stop the others: the run ends `failed` naming the chunks to re-run, and nothing the
    other units committed is lost.
    """
    started = utcnow()
    run_id = new_run_id(started)
    params = {
        "source": settings.source,
        "base_url": settings.base_url,
        "lake": str(settings.lake),
        "languages": list(settings.languages),
        "since": since,
        "until": until,
    }
    # Leftovers of a crashed run: staged files are never read; unreferenced data files go
    # once no retained snapshot names them.
    lk.sweep_staging(settings.lake)
    lk.collect_garbage(settings.lake)
    if parallel < 1:
        raise ConfigError(f"parallel={parallel} is invalid: run at least 1 chunk at a time")
    fetcher = Fetcher(build_session(settings), settings)
    result = BatchReport()
    discovery: Discovery | None = None
    error: str | None = None
    early: Verdict | None = None
    try:
        discovery = steps.discover(fetcher, settings, mode, since, until)
        plans, early = _plan_run(
            discovery,
            fetcher,
            settings,
            result,
            mode=mode,
            today=started.date(),
            since=since,
            until=until,
        )
        units = plan_units(plans, settings)
        logger.info(
            "run %s: %d candidates, %d pages to fetch in %d units (%d chunks)",
            run_id,
            len(discovery.candidates),
            len(plans),
            len(units),
            len({c for u in units for c in u.chunks}),
        )
        outcomes = _work_units(steps, units, fetcher, settings, run_id, parallel, result, logger)
        bad = failed_chunks(outcomes)
        if bad:
            first = next(o for _, o in outcomes if isinstance(o, BaseException))
            raise ChunkError(bad, first)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        verdict = judge_run(result, fetcher, early, error)
        run_row = {
            "run_id": run_id,
            "flow": flow,
            "parameters": params,
            "started_at": started,
            "finished_at": utcnow(),
            "discovered": len(discovery.candidates) if discovery else 0,
            "requests": fetcher.requests_made + result.counts["requests"],
            "error": error or (verdict.reason if verdict.status != "completed" else None),
            "status": verdict.status,
            "fetch_log": fetcher.log.drain(),
        }
        row = steps.finish(settings, run_row, discovery, result)
    for warning in result.warnings[:20]:
        logger.warning("run %s: %s", run_id, warning)
    if row["status"] == "partial":
        failed = "; ".join(f"{f['url']}: {f['reason']}" for f in result.failures[:5])
        logger.warning("run %s partial: %s; failed: %s", run_id, verdict.reason, failed)
    elif row["status"] == "failed":
        logger.error("run %s failed [%s]: %s", run_id, verdict.code, verdict.reason)
    return {**row, "report": result, "verdict": verdict}
