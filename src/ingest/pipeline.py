"""The steps of a run, as plain functions the Prefect flows wire together.

    discover -> plan_fetches -> for each batch: fetch_pages -> land_pages -> finish_run

`plan_fetches` is pure (state + candidates + today -> plans). `land_pages` turns fetched
pages into lake rows (extract, Polars transforms, Pandera contracts) and publishes them
under the writer lock, together with the fetch state that describes them, so a run that
dies never advances state past data it did not land.
"""

from __future__ import annotations

import functools
import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import polars as pl

from ingest import lake as lk
from ingest import pagepool
from ingest import schemas as sc
from ingest import transform as tf
from ingest.analysis import ANALYSIS_VERSION
from ingest.dates import parse_date, parse_http_date
from ingest.discover import Candidate, Discovery, absolute, discover, site_form
from ingest.errors import (
    FetchError,
    GoneError,
    HostPausedError,
    RefusedRedirectError,
    RobotsDisallowedError,
    RobotsUnavailableError,
)
from ingest.extract import PARSER_VERSION, Outcome, Rejection, Release, accept
from ingest.fetch import Fetcher, FetchResult
from ingest.settings import LANGUAGES, Settings

# Page statuses a run tries again: the fetch failed (or robots.txt could not be read).
RETRY_STATUSES = ("failed", "robots_unavailable")
# Which plans a capped run keeps first (Settings.max_planned_fetches): what is new or known
# to be broken before what only re-checks; the rest waits for the next run.
_PLAN_PRIORITY = {"new": 0, "retry": 1, "changed": 2, "recheck": 3, "revalidate": 4}


@dataclass(frozen=True, slots=True)
class PagePlan:
    """One page to fetch and why."""

    path: str
    url: str
    language: str
    reason: str  # new | changed | recheck | retry | revalidate | replay
    etag: str | None = None
    last_modified: str | None = None
    sitemap_lastmod: str | None = None
    # the sitemap's xhtml:link alternates of this page: ((language, path), ...)
    alternates: tuple[tuple[str, str], ...] = ()


@dataclass(slots=True)
class FetchedPage:
    plan: PagePlan
    result: FetchResult | None = None
    raw_path: str | None = None
    error: FetchError | None = None
    from_raw: bool = False  # replay/reprocess: parsed again, not fetched again
    parsed: Future[pagepool.Timed] | None = None  # extraction under way in a worker
    outcome: Outcome | None = None  # extraction done (by the worker that fetched)
    parse_s: float = 0.0  # time extraction took, wherever it ran
    text: pagepool.TextInfo | None = None  # how the body was decoded (encoding.decode_html)
    analysis: dict | None = None  # the analyst layer's rows, when a worker made them

    def extracted(self) -> Outcome:
        """The extraction outcome of a fetched body, computed here if no worker did."""
        if self.outcome is None:
            if self.parsed is not None:
                self.outcome, self.parse_s, self.text, self.analysis = self.parsed.result()
            else:
                assert self.result is not None
                (self.outcome, self.parse_s, self.text, self.analysis) = pagepool.timed_outcome(
                    self.result.body, self.plan.url, self.result.headers.get("content-type")
                )
        return self.outcome


@dataclass(slots=True)
class BatchReport:
    """What one batch did: counts, stage timings, rejections, slowest pages."""

    counts: Counter[str] = field(default_factory=Counter)
    timings: Counter[str] = field(default_factory=Counter)
    quarantined: list[dict[str, str]] = field(default_factory=list)
    failures: list[dict[str, str]] = field(default_factory=list)
    slowest: list[tuple[float, str]] = field(default_factory=list)
    partitions: set[str] = field(default_factory=set)
    by_language: dict[str, Counter[str]] = field(default_factory=dict)
    # Things an operator must read: caps reached, refused redirects, emptied fields.
    warnings: list[str] = field(default_factory=list)
    # Pages whose new extraction lost fields the stored release had: {url, fields}.
    emptied: list[dict[str, str]] = field(default_factory=list)

    def count(self, language: str, key: str, n: int = 1) -> None:
        self.counts[key] += n
        self.by_language.setdefault(language, Counter())[key] += n

    def merge(self, other: BatchReport) -> None:
        self.counts.update(other.counts)
        for lang, c in other.by_language.items():
            self.by_language.setdefault(lang, Counter()).update(c)
        self.timings.update(other.timings)
        self.quarantined.extend(other.quarantined)
        self.failures.extend(other.failures)
        self.slowest = sorted(self.slowest + other.slowest, reverse=True)[:10]
        self.partitions |= other.partitions
        self.warnings.extend(other.warnings)
        self.emptied.extend(other.emptied)


# ---- state ------------------------------------------------------------------------------


def load_pages_state(
    lake: Path, manifest: lk.Manifest | None = None, source: str | None = None
) -> pl.DataFrame:
    """The fetch state of every page (of one source, if given), as of `manifest` (default:
    the current one)."""
    manifest = manifest or lk.read_manifest(lake)
    state = _read_pages_file(lake, manifest.file("pages"))
    return state if source is None else state.filter(sc.of_source(source))


@functools.lru_cache(maxsize=2)
def _read_pages_file(lake: Path, rel: str | None) -> pl.DataFrame:
    # Data files are immutable and uniquely named, so a file read once is that file for
    # good: discovery, planning and the first publish of a run share one read.
    return sc.with_source(lk.read_data_file(lake, rel, sc.PAGES))


