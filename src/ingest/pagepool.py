"""Page work in worker processes: fetch, keep the raw body, extract.

Parsing is the largest CPU cost per page and the GIL keeps threads from sharing it, so big
batches (MIN_PAGES_FOR_POOL pages or more) use a small process pool, in one of two ways:

- **unpaced** (no politeness delay: a local mirror, the benchmark): slices of the batch go to
  the workers whole. Each worker fetches its pages over its own keep-alive session, writes
  the raw zone and extracts; only the small outcome travels back (no body crosses a pipe),
  so the parent is free to land while the cores fetch and parse.
- **paced** (a live host at n requests/s): the parent fetches, because one shared rate
  limiter must space the requests to a host, and hands each body to a worker to parse while
  it waits for the next slot (`submit`).

Outcomes travel back as our own small types (`Release | Rejection`); errors pickle
(errors.py).
Workers are started with `spawn` (polars and fork do not mix) and import neither polars nor
the lake, which re-imports the main module: a script that runs flows or `runner.run` at
import time needs the usual `if __name__ == "__main__":` guard, or `parse_workers=0`
(`INGEST_PARSE_WORKERS=0`) to work inline.
"""

from __future__ import annotations

import atexit
import dataclasses
import multiprocessing as mp
import os
import time
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, NamedTuple

from ingest import encoding, rawzone
from ingest.analysis.rows import worker_payload
from ingest.errors import FetchError
from ingest.extract import Outcome, Rejection, Release, extract
from ingest.fetch import Fetcher, FetchResult, HostBook, RateLimiter, RobotsRules, build_session
from ingest.settings import Settings

# Below this many pages a batch works inline: starting workers costs more than it saves.
MIN_PAGES_FOR_POOL = 64

TextInfo = tuple[str, str, bool]  # (encoding, how it was decided, encoding_suspect)
Payload = dict[str, Any]  # the analyst layer's rows of one release (analysis_payload)
LogRow = dict[str, object]  # one fetch_log row (fetch.FetchLog)
Robots = dict[str, RobotsRules]  # origin -> parsed robots.txt (fetch.RobotsCache.loaded)


class Timed(NamedTuple):
    """One body's extraction: the outcome, the seconds extraction (and analysis) took, for
    the run report, how the body decoded, and the analyst layer's rows."""

    outcome: Outcome
    parse_s: float
    text: TextInfo | None
    analysis: Payload | None


# What a page body may be: HTML (or no Content-Type at all, as old servers send).
_HTML_TYPES = ("text/html", "application/xhtml+xml", "application/xml", "text/xml", "")


class PageJob(NamedTuple):
    """One page for a worker: where it is and the validators for a conditional GET."""

    url: str
    path: str
    etag: str | None
    last_modified: str | None


class PageDone(NamedTuple):
    """What a worker did with one page. `result.body` is emptied: the raw zone has it."""

    result: FetchResult | None
    raw_path: str | None
    outcome: Outcome | None
    parse_s: float
    error: FetchError | None
    text: TextInfo | None = None
    analysis: Payload | None = None


_pool: ProcessPoolExecutor | None = None
_pool_pid: int | None = None
_pool_size = 0
_worker_fetchers: dict[str, Fetcher] = {}  # in a worker: one keep-alive session per settings


def extract_outcome(body: bytes | str, url: str) -> Outcome:
    """`Release | Rejection` of one body; never raises (a parser bug is a rejection)."""
    return extract(body, url)


def analysis_payload(outcome: Outcome) -> Payload | None:
    """The analyst layer's rows for an extracted release, computed next to extraction so
    it is spread over the workers; the transform checks them against the text it stores
    and redoes any that differ (or are missing: None here after an analysis error, which
    is then reported where the batch lands)."""
    if not isinstance(outcome, Release):
        return None
    try:
        return worker_payload(outcome.to_dict())
    except Exception:
        return None


def timed_outcome(body: bytes, url: str, content_type: str | None = None) -> Timed:
    """Decode the body (encoding.decode_html: BOM, header, meta, detection), then extract."""
    started = time.perf_counter()
    decoded = encoding.decode_html(body, content_type)
    outcome = extract_outcome(decoded.markup, url)
    payload = analysis_payload(outcome)
    return Timed(outcome, time.perf_counter() - started, decoded.info, payload)


def not_html(result: FetchResult) -> Outcome | None:
    """A page answer that is not a web page (an image, a PDF, a zip): refused, not kept."""
    kind = result.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind in _HTML_TYPES:
        return None
    return Rejection(result.url, "not_html", f"Content-Type {kind!r} is not a web page; not kept")


def workers(settings: Settings) -> int:
    """How many worker processes (Settings.parse_workers; 0 = work inline)."""
    return settings.workers


