"""The lake on disk: partition paths, immutable data files, one atomic manifest, raw zone, lock.

Layout under the lake root:

    releases/language=en/year=2023/part-<version>-<id>.parquet    one live file per partition
    release_blocks/..., quotes/..., release_revisions/...          (same partitioning)
    quarantine/part-*.parquet, ingest_runs/part-*.parquet          unpartitioned tables
    pages/part-*.parquet, sitemaps/part-*.parquet                  fetch state (ETags, lastmods)
    manifest.json          THE commit point: which file is live for every table/partition
    _manifests/<n>.json    the last few manifests (readers of an older snapshot, time travel)
    raw/<source>/<xx>/<sha256 of path>.html.gz    last raw body of every fetched page
    _staging/              files being written; never referenced, swept on the next run
    lake.duckdb            the views, pinned to the manifest's files, swapped in after commits

Data files are written once and never modified: a publish writes new files (staged, fsynced,
renamed into their partition), then swaps `manifest.json` with one `os.replace`. Readers
(the views) see the files of one manifest: all of a commit or none of it. The fetch state is
a table like the others, so it commits together with the data it describes.
"""

from __future__ import annotations

import contextlib
import fcntl
import gzip
import hashlib
import json
import os
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from ingest.errors import LakeError, LeaseError

PARTITION_COLUMNS = ("language", "year")
PARTITIONED = ("releases", "release_blocks", "quotes", "release_revisions")
UNPARTITIONED = ("quarantine", "ingest_runs", "pages", "sitemaps")
MANIFEST = "manifest.json"
MANIFEST_HISTORY = "_manifests"
STAGING = "_staging"
KEEP_MANIFESTS = 5
KEEP_APPLIED = 2000


def partition_key(language: str, year: int) -> str:
    """The one place partition names are computed: `language=xx/year=yyyy`."""
    return f"language={language}/year={int(year)}"


def partition_dir(lake: Path, table: str, language: str, year: int) -> Path:
    return lake / table / partition_key(language, year)


def parse_partition_key(key: str) -> tuple[str, int]:
    lang_part, year_part = key.split("/")
    return lang_part.split("=", 1)[1], int(year_part.split("=", 1)[1])


# ---- manifest ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Manifest:
    """One committed snapshot: table -> partition key ("" if unpartitioned) -> file."""

    version: int = 0
    files: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    committed_at: str | None = None
    run_id: str | None = None
    # Units of work already committed (run id + batch), with what they reported, so a
    # retry after an ambiguous failure does not write twice.
    applied: Mapping[str, Mapping[str, object]] = field(default_factory=dict)

    def file(self, table: str, key: str = "") -> str | None:
        return self.files.get(table, {}).get(key)

    def partitions(self, table: str) -> list[str]:
        return sorted(self.files.get(table, {}))

    def all_files(self) -> set[str]:
        return {f for parts in self.files.values() for f in parts.values()}

    def to_json(self) -> str:
        return json.dumps({"version": self.version, "committed_at": self.committed_at,
                           "run_id": self.run_id, "files": self.files,
                           "applied": self.applied}, indent=1, sort_keys=True)


def read_manifest(lake: Path) -> Manifest:
    path = lake / MANIFEST
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return Manifest()
    except (OSError, ValueError) as exc:
        raise LakeError(str(path), f"manifest unreadable ({exc}); restore the newest good "
                        f"copy from {MANIFEST_HISTORY}/") from exc
    return Manifest(version=data["version"], files=data["files"],
                    committed_at=data.get("committed_at"), run_id=data.get("run_id"),
                    applied=data.get("applied", {}))


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_durable(tmp: Path, data: bytes) -> None:
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def commit(
    lake: Path,
    base: Manifest,
    changes: Mapping[str, Mapping[str, str | None]],
    *,
    run_id: str,
    unit: str | None = None,
    report: Mapping[str, object] | None = None,
    now: datetime | None = None,
) -> Manifest:
    """Swap in a manifest with `changes` (None removes a partition). Caller holds the lock.

    Refuses if someone committed since `base` was read: that would lose their commit.
    """
    current = read_manifest(lake)
    if current.version != base.version:
        raise LeaseError(str(lake), f"manifest moved from version {base.version} to "
                         f"{current.version} during this publish; retry the batch")
    files = {t: dict(p) for t, p in current.files.items()}
    for table, parts in changes.items():
        target = files.setdefault(table, {})
        for key, rel in parts.items():
            if rel is None:
                target.pop(key, None)
            else:
                target[key] = rel
    applied = dict(current.applied)
    if unit is not None:
        applied[unit] = dict(report or {})
        if len(applied) > KEEP_APPLIED:
            applied = dict(list(applied.items())[-KEEP_APPLIED:])
    new = Manifest(version=current.version + 1, files=files, run_id=run_id, applied=applied,
                   committed_at=(now or datetime.now(UTC)).isoformat())
    history = lake / MANIFEST_HISTORY
    history.mkdir(parents=True, exist_ok=True)
    staging = lake / STAGING
    staging.mkdir(parents=True, exist_ok=True)
    payload = new.to_json().encode()
    tmp = staging / _staging_name(".manifest.json")
    try:
        _write_durable(tmp, payload)
        os.replace(tmp, lake / MANIFEST)  # the commit point
        _fsync_dir(lake)
    except OSError as exc:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise LakeError(str(lake / MANIFEST), f"commit failed ({exc}); the previous snapshot "
                        f"(version {current.version}) is intact, re-run to retry") from exc
    with contextlib.suppress(OSError):
        (history / f"{new.version:08d}.json").write_bytes(payload)
    return new


