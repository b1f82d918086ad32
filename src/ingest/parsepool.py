"""Extraction in worker processes, overlapped with fetching.

Parsing is the largest CPU cost per page and the GIL keeps threads from sharing it, so
batches hand each fetched body to a small process pool as soon as it arrives, and collect
the outcomes when they land the batch. Outcomes travel back as plain tuples: our error
classes take several constructor arguments and would not unpickle.

Workers are started with `spawn` (polars and fork do not mix), which re-imports the main
module: a script that runs flows or `runner.run` at import time needs the usual
`if __name__ == "__main__":` guard, or `INGEST_PARSE_WORKERS=0` to parse inline.
"""

from __future__ import annotations

import atexit
import multiprocessing as mp
import os
from concurrent.futures import Future, ProcessPoolExecutor

from ingest.errors import ExtractError
from ingest.extract import extract_release

# Below this many pages a batch parses inline: starting workers costs more than it saves.
MIN_PAGES_FOR_POOL = 64

Outcome = tuple[str, object, str]  # ("ok", record, "") | ("reject", reason, detail)

_pool: ProcessPoolExecutor | None = None
_pool_pid: int | None = None


def extract_outcome(body: bytes, url: str) -> Outcome:
    """extract_release as a plain tuple; never raises (a parser bug is a rejection)."""
    try:
        return "ok", extract_release(body, url).to_dict(), ""
    except ExtractError as exc:
        return "reject", exc.reason, str(exc)
    except Exception as exc:  # odd markup must not stop the run
        return "reject", "parser_error", f"{type(exc).__name__}: {exc}"


def workers() -> int:
    """INGEST_PARSE_WORKERS (0 = parse inline), default min(2, cores)."""
    raw = os.environ.get("INGEST_PARSE_WORKERS")
    if raw is not None and raw.strip():
        return max(0, int(raw))
    return min(2, os.cpu_count() or 1)


def pool() -> ProcessPoolExecutor | None:
    """The process's pool, started on first use; None where children cannot be started
    (a daemonic process such as a Dask worker) or when disabled."""
    global _pool, _pool_pid
    if workers() == 0 or mp.current_process().daemon:
        return None
    if _pool is None or _pool_pid != os.getpid():
        # spawn, not fork: polars in a forked child hangs (STACK_NOTES pitfall 14).
        _pool = ProcessPoolExecutor(max_workers=workers(), mp_context=mp.get_context("spawn"))
        _pool_pid = os.getpid()
    return _pool


def submit(body: bytes, url: str) -> Future[Outcome] | None:
    p = pool()
    return p.submit(extract_outcome, body, url) if p is not None else None


@atexit.register
def _shutdown() -> None:
    if _pool is not None and _pool_pid == os.getpid():
        _pool.shutdown(wait=False, cancel_futures=True)
