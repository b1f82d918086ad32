"""The landing stage's polars engine guard: set while any batch lands, restored after."""

from __future__ import annotations

import threading

import polars as pl

from ingest.polars_engine import in_memory_engine


def _affinity() -> str | None:
    return pl.Config.state().get("POLARS_ENGINE_AFFINITY")


def test_in_memory_while_inside_and_restored_after() -> None:
    before = _affinity()
    with in_memory_engine():
        assert _affinity() == "in-memory"
        with in_memory_engine():
            assert _affinity() == "in-memory"
        assert _affinity() == "in-memory"  # the outer block still runs
    assert _affinity() == before


def test_overlapping_threads_share_one_count() -> None:
    """Two batches landing in threads: the first to leave must not switch the engine
    back under the other."""
    before = _affinity()
    inside, leave_first = threading.Event(), threading.Event()
    seen: list[str | None] = []

    def first() -> None:
        with in_memory_engine():
            inside.set()
            leave_first.wait(5)

    worker = threading.Thread(target=first)
    worker.start()
    inside.wait(5)
    with in_memory_engine():
        leave_first.set()
        worker.join(5)
        seen.append(_affinity())
    assert seen == ["in-memory"]
    assert _affinity() == before


def test_same_results_as_the_default_engine() -> None:
    frame = pl.DataFrame({"k": ["b", "a", "b", "c"], "v": [1, 2, 3, 4]})
    query = frame.lazy().group_by("k").agg(pl.col("v").sum()).sort("k")
    default = query.collect()
    with in_memory_engine():
        assert query.collect().equals(default)
