"""The fetch stage: plans in, `Fetched` pages out (our own small response type, or the error).

    [PagePlan] ──fetch_pages──> [Fetched]     (GET, conditional where we hold validators;
                                                new bodies kept in the raw zone)
    [PagePlan] ──pages_from_raw──> [Fetched]  (replay, reprocess: the raw zone, no network)

Three ways to fetch one batch, one result type: inline (small batches), fetch threads here
with each body parsed in a worker process as it arrives (a politeness delay applies), or
whole slices fetched, kept and parsed in the workers (no delay: `pagepool`). A page whose
extraction already ran in a worker carries its outcome; `Fetched.extracted()` runs it here
otherwise. Failures are the page's `error`, never raised: one bad URL must not stop a batch.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from ingest import pagepool, rawzone
from ingest.errors import (
    FetchError,
    GoneError,
    HostPausedError,
    RefusedRedirectError,
    RobotsDisallowedError,
    RobotsUnavailableError,
)
from ingest.extract import Outcome
from ingest.fetch import Fetcher, FetchResult
from ingest.settings import Settings
from ingest.stages.plan import PagePlan


@dataclass(slots=True)
class Fetched:
    """One planned page after the fetch stage: its response (`FetchResult`) or its error."""

    plan: PagePlan
    result: FetchResult | None = None
    raw_path: str | None = None
    error: FetchError | None = None
    from_raw: bool = False  # replay/reprocess: parsed again, not fetched again
    parsed: Future[pagepool.Timed] | None = None  # extraction under way in a worker
    outcome: Outcome | None = None  # extraction done (by the worker that fetched)
    parse_s: float = 0.0  # time extraction took, wherever it ran
    text: pagepool.TextInfo | None = None  # how the body was decoded (encoding.decode_html)
    analysis: dict[str, Any] | None = None  # the analyst layer's rows, when a worker made them

    def extracted(self) -> Outcome:
        """The extraction outcome of a fetched body, computed here if no worker did."""
        if self.outcome is None:
            if self.parsed is not None:
                timed = self.parsed.result()
            else:
                assert self.result is not None
                timed = pagepool.timed_outcome(
                    self.result.body, self.plan.url, self.result.headers.get("content-type")
                )
            self.outcome, self.parse_s, self.text, self.analysis = timed
        return self.outcome


# The name the stages used before the split (tests, bench and maintenance build pages so).
FetchedPage = Fetched


def fetch_pages(
    plans: Sequence[PagePlan],
    fetcher: Fetcher,
    settings: Settings,
    progress: Callable[[int], None] | None = None,
) -> list[Fetched]:
    """GET each page (conditionally where we hold validators); keep raw bodies in the lake.

    Failures are returned, not raised: one bad URL must not stop the batch. Big batches
    use the worker processes of `pagepool`: with no politeness delay, workers fetch, keep
    and extract whole slices; with a delay, `fetch_threads` threads fetch here under the
    shared rate limit and each body goes to a worker to parse as it arrives.
    """
    big = len(plans) >= pagepool.MIN_PAGES_FOR_POOL
    if big and not fetcher.limiter.paced and pagepool.pool(settings) is not None:
        return _fetch_in_workers(plans, fetcher, settings, progress)

    def one(plan: PagePlan, getter: Fetcher) -> Fetched:
        job = _job(plan)
        result, raw, error, outcome = pagepool.fetch_and_keep(getter, settings, job)
        page = Fetched(plan, result=result, raw_path=raw, error=error, outcome=outcome)
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

    def threaded(plan: PagePlan) -> Fetched:
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
) -> list[Fetched]:
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
    out: list[Fetched] = []
    try:
        for part, fut in zip(slices, futures, strict=True):
            done, requests_made, log_rows = fut.result()
            fetcher.requests_made += requests_made
            fetcher.log.extend(log_rows)
            for plan, d in zip(part, done, strict=True):
                if isinstance(d.error, HostPausedError):  # the run learns what a worker did
                    fetcher.hosts.pause(d.error.host, d.error.why)
                out.append(
                    Fetched(
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
) -> list[Fetched]:
    """Pages rebuilt from the raw zone (replay, reprocess): no network at all. `charsets`
    (path -> codec) stands in for the HTTP header charset the raw body was served with."""
    out = []
    charsets = charsets or {}
    for plan in plans:
        rel = raw_paths[plan.path]
        body = rawzone.load_raw(settings.lake, rel)
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
        out.append(Fetched(plan, result=result, raw_path=rel, from_raw=True))
    return out


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
