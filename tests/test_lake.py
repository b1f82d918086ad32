from __future__ import annotations

import multiprocessing as mp
import os
import time
from pathlib import Path

import duckdb
import polars as pl
import pytest

from ingest import lake as lk
from ingest import views
from ingest.errors import LakeError, LeaseError

SCHEMA = {"release_id": pl.String(), "language": pl.String(), "year": pl.Int32()}


def frame(ids: list[str]) -> pl.DataFrame:
    return pl.DataFrame(
        {"release_id": ids, "language": ["en"] * len(ids), "year": [2023] * len(ids)}, schema=SCHEMA
    )


def publish(lake: Path, ids: list[str], run_id: str = "r") -> lk.Manifest:
    base = lk.read_manifest(lake)
    key = lk.partition_key("en", 2023)
    rel = lk.write_data_file(lake, "releases", key, frame(ids), base.version + 1)
    return lk.commit(lake, base, {"releases": {key: rel}}, run_id=run_id)


def test_partition_paths_are_hive_style(tmp_path: Path):
    assert lk.partition_key("ar", 2023) == "language=ar/year=2023"
    assert lk.partition_dir(tmp_path, "releases", "ar", 2023) == (
        tmp_path / "releases" / "language=ar" / "year=2023"
    )
    assert lk.parse_partition_key("language=ar/year=2023") == ("ar", 2023)


def test_commit_publishes_one_live_file_per_partition(tmp_path: Path):
    publish(tmp_path, ["a"])
    m = publish(tmp_path, ["a", "b"])
    assert m.version == 2
    key = lk.partition_key("en", 2023)
    got = lk.read_data_file(tmp_path, m.file("releases", key), SCHEMA, key)
    assert got.equals(frame(["a", "b"]))
    # The superseded file stays for readers of the previous snapshot until GC, but the
    # views read only the manifest's file.
    assert len(list((tmp_path / "releases").rglob("*.parquet"))) == 2
    assert lk.collect_garbage(tmp_path, grace_s=0) == 0  # still named by manifest history
    for _ in range(lk.KEEP_MANIFESTS):
        m = publish(tmp_path, ["a", "b"])
    lk.collect_garbage(tmp_path, grace_s=0)
    files = list((tmp_path / "releases").rglob("*.parquet"))
    assert len(files) == lk.KEEP_MANIFESTS and (tmp_path / m.file("releases", key)) in files
    # DuckDB reads the live file with its keys from the path.
    got = duckdb.sql(
        f"SELECT count(*), any_value(language), any_value(year) FROM read_parquet("
        f"'{tmp_path / m.file('releases', key)}', hive_partitioning=true)"
    ).fetchall()
    assert got == [(2, "en", 2023)]


def test_commit_refuses_a_stale_base(tmp_path: Path):
    base = lk.read_manifest(tmp_path)
    publish(tmp_path, ["a"])
    with pytest.raises(LeaseError, match="manifest moved"):
        lk.commit(tmp_path, base, {}, run_id="late")


def test_failed_commit_keeps_previous_snapshot_and_no_temp_is_read(tmp_path: Path, monkeypatch):
    publish(tmp_path, ["a"])
    before = (tmp_path / lk.MANIFEST).read_text()
    real_replace = os.replace

    def broken_replace(src, dst):
        if str(dst).endswith(lk.MANIFEST):
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(LakeError, match="previous snapshot"):
        publish(tmp_path, ["a", "b"])
    monkeypatch.undo()
    assert (tmp_path / lk.MANIFEST).read_text() == before
    assert not any((tmp_path / lk.STAGING).iterdir())
    # The views are pinned to the first snapshot's one file.
    pinned = views.render_sql(
        "SELECT * FROM read_parquet('{{lake}}/releases/*/*/*.parquet')",
        tmp_path,
        lk.read_manifest(tmp_path),
    )
    live = lk.read_manifest(tmp_path).file("releases", lk.partition_key("en", 2023))
    assert pinned.count(".parquet") == 1 and live in pinned
    assert duckdb.sql(pinned).pl().height == 1


def test_disk_full_while_writing_data_leaves_nothing_behind(tmp_path: Path, monkeypatch):
    publish(tmp_path, ["a"])

    def full(self, *a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pl.DataFrame, "write_parquet", full)
    with pytest.raises(LakeError, match="nothing was committed"):
        publish(tmp_path, ["a", "b"])
    monkeypatch.undo()
    assert lk.read_manifest(tmp_path).version == 1
    assert not any((tmp_path / lk.STAGING).iterdir())


def test_sweep_staging_removes_dead_writers_files_only(tmp_path: Path):
    staging = tmp_path / lk.STAGING
    staging.mkdir()
    ctx = mp.get_context("spawn")
    dead = ctx.Process(target=time.sleep, args=(0,))
    dead.start()
    dead.join()
    (staging / f"{dead.pid}-x.parquet").write_bytes(b"half")
    (staging / f"{os.getpid()}-y.parquet").write_bytes(b"mine")
    assert lk.sweep_staging(tmp_path) == 1
    assert [f.name for f in staging.iterdir()] == [f"{os.getpid()}-y.parquet"]


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