# ---- data files -------------------------------------------------------------------------

def write_data_file(lake: Path, table: str, key: str, frame: pl.DataFrame, version: int) -> str:
    """Write an immutable data file for a partition; returns its lake-relative path.

    The file is complete and fsynced before it gets its name in the partition directory,
    and nothing reads it until a manifest names it.
    """
    data = frame.drop([c for c in PARTITION_COLUMNS if c in frame.columns]) if key else frame
    staging = lake / STAGING
    staging.mkdir(parents=True, exist_ok=True)
    tmp = staging / _staging_name(".parquet")
    rel = f"{table}/{key + '/' if key else ''}part-{version:08d}-{uuid.uuid4().hex[:12]}.parquet"
    target = lake / rel
    try:
        data.write_parquet(tmp, compression="zstd", statistics=True)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    except OSError as exc:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise LakeError(str(target), f"writing data failed ({exc}); nothing was committed, "
                        "the previous snapshot is intact: free disk space and re-run") from exc
    return rel


def read_data_file(lake: Path, rel: str | None, schema: Mapping[str, pl.DataType],
                   partition: str = "") -> pl.DataFrame:
    """A data file as a frame of `schema` (partition keys added back); empty if `rel` is None."""
    if rel is None:
        return pl.DataFrame(schema=dict(schema))
    path = lake / rel
    try:
        frame = pl.read_parquet(path)
    except Exception as exc:  # polars raises several kinds for a missing/corrupt file
        raise LakeError(str(path), f"unreadable data file ({exc}); it is named by "
                        f"{MANIFEST}: restore the lake or run `ingest reprocess`") from exc
    if partition:
        language, year = parse_partition_key(partition)
        frame = frame.with_columns(pl.lit(language, pl.String).alias("language"),
                                   pl.lit(year, pl.Int32).alias("year"))
    missing = {c: t for c, t in schema.items() if c not in frame.columns}
    if missing:  # files written before a column existed
        frame = frame.with_columns(pl.lit(None, dtype=t).alias(c) for c, t in missing.items())
    return frame.select(list(schema)).cast(dict(schema))  # type: ignore[arg-type]


def read_table(lake: Path, manifest: Manifest, table: str,
               schema: Mapping[str, pl.DataType]) -> pl.DataFrame:
    """Every live file of a table, as one frame."""
    parts = manifest.files.get(table, {})
    frames = [read_data_file(lake, rel, schema, key) for key, rel in sorted(parts.items())]
    return pl.concat(frames) if frames else pl.DataFrame(schema=dict(schema))


# ---- housekeeping -----------------------------------------------------------------------

def _staging_name(suffix: str) -> str:
    # The writer's pid in the name lets the next run tell a crashed writer's leftovers
    # from the files of a writer that is still running.
    return f"{os.getpid()}-{uuid.uuid4().hex}{suffix}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_staging(lake: Path, older_than_s: float = 3600.0) -> int:
    """Delete staging leftovers of crashed runs; returns how many were removed.

    A file goes when its writer process is dead, or when it is older than `older_than_s`
    (a writer on another host sharing the lake).
    """
    staging = lake / STAGING
    if not staging.exists():
        return 0
    removed = 0
    now = time.time()
    for f in staging.iterdir():
        pid = f.name.split("-", 1)[0]
        try:
            dead = pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid))
            if dead or now - f.stat().st_mtime >= older_than_s:
                f.unlink()
                removed += 1
        except FileNotFoundError:
            pass
    return removed


def collect_garbage(lake: Path, grace_s: float = 600.0) -> int:
    """Delete data files no retained manifest names (superseded versions, crash leftovers).

    Files younger than `grace_s` are kept: a concurrent writer may be about to commit them,
    and a reader may still be planning a query over the previous snapshot.
    """
    keep = read_manifest(lake).all_files()
    history = lake / MANIFEST_HISTORY
    if history.exists():
        manifests = sorted(history.glob("*.json"))
        for old in manifests[:-KEEP_MANIFESTS]:
            old.unlink(missing_ok=True)
        for m in manifests[-KEEP_MANIFESTS:]:
            with contextlib.suppress(OSError, ValueError, KeyError):
                data = json.loads(m.read_text())
                keep |= {f for parts in data["files"].values() for f in parts.values()}
    removed = 0
    now = time.time()
    for table in PARTITIONED + UNPARTITIONED:
        for f in (lake / table).rglob("*.parquet") if (lake / table).exists() else ():
            rel = f.relative_to(lake).as_posix()
            try:
                if rel not in keep and now - f.stat().st_mtime >= grace_s:
                    f.unlink()
                    removed += 1
            except FileNotFoundError:
                pass
    return removed


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
    """Exclusive lease on the lake's commit point for one read-merge-commit.

    An flock is dropped by the kernel when its holder dies (even by SIGKILL), so a killed
    run's lease expires at once and nothing stays wedged; overlapping runs (daily +
    backfill) take turns batch by batch, each re-reading the latest snapshot.
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
