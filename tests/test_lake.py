from __future__ import annotations

import multiprocessing as mp
import os
import time
from pathlib import Path

import duckdb
import polars as pl
import pytest

from ingest import lake as lk
from ingest.errors import LakeError, LeaseError


def test_partition_dir_is_hive_style(tmp_path: Path):
    assert lk.partition_dir(tmp_path, "releases", "ar", 2023) == (
        tmp_path / "releases" / "language=ar" / "year=2023")


def test_write_and_read_partition_round_trip(tmp_path: Path):
    schema = {"release_id": pl.String(), "language": pl.String(), "year": pl.Int32()}
    frame = pl.DataFrame({"release_id": ["a", "b"], "language": ["en", "en"], "year": [2023, 2023]},
                         schema=schema)
    lk.write_partition(tmp_path, "releases", "en", 2023, frame)
    files = list((tmp_path / "releases").rglob("*.parquet"))
    assert [f.name for f in files] == ["data.parquet"]
    assert lk.read_partition(tmp_path, "releases", "en", 2023, schema).equals(frame)
    # DuckDB reads the same rows with the keys from the path.
    got = duckdb.sql(f"SELECT count(*), any_value(language), any_value(year) FROM read_parquet("
                     f"'{tmp_path}/releases/*/*/*.parquet', hive_partitioning=true)").fetchall()
    assert got == [(2, "en", 2023)]


def test_failed_publish_keeps_previous_file_and_leaves_no_temp(tmp_path: Path, monkeypatch):
    target = tmp_path / "t" / "data.parquet"
    lk.publish_frame(tmp_path, pl.DataFrame({"x": [1]}), target)

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(LakeError, match="previous file is intact"):
        lk.publish_frame(tmp_path, pl.DataFrame({"x": [2]}), target)
    monkeypatch.undo()
    assert pl.read_parquet(target)["x"].to_list() == [1]
    assert list((tmp_path / lk.STAGING).iterdir()) == []


def test_sweep_staging_removes_leftovers(tmp_path: Path):
    staging = tmp_path / lk.STAGING
    staging.mkdir()
    (staging / "dead.parquet").write_bytes(b"half")
    assert lk.sweep_staging(tmp_path) == 1
    assert not any(staging.iterdir())


def test_raw_zone_round_trip(tmp_path: Path):
    rel = lk.store_raw(tmp_path, "interpol", "/en/x", "سلام".encode())
    assert rel.startswith("raw/interpol/") and rel.endswith(".html.gz")
    assert lk.load_raw(tmp_path, rel).decode() == "سلام"
    with pytest.raises(LakeError, match="refetched"):
        lk.load_raw(tmp_path, "raw/interpol/00/missing.html.gz")


def _hold_lock(lake: str, ready, seconds: float) -> None:
    with lk.writer_lock(Path(lake)):
        ready.set()
        time.sleep(seconds)


def test_writer_lock_excludes_and_is_released_when_holder_dies(tmp_path: Path):
    ctx = mp.get_context("spawn")
    ready = ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(str(tmp_path), ready, 60))
    holder.start()
    try:
        assert ready.wait(60)
        with pytest.raises(LeaseError), lk.writer_lock(tmp_path, timeout_s=0.3):
            pass
        holder.kill()  # SIGKILL: no cleanup code runs; the kernel drops the flock
        holder.join(10)
        with lk.writer_lock(tmp_path, timeout_s=5):
            pass
    finally:
        if holder.is_alive():
            holder.kill()