def pool(settings: Settings) -> ProcessPoolExecutor | None:
    """The process's pool, started on first use; None where children cannot be started
    (a daemonic process such as a Dask worker) or when disabled."""
    global _pool, _pool_pid, _pool_size
    size = workers(settings)
    if size == 0 or mp.current_process().daemon:
        return None
    # A worker that died (OOM killer, segfault) breaks the pool for good: start a new one,
    # so the retry of the failed unit has somewhere to run.
    if (
        _pool is None
        or _pool_pid != os.getpid()
        or getattr(_pool, "_broken", False)
        or _pool_size != size
    ):
        if _pool is not None and _pool_pid == os.getpid():
            _pool.shutdown(wait=False, cancel_futures=True)
        # spawn, not fork: polars in a forked child hangs (STACK_NOTES pitfall 14).
        _pool = ProcessPoolExecutor(max_workers=size, mp_context=mp.get_context("spawn"))
        _pool_pid, _pool_size = os.getpid(), size
    return _pool


def submit(
    settings: Settings, body: bytes, url: str, content_type: str | None = None
) -> Future[Timed] | None:
    """Parse one already-fetched body in a worker (the paced mode)."""
    p = pool(settings)
    return p.submit(timed_outcome, body, url, content_type) if p is not None else None


def submit_fetches(
    settings: Settings,
    robots: Robots,
    jobs: list[PageJob],
    hosts: HostBook,
) -> Future[tuple[list[PageDone], int, list[LogRow]]] | None:
    """Fetch, store and extract a slice of pages in a worker (the unpaced mode).

    `robots` is the parent's parsed robots.txt per origin, so workers never fetch it again;
    `hosts` the run's paused hosts so far. The future gives one PageDone per job, in order,
    the number of requests made and the fetch_log rows of those requests.
    """
    p = pool(settings)
    return p.submit(fetch_slice, settings, robots, jobs, hosts) if p is not None else None


def fetch_slice(
    settings: Settings, robots: Robots, jobs: list[PageJob], hosts: HostBook | None = None
) -> tuple[list[PageDone], int, list[LogRow]]:
    """Runs in a worker: each page fetched, kept raw and extracted; a lake error raises
    (the unit fails and is retried whole), a fetch error is that page's outcome."""
    fetcher = _fetcher_for(settings, robots, hosts)
    before = fetcher.requests_made
    fetcher.log.drain()  # rows of an earlier slice that failed belong to no one now
    done = [fetch_one(fetcher, settings, job) for job in jobs]
    return done, fetcher.requests_made - before, fetcher.log.drain()


def fetch_and_keep(
    fetcher: Fetcher,
    settings: Settings,
    job: PageJob,
) -> tuple[FetchResult | None, str | None, FetchError | None, Outcome | None]:
    """GET one page (conditionally) and keep a new body in the raw zone: (result, raw path,
    error, outcome when already decided). A fetch error is returned (it is that page's
    outcome); a lake error raises. A body that is not a web page is refused unkept."""
    try:
        result = fetcher.get(job.url, etag=job.etag, last_modified=job.last_modified)
    except FetchError as exc:
        return None, None, exc, None
    if result.status == 304:
        return result, None, None, None
    refused = not_html(result)
    if refused is not None:
        return dataclasses.replace(result, body=b""), None, None, refused
    raw = rawzone.store_raw(settings.lake, settings.source, job.path, result.body)
    return result, raw, None, None


def fetch_one(fetcher: Fetcher, settings: Settings, job: PageJob) -> PageDone:
    result, raw, error, outcome = fetch_and_keep(fetcher, settings, job)
    if result is None or raw is None:
        return PageDone(result, None, outcome, 0.0, error)
    outcome, parse_s, text, analysis = timed_outcome(
        result.body, job.url, result.headers.get("content-type")
    )
    return PageDone(
        dataclasses.replace(result, body=b""), raw, outcome, parse_s, None, text, analysis
    )


def _fetcher_for(settings: Settings, robots: Robots, hosts: HostBook | None) -> Fetcher:
    key = repr(settings)
    fetcher = _worker_fetchers.get(key)
    if fetcher is None:
        # Unpaced by construction: the parent sends slices here only when no delay applies.
        fetcher = Fetcher(build_session(settings), settings, limiter=RateLimiter(0))
        _worker_fetchers[key] = fetcher
    fetcher.robots.adopt(robots)
    # Host pauses belong to one run: each slice starts from the parent's, never from an
    # earlier run's that this long-lived worker saw.
    fetcher.hosts = HostBook()
    if hosts is not None:
        for host, why in hosts.paused.items():
            fetcher.hosts.pause(host, why)
    return fetcher


@atexit.register
def _shutdown() -> None:
    if _pool is not None and _pool_pid == os.getpid():
        _pool.shutdown(wait=False, cancel_futures=True)
