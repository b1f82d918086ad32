"""The lake on disk: partition paths, atomic file publishes, the raw zone, the writer lock.

Layout under the lake root:

    releases/language=en/year=2023/data.parquet      one file per partition, rewritten on
    release_blocks/language=.../year=.../data.parquet  every change (compaction is part of
    quotes/language=.../year=.../data.parquet          the write path, so no small files)
    quarantine/data.parquet    pages/rows currently rejected, with reason and raw pointer
    ingest_runs/data.parquet   one row per run
    state/pages.parquet        per-URL fetch state (ETag, lastmod, status, hashes)
    state/sitemaps.parquet     per child-sitemap lastmod
    raw/<source>/<xx>/<sha256 of path>.html.gz   last raw body of every fetched page
    _staging/                  temp files; outside every table glob, swept on start
    lake.duckdb                the views, rebuilt into a new file and swapped in

A publish writes to _staging, fsyncs, then `os.replace`s onto the fixed file name: readers
see the old file or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import fcntl
import gzip
import hashlib
import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import polars as pl

from ingest.errors import LakeError, LeaseError

PARTITION_COLUMNS = ("language", "year")
DATA_FILE = "data.parquet"
STAGING = "_staging"


def partition_dir(lake: Path, table: str, language: str, year: int) -> Path:
    """The one place partition paths are computed."""
    return lake / table / f"language={language}" / f"year={int(year)}"


def table_file(lake: Path, table: str) -> Path:
    """Unpartitioned tables (quarantine, ingest_runs) live in one file."""
    return lake / table / DATA_FILE


def state_file(lake: Path, name: str) -> Path:
    return lake / "state" / f"{name}.parquet"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sweep_staging(lake: Path, older_than_s: float = 0.0) -> int:
    """Delete staging leftovers of crashed runs; returns how many were removed."""
    staging = lake / STAGING
    if not staging.exists():
        return 0
    removed = 0
    now = time.time()
    for f in staging.iterdir():
        try:
            if now - f.stat().st_mtime >= older_than_s:
                f.unlink()
                removed += 1
        except FileNotFoundError:
            pass
    return removed


def publish_frame(lake: Path, frame: pl.DataFrame, target: Path) -> None:
    """Write `frame` to `target` atomically (stage, fsync, rename, fsync dir)."""
    staging = lake / STAGING
    staging.mkdir(parents=True, exist_ok=True)
    tmp = staging / f"{uuid.uuid4().hex}.parquet"
    try:
        frame.write_parquet(tmp, compression="zstd", statistics=True)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    except OSError as exc:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise LakeError(str(target), f"publish failed ({exc}); the previous file is intact, "
                        "free disk space or fix permissions and re-run") from exc


def read_file(path: Path, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """A table file, or an empty frame of `schema` when it does not exist yet."""
    if not path.exists():
        return pl.DataFrame(schema=schema)
    try:
        frame = pl.read_parquet(path)
    except Exception as exc:  # polars raises several kinds for a corrupt file
        raise LakeError(str(path), f"unreadable parquet ({exc}); restore it from the "
                        "raw zone with `ingest reprocess`") from exc
    missing = {c: t for c, t in schema.items() if c not in frame.columns}
    if missing:
        frame = frame.with_columns(pl.lit(None, dtype=t).alias(c) for c, t in missing.items())
    return frame.select(schema.keys()).cast(schema)  # type: ignore[arg-type]


def read_partition(
    lake: Path, table: str, language: str, year: int, schema: dict[str, pl.DataType]
) -> pl.DataFrame:
    """A partition's rows with its key columns added back (they live in the path)."""
    data_schema = {c: t for c, t in schema.items() if c not in PARTITION_COLUMNS}
    frame = read_file(partition_dir(lake, table, language, year) / DATA_FILE, data_schema)
    return frame.with_columns(
        pl.lit(language, pl.String).alias("language"), pl.lit(int(year), pl.Int32).alias("year")
    ).select(schema.keys())


def read_table(lake: Path, table: str, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """Every partition of a partitioned table (small tables and tests; views for analysts)."""
    frames = []
    for part in sorted((lake / table).glob(f"language=*/year=*/{DATA_FILE}")):
        language = part.parent.parent.name.split("=", 1)[1]
        year = int(part.parent.name.split("=", 1)[1])
        frames.append(read_partition(lake, table, language, year, schema))
    return pl.concat(frames) if frames else pl.DataFrame(schema=schema)


def write_partition(lake: Path, table: str, language: str, year: int, frame: pl.DataFrame) -> None:
    """Replace one partition's file; an empty frame removes the partition's file."""
    target = partition_dir(lake, table, language, year) / DATA_FILE
    data = frame.drop([c for c in PARTITION_COLUMNS if c in frame.columns])
    if data.height == 0:
        with contextlib.suppress(FileNotFoundError):
            target.unlink()
        return
    publish_frame(lake, data, target)


# ---- raw zone ---------------------------------------------------------------------------

def raw_relpath(source: str, path: str) -> str:
    digest = hashlib.sha256(path.encode()).hexdigest()
    return f"raw/{source}/{digest[:2]}/{digest}.html.gz"


def store_raw(lake: Path, source: str, path: str, body: bytes) -> str:
    """Keep the raw body so the page can be parsed again without refetching."""
    rel = raw_relpath(source, path)
    target = lake / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{uuid.uuid4().hex}.tmp")
    try:
        tmp.write_bytes(gzip.compress(body, compresslevel=1, mtime=0))
        os.replace(tmp, target)
    except OSError as exc:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise LakeError(str(target), f"cannot store raw page ({exc})") from exc
    return rel


def load_raw(lake: Path, rel: str) -> bytes:
    try:
        return gzip.decompress((lake / rel).read_bytes())
    except (OSError, EOFError) as exc:
        raise LakeError(str(lake / rel), f"raw page missing or corrupt ({exc}); "
                        "it will be refetched by the next run") from exc


# ---- writer lock ------------------------------------------------------------------------

@contextlib.contextmanager
def writer_lock(lake: Path, timeout_s: float = 600.0) -> Iterator[None]:
    """Exclusive lock for read-merge-write of lake files.

    flock is released by the kernel when its holder dies, so a killed run never leaves
    the lake wedged; overlapping runs (daily + backfill) take turns per batch.
    """
    lake.mkdir(parents=True, exist_ok=True)
    fh = open(lake / ".writer.lock", "a+")  # noqa: SIM115 - held for the with-block
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise LeaseError(str(lake), f"another run held the writer lock for "
                                     f"{timeout_s:.0f} s; retry when it has finished") from None
                time.sleep(0.05)
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
        fh.close()