def load_sitemap_state(
    lake: Path, languages: Iterable[str] | None = None, source: str | None = None
) -> dict[str, str]:
    """Child sitemap path -> the lastmod we last read it at (of one source, if given). With
    `languages`, only the children whose last read covered all of them: a read for `en,ar`
    found no French page, so a full run must read that child again even though its
    lastmod did not change."""
    manifest = lk.read_manifest(lake)
    frame = sc.with_source(lk.read_data_file(lake, manifest.file("sitemaps"), sc.SITEMAPS))
    if source is not None:
        frame = frame.filter(sc.of_source(source))
    rows = frame.select("path", "lastmod", "languages").iter_rows()
    if languages is None:
        return {path: lastmod for path, lastmod, _ in rows}
    wanted = set(languages)
    return {
        path: lastmod
        for path, lastmod, covered in rows
        if covered and wanted <= set(covered.split(","))
    }


def save_sitemap_state(
    lake: Path,
    lastmods: Mapping[str, str],
    *,
    run_id: str,
    languages: Iterable[str] | None = None,
    source: str = sc.LEGACY_SOURCE,
) -> None:
    """Record the child sitemaps this run (of `source`) read, and for which languages. A
    child read again at the same lastmod keeps the languages of earlier reads too."""
    if not lastmods:
        return
    covered = set(languages) if languages is not None else set(LANGUAGES)
    with lk.writer_lock(lake):
        manifest = lk.read_manifest(lake)
        existing = sc.with_source(lk.read_data_file(lake, manifest.file("sitemaps"), sc.SITEMAPS))
        before = {
            p: (lm, langs)
            for p, lm, langs in existing.filter(sc.of_source(source))
            .select("path", "lastmod", "languages")
            .iter_rows()
        }
        rows = []
        for path, lastmod in lastmods.items():
            old_lastmod, old_langs = before.get(path, (None, None))
            langs = set(covered)
            if old_lastmod == lastmod and old_langs:
                langs |= set(old_langs.split(","))
            rows.append(
                {
                    "path": path,
                    "lastmod": lastmod,
                    "languages": ",".join(sorted(langs)),
                    "source": source,
                }
            )
        merged = tf.upsert_by(existing, pl.DataFrame(rows, schema=sc.SITEMAPS), tf.PAGE_KEY)
        rel = lk.write_data_file(lake, "sitemaps", "", merged, manifest.version + 1)
        lk.commit(lake, manifest, {"sitemaps": {"": rel}}, run_id=run_id)


