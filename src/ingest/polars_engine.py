"""Polars' in-memory engine for the small frames of one batch.

polars 2.x's default engine affinity ("auto") picks the streaming engine, whose fixed cost
per `collect()` is about 0.26 ms here against 0.035 ms for the in-memory engine. A batch's
frames hold hundreds of rows, and Pandera's polars backend collects once per check and per
column: about 60 collects to validate one table, 13 tables a batch. Landing a batch with
the in-memory engine halves the cost of validation and of our own lazy queries, with the
same results (the in-memory engine is the reference one).

Polars keeps the affinity in process-wide state, so overlapping batches (units landing in
parallel threads) share one count: the first to enter sets it, the last to leave restores
what was there.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import polars as pl

_lock = threading.Lock()
_depth = 0
_saved: pl.Config | None = None


@contextmanager
def in_memory_engine() -> Iterator[None]:
    """Run the block with polars' in-memory engine (see the module docstring)."""
    global _depth, _saved
    with _lock:
        if _depth == 0:
            _saved = pl.Config(engine_affinity="in-memory")
            _saved.__enter__()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _saved is not None:
                _saved.__exit__(None, None, None)
                _saved = None
