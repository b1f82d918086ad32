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

Outcomes travel back as plain tuples and our own small types; errors pickle (errors.py).
Workers are started with `spawn` (polars and fork do not mix) and import neither polars nor
the lake, which re-imports the main module: a script that runs flows or `runner.run` at
import time needs the usual `if __name__ == "__main__":` guard, or `INGEST_PARSE_WORKERS=0`
to work inline.
"""

from __future__ import annotations

import atexit
import dataclasses
import multiprocessing as mp
import os
import time
from concurrent.futures import Future, ProcessPoolExecutor
from typing import NamedTuple

from ingest import rawzone
from ingest.analysis.rows import worker_payload
from ingest.errors import ExtractError, FetchError
from ingest.extract import extract_release
from ingest.fetch import Fetcher, FetchResult, RateLimiter, build_session
from ingest.settings import Settings

# Below this many pages a batch works inline: starting workers costs more than it saves.
MIN_PAGES_FOR_POOL = 64

Outcome = tuple[str, object, str]  # ("ok", record, "") | ("reject", reason, detail)
Timed = tuple[Outcome, float]  # and the seconds extraction took, for the run report


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


_pool: ProcessPoolExecutor | None = None
_pool_pid: int | None = None
_worker_fetchers: dict[str, Fetcher] = {}  # in a worker: one keep-alive session per settings


def extract_outcome(body: bytes, url: str) -> Outcome:
    """extract_release as a plain tuple; never raises (a parser bug is a rejection).

    The analyst layer runs here too, next to extraction, so it is spread over the workers
    (its rows ride along under "analysis"; the transform checks them against the text it
    stores and redoes any that differ)."""
    try:
        rec = extract_release(body, url).to_dict()
    except ExtractError as exc:
        return "reject", exc.reason, str(exc)
    except Exception as exc:  # odd markup must not stop the run
        return "reject", "parser_error", f"{type(exc).__name__}: {exc}"
    rec["analysis"] = _analysis_payload(rec)
    return "ok", rec, ""


def _analysis_payload(rec: dict) -> dict | None:
    try:
        return worker_payload(rec)
    except Exception:  # analysed again where the batch lands, and its error reported there
        return None


def timed_outcome(body: bytes, url: str) -> Timed:
    started = time.perf_counter()
    outcome = extract_outcome(body, url)
    return outcome, time.perf_counter() - started


def workers() -> int:
    """INGEST_PARSE_WORKERS (0 = work inline), default 3 on a machine with 2+ cores: an
    unpaced worker waits on the server part of the time, so one more than the cores keeps
    them busy."""
    raw = os.environ.get("INGEST_PARSE_WORKERS")
    if raw is not None and raw.strip():
        return max(0, int(raw))
    cores = os.cpu_count() or 1
    return 1 if cores == 1 else min(cores + 1, 4)


def pool() -> ProcessPoolExecutor | None:
    """The process's pool, started on first use; None where children cannot be started
    (a daemonic process such as a Dask worker) or when disabled."""
    global _pool, _pool_pid
    if workers() == 0 or mp.current_process().daemon:
        return None
    # A worker that died (OOM killer, segfault) breaks the pool for good: start a new one,
    # so the retry of the failed unit has somewhere to run.
    if _pool is None or _pool_pid != os.getpid() or getattr(_pool, "_broken", False):
        # spawn, not fork: polars in a forked child hangs (STACK_NOTES pitfall 14).
        _pool = ProcessPoolExecutor(max_workers=workers(), mp_context=mp.get_context("spawn"))
        _pool_pid = os.getpid()
    return _pool


def submit(body: bytes, url: str) -> Future[Timed] | None:
    """Parse one already-fetched body in a worker (the paced mode)."""
    p = pool()
    return p.submit(timed_outcome, body, url) if p is not None else None


def submit_fetches(settings: Settings, robots: dict, jobs: list[PageJob],
                   ) -> Future[tuple[list[PageDone], int]] | None:
    """Fetch, store and extract a slice of pages in a worker (the unpaced mode).

    `robots` is the parent's parsed robots.txt per origin, so workers never fetch it again.
    The future gives one PageDone per job, in order, and the number of requests made.
    """
    p = pool()
    return p.submit(fetch_slice, settings, robots, jobs) if p is not None else None


def fetch_slice(settings: Settings, robots: dict, jobs: list[PageJob],
                ) -> tuple[list[PageDone], int]:
    """Runs in a worker: each page fetched, kept raw and extracted; a lake error raises
    (the unit fails and is retried whole), a fetch error is that page's outcome."""
    fetcher = _fetcher_for(settings, robots)
    before = fetcher.requests_made
    done = [fetch_one(fetcher, settings, job) for job in jobs]
    return done, fetcher.requests_made - before


def fetch_and_keep(fetcher: Fetcher, settings: Settings, job: PageJob,
                   ) -> tuple[FetchResult | None, str | None, FetchError | None]:
    """GET one page (conditionally) and keep a new body in the raw zone: (result, raw path,
    error). A fetch error is returned (it is that page's outcome); a lake error raises."""
    try:
        result = fetcher.get(job.url, etag=job.etag, last_modified=job.last_modified)
    except FetchError as exc:
        return None, None, exc
    if result.status == 304:
        return result, None, None
    return result, rawzone.store_raw(settings.lake, settings.source, job.path, result.body), None


def fetch_one(fetcher: Fetcher, settings: Settings, job: PageJob) -> PageDone:
    result, raw, error = fetch_and_keep(fetcher, settings, job)
    if result is None or raw is None:
        return PageDone(result, None, None, 0.0, error)
    outcome, parse_s = timed_outcome(result.body, job.url)
    return PageDone(dataclasses.replace(result, body=b""), raw, outcome, parse_s, None)


def _fetcher_for(settings: Settings, robots: dict) -> Fetcher:
    key = repr(settings)
    fetcher = _worker_fetchers.get(key)
    if fetcher is None:
        # Unpaced by construction: the parent sends slices here only when no delay applies.
        fetcher = Fetcher(build_session(settings), settings, limiter=RateLimiter(0))
        _worker_fetchers[key] = fetcher
    fetcher.robots.adopt(robots)
    return fetcher


@atexit.register
def _shutdown() -> None:
    if _pool is not None and _pool_pid == os.getpid():
        _pool.shutdown(wait=False, cancel_futures=True)