def _upsert_small_table(
    lake: Path,
    table: str,
    schema: Mapping[str, pl.DataType],
    rows: pl.DataFrame,
    key: str,
    *,
    run_id: str,
    model: type | None = None,
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


# ---- discover & plan --------------------------------------------------------------------


def discover_releases(
    fetcher: Fetcher,
    settings: Settings,
    *,
    mode: str,
    since: date | None = None,
    until: date | None = None,
) -> Discovery:
    state = load_pages_state(settings.lake, source=settings.source)
    return discover(
        fetcher,
        settings,
        known=state["path"].to_list(),
        since=since,
        until=until,
        full=(mode != "daily"),
        previous_sitemaps=(
            load_sitemap_state(settings.lake, settings.languages, source=settings.source)
            if mode == "daily"
            else None
        ),
    )


def _due_recheck(
    published: date | None,
    last_fetched: datetime | None,
    today: date,
    after_days: Sequence[int],
    window_days: int,
) -> bool:
    """Re-check 1 and 7 days after publication: when such a point has passed since we
    last fetched the page (and only then), so each release is re-checked at most twice.
    Releases older than the window are left alone, even after a long pause of the schedule."""
    if published is None or last_fetched is None or (today - published).days > window_days:
        return False
    for days in after_days:
        checkpoint = published + timedelta(days=days)
        if last_fetched.date() < checkpoint <= today:
            return True
    return False


def plan_fetches(
    candidates: Mapping[str, Candidate],
    state: pl.DataFrame,
    settings: Settings,
    *,
    mode: str,
    today: date,
    since: date | None = None,
    until: date | None = None,
) -> list[PagePlan]:
    """Which pages to fetch. Pure: same inputs, same plans.

    - unknown page: fetch; page whose last fetch failed: fetch again (never forgotten);
    - sitemap lastmod differs from the one we stored: conditional GET; a page for which the
      site never gives a lastmod: conditional GET on every run (no other way to see edits);
    - daily: pages 1 and 7 days after publication: conditional GET; everything else is left
      alone (a daily run with nothing new fetches no article page);
    - backfill: every known page in range gets a conditional GET (304s cost no parsing),
      also pages the site no longer lists: that is how deletions (404/410) are found.

    Only the state of `settings.source` is read: a run never plans (or re-checks, or
    retries) another source's pages, even where their paths coincide.
    """
    state = state.filter(sc.of_source(settings.source))
    if mode == "daily":
        # Only rows a daily run can act on: listed now, failed, or inside the re-check
        # window; the rest of a large archive is never turned into Python dicts.
        window_start = today - timedelta(days=settings.recheck_window_days)
        state = state.filter(
            pl.col("path").is_in(pl.Series(list(candidates), dtype=pl.String).implode())
            | pl.col("status").is_in(RETRY_STATUSES)
            | (pl.col("published_date") >= window_start)
        )
    rows = {r["path"]: r for r in state.iter_rows(named=True)}
    plans: dict[str, PagePlan] = {}

    def add(path: str, language: str, reason: str, st: Mapping | None, lastmod: str | None):
        cand = candidates.get(path)
        # Fetched in the form the site links (a trailing slash), which saves a redirect.
        href = (cand.href if cand is not None else None) or (
            site_form(st["url"], path) if st and st.get("url") else None
        )
        plans[path] = PagePlan(
            path=path,
            url=absolute(settings.base_url, href or path),
            language=language,
            reason=reason,
            etag=(st or {}).get("etag"),
            last_modified=(st or {}).get("last_modified"),
            sitemap_lastmod=lastmod or (st or {}).get("sitemap_lastmod"),
            alternates=tuple(sorted(cand.alternates.items())) if cand is not None else (),
        )

    for path, cand in candidates.items():
        st = rows.get(path)
        if st is None:
            add(path, cand.language, "new", None, cand.lastmod)
        elif st["status"] in RETRY_STATUSES:
            add(path, cand.language, "retry", st, cand.lastmod)
        elif cand.lastmod and cand.lastmod != st["sitemap_lastmod"]:
            add(path, cand.language, "changed", st, cand.lastmod)
        elif st["status"] in ("ok", "quarantined") and (
            mode != "daily" or (cand.lastmod is None and st["sitemap_lastmod"] is None)
        ):
            # A site that gives no lastmod for a page leaves a conditional GET (a 304 when
            # nothing changed) as the only way to notice an edit.
            add(path, cand.language, "revalidate", st, cand.lastmod)

    if mode != "daily":
        for path, st in rows.items():
            published = st["published_date"]
            if (
                path in plans
                or st["language"] not in settings.languages
                or st["status"] not in ("ok", *RETRY_STATUSES, "refused_redirect")
                or published is None
                or (since and published < since)
                or (until and published > until)
            ):
                continue
            add(
                path,
                st["language"],
                "revalidate" if st["status"] in ("ok", "refused_redirect") else "retry",
                st,
                None,
            )
    else:
        for path, st in rows.items():
            if path in plans or st["language"] not in settings.languages:
                continue
            if st["status"] in RETRY_STATUSES:
                add(path, st["language"], "retry", st, None)
            elif st["status"] == "ok" and _due_recheck(
                st["published_date"],
                st["last_fetched_at"],
                today,
                settings.recheck_after_days,
                settings.recheck_window_days,
            ):
                add(path, st["language"], "recheck", st, None)
    # Batches grouped by partition keep each publish to few partition files.
    return sorted(plans.values(), key=lambda p: (p.language, p.path))


def cap_plans(plans: Sequence[PagePlan], limit: int) -> tuple[list[PagePlan], str | None]:
    """At most `limit` plans, new and failed pages first; (kept, warning or None). Pure.

    The pages left out stay unfetched, so the next run plans them again: a flood of URLs
    costs runs, never an unbounded one.
    """
    if len(plans) <= limit:
        return list(plans), None
    ranked = sorted(plans, key=lambda p: (_PLAN_PRIORITY.get(p.reason, 9), p.language, p.path))
    kept = sorted(ranked[:limit], key=lambda p: (p.language, p.path))
    left = Counter(p.reason for p in ranked[limit:])
    return kept, (
        f"planned fetches capped at {limit:,} of {len(plans):,} "
        f"(left for the next run: {dict(left)}; INGEST_MAX_PLANNED_FETCHES)"
    )


def batches(plans: Sequence[PagePlan], size: int) -> Iterator[list[PagePlan]]:
    for i in range(0, len(plans), size):
        yield list(plans[i : i + size])


# ---- fetch ------------------------------------------------------------------------------


def fetch_pages(
    plans: Sequence[PagePlan],
    fetcher: Fetcher,
    settings: Settings,
    progress: Callable[[int], None] | None = None,
) -> list[FetchedPage]:
    """GET each page (conditionally where we hold validators); keep raw bodies in the lake.

    Failures are returned, not raised: one bad URL must not stop the batch. Big batches
    use the worker processes of `pagepool`: with no politeness delay, workers fetch, keep
    and extract whole slices; with a delay, `fetch_threads` threads fetch here under the
    shared rate limit and each body goes to a worker to parse as it arrives.
    """
    big = len(plans) >= pagepool.MIN_PAGES_FOR_POOL
    if big and not fetcher.limiter.paced and pagepool.pool(settings) is not None:
        return _fetch_in_workers(plans, fetcher, settings, progress)

    def one(plan: PagePlan, getter: Fetcher) -> FetchedPage:
        job = _job(plan)
        result, raw, error, outcome = pagepool.fetch_and_keep(getter, settings, job)
        page = FetchedPage(plan, result=result, raw_path=raw, error=error, outcome=outcome)
        if big and result is not None and raw is not None:
            page.parsed = pagepool.submit(
                settings, result.body, plan.url, result.headers.get("content-type")
            )
        return page

    if not big:
        out = []
        for i, plan in enumerate(plans, 1):
            out.append(one(plan, fetcher))
            if progress:
                progress(i)
        return out
    local = threading.local()
    siblings: list[Fetcher] = []

    def threaded(plan: PagePlan) -> FetchedPage:
        if not hasattr(local, "fetcher"):
            local.fetcher = fetcher.sibling()
            siblings.append(local.fetcher)
        return one(plan, local.fetcher)

    with ThreadPoolExecutor(max_workers=settings.fetch_threads, thread_name_prefix="fetch") as ex:
        out = list(ex.map(threaded, plans))
    fetcher.requests_made += sum(f.requests_made for f in siblings)
    if progress:
        progress(len(out))
    return out


def _job(plan: PagePlan) -> pagepool.PageJob:
    return pagepool.PageJob(plan.url, plan.path, plan.etag, plan.last_modified)


def _fetch_in_workers(
    plans: Sequence[PagePlan],
    fetcher: Fetcher,
    settings: Settings,
    progress: Callable[[int], None] | None,
) -> list[FetchedPage]:
    origins = {urlsplit(p.url)[:2]: p.url for p in plans}
    robots = fetcher.robots.loaded(origins.values()) if settings.respect_robots else {}
    # Small slices keep every worker busy to the end of the batch; each costs one pickle.
    size = max(8, min(64, len(plans) // (4 * pagepool.workers(settings)) or 1))
    slices = [plans[i : i + size] for i in range(0, len(plans), size)]
    futures = []
    for part in slices:
        jobs = [_job(p) for p in part]
        fut = pagepool.submit_fetches(settings, robots, jobs, fetcher.hosts)
        assert fut is not None
        futures.append(fut)
    out: list[FetchedPage] = []
    try:
        for part, fut in zip(slices, futures, strict=True):
            done, requests_made, log_rows = fut.result()
            fetcher.requests_made += requests_made
            fetcher.log.extend(log_rows)
            for plan, d in zip(part, done, strict=True):
                if isinstance(d.error, HostPausedError):  # the run learns what a worker did
                    fetcher.hosts.pause(d.error.host, d.error.why)
                out.append(
                    FetchedPage(
                        plan,
                        result=d.result,
                        raw_path=d.raw_path,
                        error=d.error,
                        outcome=d.outcome,
                        parse_s=d.parse_s,
                        text=d.text,
                        analysis=d.analysis,
                    )
                )
            if progress:
                progress(len(out))
    finally:
        for fut in futures:  # after a failure, slices not started yet are not needed
            fut.cancel()
    return out


def pages_from_raw(
    plans: Iterable[PagePlan],
    raw_paths: Mapping[str, str],
    settings: Settings,
    now: datetime,
    charsets: Mapping[str, str] | None = None,
) -> list[FetchedPage]:
    """Pages rebuilt from the raw zone (replay, reprocess): no network at all. `charsets`
    (path -> codec) stands in for the HTTP header charset the raw body was served with."""
    out = []
    charsets = charsets or {}
    for plan in plans:
        rel = raw_paths[plan.path]
        body = lk.load_raw(settings.lake, rel)
        charset = charsets.get(plan.path)
        headers = {"content-type": f"text/html; charset={charset}"} if charset else {}
        result = FetchResult(
            url=plan.url,
            final_url=plan.url,
            status=200,
            body=body,
            headers=headers,
            fetched_at=now,
            elapsed_s=0.0,
        )
        out.append(FetchedPage(plan, result=result, raw_path=rel, from_raw=True))
    return out


# ---- land -------------------------------------------------------------------------------


def _quarantine_entry(
    page: FetchedPage, stage: str, reason: str, detail: str, found: str | None = None
) -> dict:
    return {
        "url": page.plan.url,
        "path": page.plan.path,
        "language": page.plan.language,
        "stage": stage,
        "reason": reason,
        "detail": detail[:2000],
        "raw_path": page.raw_path,
        "parser_version": PARSER_VERSION,
        "found": found,
    }


def page_dates(page: FetchedPage) -> list[tuple[str, date | None]]:
    """Last-resort publication dates from outside the page, in the order they are trusted:
    the sitemap <lastmod> the page was listed with, then the HTTP Last-Modified its body
    came with (the stored validator for a page parsed again from the raw zone)."""
    plan = page.plan
    last_modified = (
        page.result.last_modified if page.result is not None else None
    ) or plan.last_modified
    return [
        ("sitemap_lastmod", parse_date(plan.sitemap_lastmod or "")),
        ("http_last_modified", parse_http_date(last_modified)),
    ]


def settle(page: FetchedPage) -> Outcome:
    """The page's extraction outcome under the release contract, with the pipeline's own
    last-resort dates for a page whose only missing field is its date."""
    outcome = page.extracted()
    if isinstance(outcome, Rejection) and outcome.reason == "no_date" and outcome.found is not None:
        outcome = accept(outcome.found, fallback_dates=page_dates(page))
    return outcome


def page_status(error: FetchError) -> str:
    """The fetch-state status (or `paused`, which is stored as `failed`) of a fetch error."""
    if isinstance(error, GoneError):
        return "gone"
    if isinstance(error, RobotsDisallowedError):
        return "disallowed"
    if isinstance(error, RobotsUnavailableError):
        return "robots_unavailable"
    if isinstance(error, RefusedRedirectError):
        return "refused_redirect"
    if isinstance(error, HostPausedError):
        return "paused"
    return "failed"


def land_pages(
    pages: Sequence[FetchedPage],
    settings: Settings,
    *,
    run_id: str,
    now: datetime,
    unit: str | None = None,
    fetch_log: Sequence[Mapping[str, object]] = (),
) -> BatchReport:
    """Extract, structure, validate and publish one batch; returns what happened.

    `unit` names this unit of work (run id + batch): if a manifest already records it, a
    retry writes nothing again. `fetch_log` rows (every request made for the batch) commit
    with it.
    """
    report = BatchReport()
    t0 = time.perf_counter()
    records: list[dict] = []
    rejects: list[dict] = []
    payloads: dict[str, dict] = {}  # page path -> analysis done by the parse worker
    state_updates: dict[str, dict] = {}
    by_path = {p.plan.path: p for p in pages}

    for page in pages:
        plan = page.plan
        report.timings["fetch"] += page.result.elapsed_s if page.result else 0.0
        if page.result is not None:
            report.slowest.append((page.result.elapsed_s, plan.url))
        base_state = {
            "path": plan.path,
            "url": plan.url,
            "language": plan.language,
            "sitemap_lastmod": plan.sitemap_lastmod,
            "last_seen_at": now,
            "source": settings.source,
        }
        if page.error is not None:
            status = page_status(page.error)
            if status == "refused_redirect":
                # Not a failure to retry: the newsroom sent us elsewhere and we did not go.
                report.count(plan.language, "refused")
                report.warnings.append(f"{plan.url}: {page.error}")
            else:
                report.count(plan.language, "gone" if status == "gone" else "failed")
                report.failures.append({"url": plan.url, "reason": str(page.error)})
            if status in ("robots_unavailable", "paused"):
                report.count(plan.language, status)
                status = "robots_unavailable" if status == "robots_unavailable" else "failed"
            state_updates[plan.path] = {
                **base_state,
                "status": status,
                "http_status": page.error.status,
                "last_error": str(page.error),
                "last_seen_at": None,
            }
            continue
        assert page.result is not None
        if page.from_raw:
            fetched: dict[str, object] = {"sitemap_lastmod": None, "last_seen_at": None}
        else:
            report.count(plan.language, "fetched")
            fetched = {
                "http_status": page.result.status,
                "last_fetched_at": now,
                "etag": page.result.etag or plan.etag,
                "last_modified": page.result.last_modified or plan.last_modified,
            }
        if page.result.redirected:
            fetched["redirected_to"] = page.result.final_url
        if page.result.not_modified:
            report.count(plan.language, "unchanged")
            state_updates[plan.path] = {**base_state, **fetched, "_keep": True}
            continue
        state_updates[plan.path] = {**base_state, **fetched, "raw_path": page.raw_path}
        outcome = settle(page)
        if page.text is not None:
            encoding, source, suspect = page.text
            state_updates[plan.path].update(
                encoding=encoding, encoding_source=source, encoding_suspect=suspect
            )
            if suspect:
                report.count(plan.language, "encoding_suspect")
        if isinstance(outcome, Release):
            report.count(plan.language, "extracted")
            rec = outcome.to_dict()
            rec.update(
                path=plan.path, parser_version=PARSER_VERSION, analysis_version=ANALYSIS_VERSION
            )
            if page.analysis is not None:
                payloads[plan.path] = page.analysis
            records.append(rec)
        else:
            rejects.append(
                _quarantine_entry(
                    page, "extract", outcome.reason, str(outcome.error()), outcome.found_json()
                )
            )
        # Summed over pages, like "fetch": time spent parsing, in workers or here.
        report.timings["parse"] += page.parse_s

    tt = time.perf_counter()
    raw = tf.raw_releases_frame(records)
    structured = tf.dedupe_latest(
        tf.structure_releases(raw, source=settings.source, seen_at=now, run_id=run_id), "release_id"
    )
    releases = tf.release_rows(structured)
    blocks = tf.block_rows(structured)
    quotes = tf.quote_rows(structured)
    report.timings["transform"] += time.perf_counter() - tt
    ta = time.perf_counter()
    analysis, analysis_errors = tf.analysis_tables(structured, payloads)
    report.timings["analysis"] += time.perf_counter() - ta  # what was left to do here

    tv = time.perf_counter()
    releases, bad_rel = sc.split_valid(sc.ReleaseModel, releases, "releases")
    blocks, bad_blk = sc.split_valid(sc.BlockModel, blocks, "release_blocks")
    quotes, bad_quo = sc.split_valid(sc.QuoteModel, quotes, "quotes")
    bad_reasons: dict[str, tuple[str, str]] = {}
    for frame, label in ((bad_rel, "releases"), (bad_blk, "release_blocks"), (bad_quo, "quotes")):
        for rid, cases in frame.select("release_id", "failure_cases").iter_rows():
            bad_reasons.setdefault(rid, (f"{label}_contract", f"{label}: {cases}"))
    for rid, err in analysis_errors.items():
        bad_reasons.setdefault(rid, ("analysis_error", f"analysis {ANALYSIS_VERSION}: {err}"))
    for table, (_schema, model) in sc.ANALYSIS_TABLES.items():
        analysis[table], bad = sc.split_valid(model, analysis[table], table)
        for rid, cases in bad.select("release_id", "failure_cases").iter_rows():
            bad_reasons.setdefault(rid, (f"{table}_contract", f"{table}: {cases}"))
    if bad_reasons:
        # A release lands whole or not at all: its blocks and quotes go with it.
        bad_ids = pl.Series(list(bad_reasons), dtype=pl.String).implode()
        id_to_path = dict(structured.select("release_id", "path").iter_rows())
        for rid, (code, detail) in bad_reasons.items():
            page = by_path[id_to_path[rid]]
            rejects.append(_quarantine_entry(page, "validate", code, detail))
        releases = releases.filter(~pl.col("release_id").is_in(bad_ids))
        blocks = blocks.filter(~pl.col("release_id").is_in(bad_ids))
        quotes = quotes.filter(~pl.col("release_id").is_in(bad_ids))
        analysis = {t: f.filter(~pl.col("release_id").is_in(bad_ids)) for t, f in analysis.items()}
    report.timings["validate"] += time.perf_counter() - tv

    alternates = {p.plan.path: p.plan.alternates for p in pages if p.plan.alternates}
    tw = time.perf_counter()
    with lk.writer_lock(settings.lake):
        _publish(
            settings,
            releases,
            blocks,
            quotes,
            rejects,
            state_updates,
            report,
            run_id=run_id,
            now=now,
            unit=unit,
            fetch_log=fetch_log,
            alternates=alternates,
            analysis=analysis,
        )
    report.timings["write"] += time.perf_counter() - tw
    report.timings["land_total"] += time.perf_counter() - t0
    return report


def _publish(
    settings: Settings,
    releases: pl.DataFrame,
    blocks: pl.DataFrame,
    quotes: pl.DataFrame,
    rejects: list[dict],
    state_updates: dict[str, dict],
    report: BatchReport,
    *,
    run_id: str,
    now: datetime,
    unit: str | None,
    fetch_log: Sequence[Mapping[str, object]] = (),
    alternates: Mapping[str, Sequence[tuple[str, str]]] | None = None,
    analysis: Mapping[str, pl.DataFrame] | None = None,
) -> None:
    """Read-merge-write every touched table and commit them in one manifest swap.

    The caller holds the writer lock. The fetch state is one of the tables, so it never
    moves past data that did not land.
    """
    lake = settings.lake
    manifest = lk.read_manifest(lake)
    if unit is not None and unit in manifest.applied:
        # A retry of a unit that did commit (the failure came after the swap): report
        # what it did then, write nothing.
        report.counts = Counter({k: int(v) for k, v in manifest.applied[unit].items()})
        return
    version = manifest.version + 1
    state = load_pages_state(lake, manifest)
    wanted = pl.Series(list(state_updates), dtype=pl.String).implode()
    prior = {
        r["path"]: r
        for r in state.filter(
            pl.col("path").is_in(wanted) & sc.of_source(settings.source)
        ).iter_rows(named=True)
    }

    # Classify landed releases against the fetch state: new, edited, re-parsed, same.
    changed_ids: list[str] = []
    closing: dict[str, str] = {}
    old_partition: dict[str, str] = {}
    for rid, path, chash, pver, aver, lang in releases.select(
        "release_id", "path", "content_hash", "parser_version", "analysis_version", "language"
    ).iter_rows():
        old = prior.get(path)
        if old is None or old["content_hash"] is None or old["status"] == "gone":
            report.count(lang, "new")
        elif old["content_hash"] != chash:
            report.count(lang, "updated")
            closing[rid] = "superseded"
        elif old.get("parser_version") != pver or old.get("analysis_version") != aver:
            # a new parser or analysis version: same text, rows rewritten
            report.count(lang, "reparsed")
        else:
            report.count(lang, "unchanged")
            continue
        changed_ids.append(rid)
        if old and old["published_date"] is not None and old["status"] != "gone":
            old_partition[rid] = lk.partition_key(old["language"], old["published_date"].year)
    # Releases whose page is now 404/410: their current revision ends as 'gone'.
    for path, upd in state_updates.items():
        old = prior.get(path)
        if (
            upd.get("status") == "gone"
            and old
            and old["release_id"]
            and old["status"] == "ok"
            and old["published_date"] is not None
        ):
            closing[old["release_id"]] = "gone"
            old_partition[old["release_id"]] = lk.partition_key(
                old["language"], old["published_date"].year
            )

    # A new version that lost fields the stored one had (a redesign the extractor half
    # understands) does not replace it: it is quarantined and the run fails loudly.
    emptied = _emptied_fields(
        lake,
        manifest,
        releases,
        {rid: key for rid, key in old_partition.items() if closing.get(rid) != "gone"},
    )
    for rid, (path, url, lang, fields) in emptied.items():
        changed_ids.remove(rid)
        old_partition.pop(rid, None)
        kind = "updated" if closing.pop(rid, None) else "reparsed"
        report.counts[kind] -= 1
        report.by_language[lang][kind] -= 1
        report.emptied.append({"url": url, "fields": ", ".join(fields)})
        rejects.append(
            {
                "url": url,
                "path": path,
                "language": lang,
                "stage": "validate",
                "reason": "fields_emptied",
                "detail": f"the stored release has {', '.join(fields)}; the new "
                "extraction has none: kept the stored version",
                "raw_path": (state_updates.get(path) or {}).get("raw_path"),
                "parser_version": PARSER_VERSION,
            }
        )
    if emptied:
        gone_ids = pl.Series(list(emptied), dtype=pl.String).implode()
        releases = releases.filter(~pl.col("release_id").is_in(gone_ids))

    validated = releases
    families = _families(settings, manifest, validated, alternates or {}, version)
    if families is not None:
        links_rel, families_rel, keys = families
        releases = (
            releases.drop("translation_key")
            .join(keys, on="release_id", how="left")
            .select(releases.columns)
        )
    ids = pl.Series(changed_ids, dtype=pl.String).implode()
    releases = releases.filter(pl.col("release_id").is_in(ids))
    blocks = blocks.filter(pl.col("release_id").is_in(ids))
    quotes = quotes.filter(pl.col("release_id").is_in(ids))
    analysis = {t: f.filter(pl.col("release_id").is_in(ids)) for t, f in (analysis or {}).items()}
    reparsed_only = {rid for rid in changed_ids if rid not in closing and rid in old_partition}

    new_keys = {
        lk.partition_key(lang, year)
        for lang, year in releases.select("language", "year").unique().iter_rows()
    }
    touched = sorted(new_keys | set(old_partition.values()))
    existing = {
        key: lk.read_data_file(lake, manifest.file("releases", key), sc.RELEASES, key)
        for key in touched
    }
    prior_rows = {
        r["release_id"]: r
        for key in touched
        for r in existing[key]
        .filter(
            pl.col("release_id").is_in(pl.Series(list(old_partition), dtype=pl.String).implode())
        )
        .iter_rows(named=True)
    }
    prior_revision = {
        r["release_id"]: r["revision"] or 0 for r in prior.values() if r["release_id"]
    }
    new_revs = tf.revision_rows(
        releases.filter(
            ~pl.col("release_id").is_in(pl.Series(sorted(reparsed_only), dtype=pl.String).implode())
        ),
        prior_rows,
        prior_revision,
        now=now,
    )
    moved_out = set(old_partition)

    leaving = pl.Series(sorted(moved_out), dtype=pl.String).implode()

    written_revisions: list[pl.DataFrame] = []

    def rewrite(key: str) -> dict[str, str | None]:
        """The new files of one partition (None: the partition is now empty)."""
        language, year = lk.parse_partition_key(key)
        here = (pl.col("language") == language) & (pl.col("year") == year)
        merged = tf.merge_releases(existing[key], releases.filter(here))
        # A gone release stays in its file (its last version is kept); the views leave it
        # out through the fetch state. Moved releases (date edited) leave the old partition.
        moved_here = [
            rid for rid, k in old_partition.items() if k == key and closing.get(rid) != "gone"
        ]
        staying = releases.filter(here)["release_id"].to_list()
        drop = pl.Series([r for r in moved_here if r not in staying], dtype=pl.String).implode()
        merged = merged.filter(~pl.col("release_id").is_in(drop))
        files = {"releases": _write_or_drop(lake, "releases", key, merged, version)}
        for table, frame, schema in (
            ("release_blocks", blocks, sc.BLOCKS),
            ("quotes", quotes, sc.QUOTES),
        ):
            old = lk.read_data_file(lake, manifest.file(table, key), schema, key)
            kept = old.filter(
                ~pl.col("release_id").is_in(leaving) & ~pl.col("release_id").is_in(ids)
            )
            out = pl.concat([kept, frame.filter(here)]).sort("release_id", "ordinal")
            files[table] = _write_or_drop(lake, table, key, out, version)
        # The analyst tables: written in the same commit as the releases they describe.
        for table, frame in analysis.items():
            schema = sc.ANALYSIS_TABLES[table][0]
            old = lk.read_data_file(lake, manifest.file(table, key), schema, key)
            kept = old.filter(
                ~pl.col("release_id").is_in(leaving) & ~pl.col("release_id").is_in(ids)
            )
            order = "quote_ordinal" if table == "speakers" else "ordinal"
            out = pl.concat([kept, frame.filter(here)]).sort("release_id", order)
            files[table] = _write_or_drop(lake, table, key, out, version)
        revs = lk.read_data_file(lake, manifest.file("release_revisions", key), sc.REVISIONS, key)
        revs = tf.close_revisions(revs, closing, now=now)
        revs = pl.concat([revs, new_revs.filter(here)]).sort("release_id", "revision")
        files["release_revisions"] = _write_or_drop(lake, "release_revisions", key, revs, version)
        written_revisions.append(revs)
        return files

    # Partitions are independent, and polars reads and writes outside the GIL: a daily
    # run that touches a dozen partitions rewrites them side by side.
    changes: dict[str, dict[str, str | None]] = {t: {} for t in lk.PARTITIONED}
    with ThreadPoolExecutor(
        max_workers=settings.partition_threads, thread_name_prefix="partition"
    ) as ex:
        for key, files in zip(touched, ex.map(rewrite, touched), strict=True):
            for table, rel in files.items():
                changes[table][key] = rel
            report.partitions.add(key)
    # The revisions contract over every partition file this commit writes, in one pass
    # (a call costs ~17 ms whatever the size); the files are not visible before the
    # commit below, so a failure refuses the whole batch and lands nothing.
    if written_revisions:
        sc.check_whole(sc.RevisionModel, pl.concat(written_revisions), "release_revisions")

    if families is not None:
        changes["translation_links"] = {"": links_rel}
        changes["families"] = {"": families_rel}

    existing_q = sc.with_source(lk.read_data_file(lake, manifest.file("quarantine"), sc.QUARANTINE))
    incoming_q = tf.quarantine_rows(rejects, seen_at=now, run_id=run_id, source=settings.source)
    ok_paths = set(validated["path"].to_list())
    merged_q = tf.merge_quarantine(existing_q, incoming_q, ok_paths, settings.source)
    if (
        merged_q.height != existing_q.height
        or incoming_q.height
        or ok_paths & set(existing_q.filter(sc.of_source(settings.source))["path"].to_list())
    ):
        merged_q = sc.QuarantineModel.validate(merged_q)
        changes["quarantine"] = {"": lk.write_data_file(lake, "quarantine", "", merged_q, version)}
    for r in rejects:
        report.count(r["language"] or "?", "quarantined")
        if (prior.get(r["path"]) or {}).get("status") != "quarantined":
            # Refused now, not before: the evidence that a redesign broke extraction.
            report.count(r["language"] or "?", "newly_refused")
    report.quarantined.extend(
        {"url": r["url"], "stage": r["stage"], "reason": r["reason"]} for r in rejects
    )

    new_state = _state_rows(state_updates, prior, validated, new_revs, rejects, now)
    if new_state is not None:
        merged_state = sc.PageStateModel.validate(tf.upsert_by(state, new_state, tf.PAGE_KEY))
        changes["pages"] = {"": lk.write_data_file(lake, "pages", "", merged_state, version)}
    if fetch_log:
        changes["fetch_log"] = {
            "": _fetch_log_file(lake, manifest, fetch_log, run_id, now, version)
        }
    lk.commit(
        lake,
        manifest,
        changes,
        run_id=run_id,
        unit=unit,
        report={k: v for k, v in report.counts.items()},
        now=now,
    )


# Requests older than this leave fetch_log at the next commit (a compliance review looks
# back months, not years; the table is rewritten at every commit, so it must stay small).
FETCH_LOG_KEEP_DAYS = 400


def _fetch_log_file(
    lake: Path,
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
    lake: Path, rows: Sequence[Mapping[str, object]], *, run_id: str, now: datetime
) -> None:
    """Commit requests made outside any batch (robots.txt, sitemaps, listings) alone."""
    if not rows:
        return
    with lk.writer_lock(lake):
        manifest = lk.read_manifest(lake)
        rel = _fetch_log_file(lake, manifest, rows, run_id, now, manifest.version + 1)
        lk.commit(lake, manifest, {"fetch_log": {"": rel}}, run_id=run_id, now=now)


# A body that shrank below this share of its stored word count counts as emptied.
EMPTIED_BODY_SHARE = 0.2
# Release columns that, once filled, a re-extraction must not lose.
KEPT_FIELDS = ("subtitle", "dateline")


def _emptied_fields(
    lake: Path, manifest: lk.Manifest, releases: pl.DataFrame, old_partition: Mapping[str, str]
) -> dict[str, tuple[str, str, str, list]]:
    """release_id -> (path, url, language, fields) for new versions that lost fields the
    stored version had, extracted by the same parser version (so the page changed: a
    redesign). A new parser version may drop fields on purpose (`ingest reprocess`)."""
    if not old_partition:
        return {}
    new = {
        r["release_id"]: r
        for r in releases.filter(
            pl.col("release_id").is_in(pl.Series(list(old_partition), dtype=pl.String).implode())
        ).iter_rows(named=True)
    }
    out: dict[str, tuple[str, str, str, list]] = {}
    for key in sorted(set(old_partition.values())):
        wanted = [rid for rid, k in old_partition.items() if k == key and rid in new]
        old_rows = lk.read_data_file(lake, manifest.file("releases", key), sc.RELEASES, key).filter(
            pl.col("release_id").is_in(pl.Series(wanted, dtype=pl.String).implode())
        )
        for old in old_rows.iter_rows(named=True):
            cur = new[old["release_id"]]
            if old["parser_version"] != cur["parser_version"]:
                continue  # our parser changed, not the page: a reprocess applies it
            lost = [f for f in KEPT_FIELDS if old[f] and not cur[f]]
            if (old["word_count"] or 0) >= 20 and (
                cur["word_count"] or 0
            ) < EMPTIED_BODY_SHARE * old["word_count"]:
                lost.append("body_text")
            if old["translations"] not in (None, "", "{}") and cur["translations"] in (
                None,
                "",
                "{}",
            ):
                lost.append("translations")
            if lost:
                out[old["release_id"]] = (cur["path"], cur["url"], cur["language"], lost)
    return out


def _families(
    settings: Settings,
    manifest: lk.Manifest,
    landed: pl.DataFrame,
    alternates: Mapping[str, Sequence[tuple[str, str]]],
    version: int,
) -> tuple[str, str, pl.DataFrame] | None:
    """Translation families recomputed over the whole lake when releases land: the batch's
    links replace its pages' old ones (sitemap links are kept for pages parsed again from
    the raw zone, which come without a sitemap), then the families the batch can reach are
    resolved again (transform.resolve_families; the same result as resolving the whole
    lake, at the cost of the batch). Returns the two new table files and the batch's keys."""
    if landed.height == 0:
        return None
    lake = settings.lake
    old_links = lk.read_data_file(lake, manifest.file("translation_links"), sc.LINKS)
    batch = pl.Series(landed["path"].to_list(), dtype=pl.String).implode()
    relisted = pl.Series(list(alternates), dtype=pl.String).implode()
    new_links = sc.LinkModel.validate(
        tf.link_rows(landed, alternates).unique(
            subset=["source_path", "target_path", "target_language", "signal"],
            keep="first",
            maintain_order=True,
        )
    )
    kept = old_links.filter(
        ~pl.col("source_path").is_in(batch)
        | ((pl.col("signal") == "sitemap") & ~pl.col("source_path").is_in(relisted))
    )
    links = pl.concat([kept, new_links]).sort("source_path", "target_path", "signal")
    all_families = lk.read_data_file(lake, manifest.file("families"), sc.FAMILIES)
    # Families never cross sources (two newsrooms may share paths): this source's releases
    # are resolved, every other source's family rows are kept as they are.
    mine_ids = pl.concat(
        [
            load_pages_state(lake, manifest, source=settings.source)
            .select("release_id")
            .drop_nulls(),
            landed.select("release_id"),
        ]
    )
    mine = pl.col("release_id").is_in(mine_ids["release_id"].implode())
    old_families, other_families = all_families.filter(mine), all_families.filter(~mine)
    members = pl.concat(
        [
            old_families.filter(~pl.col("release_id").is_in(landed["release_id"].implode())).select(
                "release_id", "path", "language"
            ),
            landed.select("release_id", "path", "language"),
        ]
    )
    families = sc.FamilyModel.validate(
        pl.concat(
            [
                other_families,
                tf.resolve_families(
                    members,
                    links,
                    source=settings.source,
                    previous=old_families,
                    touched=landed["path"].to_list(),
                ),
            ]
        ).sort("release_id")
    )
    keys = families.filter(pl.col("release_id").is_in(landed["release_id"].implode())).select(
        "release_id", "translation_key"
    )
    return (
        lk.write_data_file(lake, "translation_links", "", links, version),
        lk.write_data_file(lake, "families", "", families, version),
        keys,
    )


def _write_or_drop(
    lake: Path, table: str, key: str, frame: pl.DataFrame, version: int
) -> str | None:
    return lk.write_data_file(lake, table, key, frame, version) if frame.height else None


def _state_rows(
    state_updates: Mapping[str, dict],
    prior: Mapping[str, dict],
    validated: pl.DataFrame,
    new_revs: pl.DataFrame,
    rejects: list[dict],
    now: datetime,
) -> pl.DataFrame | None:
    """The fetch-state rows this batch changes."""
    if not state_updates:
        return None
    info = {
        r["path"]: r
        for r in validated.select(
            "path",
            "release_id",
            "content_hash",
            "published_date",
            "parser_version",
            "analysis_version",
        ).iter_rows(named=True)
    }
    revision = dict(new_revs.select("release_id", "revision").iter_rows())
    rejected = {r["path"] for r in rejects}
    rows = []
    for path, upd in state_updates.items():
        old = dict(prior.get(path) or {})
        row = {c: old.get(c) for c in sc.PAGES}
        upd = dict(upd)
        keep = upd.pop("_keep", False)
        row.update({k: v for k, v in upd.items() if v is not None})
        if upd.get("status") in ("failed", "gone", "disallowed"):
            # The status of THIS attempt, even none (the server never answered): keeping
            # the 200 of the last good fetch would hide the failure in release_status.
            row["http_status"] = upd.get("http_status")
        row["first_seen_at"] = old.get("first_seen_at") or now
        if keep:
            row["status"] = old.get("status") or "ok"
        elif "status" not in upd:
            row["status"] = "quarantined" if path in rejected else "ok"
            row["last_error"] = None
        if path in info:
            r = info[path]
            row.update(
                release_id=r["release_id"],
                content_hash=r["content_hash"],
                published_date=r["published_date"],
                parser_version=r["parser_version"],
                analysis_version=r["analysis_version"],
            )
            row["revision"] = revision.get(r["release_id"], old.get("revision"))
        rows.append(row)
    return pl.DataFrame(rows, schema=sc.PAGES)


# ---- runs -------------------------------------------------------------------------------


def new_run_id(now: datetime) -> str:
    return f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


def record_run(
    lake: Path,
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
) -> dict:
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
    _upsert_small_table(
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
