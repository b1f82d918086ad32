"""The lake: partition paths, immutable data files, one atomic manifest, raw zone, lock.

Layout under the lake root:

    releases/language=en/year=2023/part-<version>-<id>.parquet    one live file per partition
    release_blocks/..., quotes/..., release_revisions/...          (same partitioning)
    mentions/..., quantities/..., speakers/..., topics/...          (the analyst layer, ditto)
    quarantine/part-*.parquet, ingest_runs/part-*.parquet          unpartitioned tables
    pages/part-*.parquet, sitemaps/part-*.parquet                  fetch state (ETags, lastmods)
    manifest.json          which file is live for every table/partition (see "commit point")
    _manifests/<n>.json    the last few manifests (readers of an older snapshot, time travel)
    raw/<source>/<xx>/<sha256 of path>.html.gz    last raw body of every fetched page
    _staging/              files being written; never referenced, swept on the next run
    lake.duckdb            the views, pinned to the manifest's files, swapped in after commits

Data files are written once and never modified: a publish writes new files, then makes a
new manifest the newest in one atomic step. Readers (the views) see the files of one
manifest: all of a commit or none of it. The fetch state is a table like the others, so it
commits together with the data it describes.

Everything here is written once, against `store.Store` (the one storage seam): every public
function takes a lake as a local `Path`, a `storage.ObjectLake` or an `s3://` string and
resolves it with `store.open_store`. The stores supply the atomic steps:

- a new data file or raw page is `Store.write`: local = staged, fsynced, renamed into place;
  S3 = one PUT (all or nothing);
- the commit point is `Store.commit_head`: local = `os.replace` of `manifest.json` (the
  version check below, made under the writer lock, is what refuses a second writer); S3 =
  the create-only PUT (`If-None-Match: *`) of `_manifests/<version>.json`: of two writers
  that read version n, exactly one creates n+1, the other is refused (`LeaseError`). Readers
  take the newest (`Store.read_head`: local `manifest.json`, S3 the highest version listed);
- the writer lock is `Store.lock`: local = an flock (dropped by the kernel when its holder
  dies, even by SIGKILL); S3 = a lease object with an expiry (`store.lease`). The lease keeps
  writers from wasting work on each other; the create-only commit keeps the lake correct
  even when a paused writer wakes up after its lease was taken over;
- garbage collection and the staging sweep list and delete through the store (an object
  store lake never stages, so its `_staging/` is always empty).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from ingest.errors import ConfigError, LakeError, LeaseError
from ingest.rawzone import load_raw, raw_relpath, store_raw  # noqa: F401 (part of lake's API)
from ingest.storage import ObjectLake
from ingest.store import (  # noqa: F401 (MANIFEST_HISTORY ... lease: part of lake's API)
    LEASE,
    LEASE_TTL_S,
    LOCK_FILE,
    MANIFEST,
    MANIFEST_HISTORY,
    STAGING,
    Store,
    history_rel,
    history_versions,
    lease,
    open_store,
)

PARTITION_COLUMNS = ("language", "year")
PARTITIONED = (
    "releases",
    "release_blocks",
    "quotes",
    "release_revisions",
    "mentions",
    "quantities",
    "speakers",
    "topics",
)
UNPARTITIONED = (
    "quarantine",
    "ingest_runs",
    "pages",
    "sitemaps",
    "fetch_log",
    "translation_links",
    "families",
)
KEEP_MANIFESTS = 5
KEEP_APPLIED = 2000

Lake = Path | ObjectLake


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
        return json.dumps(
            {
                "version": self.version,
                "committed_at": self.committed_at,
                "run_id": self.run_id,
                "files": self.files,
                "applied": self.applied,
            },
            indent=1,
            sort_keys=True,
        )


def _manifest_from(data: Mapping[str, Any]) -> Manifest:
    return Manifest(
        version=data["version"],
        files=data["files"],
        committed_at=data.get("committed_at"),
        run_id=data.get("run_id"),
        applied=data.get("applied", {}),
    )


def read_manifest(lake: Lake | Store) -> Manifest:
    """The newest committed manifest (an empty version 0 before the first commit)."""
    store = open_store(lake)
    try:
        head = store.read_head()
        return Manifest() if head is None else _manifest_from(json.loads(head))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise LakeError(
            store.url(MANIFEST),
            f"manifest unreadable ({exc}); check the storage is reachable (endpoint, "
            f"credentials), then restore the newest good copy from {MANIFEST_HISTORY}/ "
            f"(on object storage: remove the newest damaged {MANIFEST_HISTORY}/ object)",
        ) from exc


def _merged(
    current: Manifest,
    changes: Mapping[str, Mapping[str, str | None]],
    unit: str | None,
    report: Mapping[str, object] | None,
) -> tuple[dict[str, dict[str, str]], dict[str, Mapping[str, object]]]:
    """`current`'s files with `changes` applied, and its applied units with `unit` added."""
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
    return files, applied


def commit(
    lake: Lake,
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
    store = open_store(lake)
    current = read_manifest(store)
    if current.version != base.version:
        raise LeaseError(
            str(lake),
            f"manifest moved from version {base.version} to "
            f"{current.version} during this publish; retry the batch",
        )
    files, applied = _merged(current, changes, unit, report)
    new = Manifest(
        version=current.version + 1,
        files=files,
        run_id=run_id,
        applied=applied,
        committed_at=(now or datetime.now(UTC)).isoformat(),
    )
    return _publish(store, current, new)


def _publish(lake: Lake | Store, current: Manifest, new: Manifest) -> Manifest:
    """Make `new` the newest manifest with the store's one atomic step, or refuse."""
    store = open_store(lake)
    try:
        won = store.commit_head(new.version, new.to_json().encode())
    except (OSError, ValueError) as exc:
        raise LakeError(
            store.url(MANIFEST),
            f"commit failed ({exc}); the previous snapshot "
            f"(version {current.version}) is intact, re-run to retry",
        ) from exc
    if not won:
        raise LeaseError(
            str(store),
            f"version {new.version} was committed by another "
            f"writer after this publish read version {current.version}; "
            "retry the batch",
        )
    return new


# The create-only step alone, by the name tests/test_object_store.py races it under.
_commit_remote = _publish


# ---- where a lake is ---------------------------------------------------------------------

# What a lake directory holds; anything else means the path is not (only) a lake.
_LAKE_ENTRIES = frozenset(
    {
        *PARTITIONED,
        *UNPARTITIONED,
        MANIFEST,
        MANIFEST_HISTORY,
        STAGING,
        "raw",
        LOCK_FILE,
        "lake.duckdb",
        "README.md",
    }
)


def has_commit(lake: Lake) -> bool:
    """True once a manifest has been committed (a lake, possibly an empty one)."""
    return open_store(lake).read_head() is not None


def check_lake(lake: Lake, *, create: bool) -> None:
    """Refuse a lake path that is wrong, before anything reads or writes it.

    `create=False` (query, replay, reprocess, views): the lake must exist. `create=True`
    (run, backfill, init): a new or empty directory becomes a lake; a file, or a directory
    holding other things, is refused. Raises ConfigError with a one-line message.
    """
    hint = "check --lake / INGEST_LAKE (or the flow's lake parameter)"
    store = open_store(lake)
    try:
        entries = store.root_entries()
    except NotADirectoryError:
        raise ConfigError(f"lake {lake} is a file, not a directory: {hint}") from None
    if entries is None:
        if create:
            return
        raise ConfigError(
            f"no lake at {lake} (no such directory): {hint}; a lake is "
            "created by `ingest run`, `ingest backfill` or `ingest init`"
        )
    if store.read_head() is not None:  # a lake (possibly an empty one)
        return
    others = sorted(
        e for e in entries if e not in _LAKE_ENTRIES and not e.startswith(".lake.duckdb.")
    )
    if others:
        shown = ", ".join(others[:3]) + (", ..." if len(others) > 3 else "")
        raise ConfigError(
            f"{lake} is not a lake (no {MANIFEST}) and holds other files "
            f"({shown}): {hint}, or give an empty or new directory"
        )
    if not create:
        raise ConfigError(
            f"{lake} has no lake yet (no {MANIFEST}): {hint}; create one with "
            f"`ingest init --lake {lake}` or a run"
        )


def init_lake(lake: Lake) -> Manifest:
    """Make `lake` a valid empty lake (a committed manifest naming no file); an existing
    lake is left as it is. Returns its manifest."""
    check_lake(lake, create=True)
    if has_commit(lake):
        return read_manifest(lake)
    with writer_lock(lake):
        current = read_manifest(lake)
        if current.version:
            return current
        return commit(lake, current, {}, run_id="init")


# ---- data files -------------------------------------------------------------------------


def write_data_file(lake: Lake, table: str, key: str, frame: pl.DataFrame, version: int) -> str:
    """Write an immutable data file for a partition; returns its lake-relative path.

    The file is complete (and, locally, fsynced) before it gets its name in the partition,
    and nothing reads it until a manifest names it.
    """
    store = open_store(lake)
    data = frame.drop([c for c in PARTITION_COLUMNS if c in frame.columns]) if key else frame
    rel = f"{table}/{key + '/' if key else ''}part-{version:08d}-{uuid.uuid4().hex[:12]}.parquet"
    buf = io.BytesIO()
    try:
        data.write_parquet(buf, compression="zstd", statistics=True)
        store.write(rel, buf.getvalue())
    except OSError as exc:
        raise LakeError(
            store.url(rel),
            f"writing data failed ({exc}); nothing was committed, "
            "the previous snapshot is intact: free disk space and re-run",
        ) from exc
    return rel


def read_data_file(
    lake: Lake, rel: str | None, schema: Mapping[str, pl.DataType], partition: str = ""
) -> pl.DataFrame:
    """A data file as a frame of `schema` (partition keys added back); empty if `rel` is None."""
    if rel is None:
        return pl.DataFrame(schema=dict(schema))
    store = open_store(lake)
    try:
        frame = pl.read_parquet(store.read(rel))
    except Exception as exc:  # polars raises several kinds for a missing/corrupt file
        raise LakeError(
            store.url(rel),
            f"unreadable data file ({exc}); it is named by "
            f"{MANIFEST}: restore the lake or run `ingest reprocess`",
        ) from exc
    if partition:
        language, year = parse_partition_key(partition)
        frame = frame.with_columns(
            pl.lit(language, pl.String).alias("language"), pl.lit(year, pl.Int32).alias("year")
        )
    missing = {c: t for c, t in schema.items() if c not in frame.columns}
    if missing:  # files written before a column existed
        frame = frame.with_columns(pl.lit(None, dtype=t).alias(c) for c, t in missing.items())
    return frame.select(list(schema)).cast(dict(schema))  # type: ignore[arg-type]


def read_table(
    lake: Lake, manifest: Manifest, table: str, schema: Mapping[str, pl.DataType]
) -> pl.DataFrame:
    """Every live file of a table, as one frame."""
    parts = manifest.files.get(table, {})
    frames = [read_data_file(lake, rel, schema, key) for key, rel in sorted(parts.items())]
    return pl.concat(frames) if frames else pl.DataFrame(schema=dict(schema))


# ---- housekeeping -----------------------------------------------------------------------


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_staging(lake: Lake, older_than_s: float = 3600.0) -> int:
    """Delete staging leftovers of crashed runs; returns how many were removed.

    A file goes when its writer process is dead, or when it is older than `older_than_s`
    (a writer on another host sharing the lake). An object-store lake never stages.
    """
    store = open_store(lake)
    removed = 0
    now = time.time()
    for rel, modified in store.listing(STAGING):
        pid = rel.rsplit("/", 1)[-1].split("-", 1)[0]
        dead = pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid))
        if dead or now - modified >= older_than_s:
            with contextlib.suppress(FileNotFoundError):
                store.delete(rel)
                removed += 1
    return removed


def _named_by(store: Store, version: int) -> set[str]:
    """The files a retained manifest names (none if it is unreadable)."""
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        data = json.loads(store.read(history_rel(version)))
        return {f for parts in data["files"].values() for f in parts.values()}
    return set()


def collect_garbage(lake: Lake, grace_s: float = 600.0) -> int:
    """Delete data files no retained manifest names (superseded versions, crash leftovers).

    Files younger than `grace_s` are kept: a concurrent writer may be about to commit them,
    and a reader may still be planning a query over the previous snapshot.
    """
    store = open_store(lake)
    keep = read_manifest(store).all_files()
    versions = history_versions(store)
    for old in versions[:-KEEP_MANIFESTS]:
        with contextlib.suppress(OSError):
            store.delete(history_rel(old))
    for version in versions[-KEEP_MANIFESTS:]:
        keep |= _named_by(store, version)
    removed = 0
    now = time.time()
    for table in PARTITIONED + UNPARTITIONED:
        for rel, modified in store.listing(table):
            if rel.endswith(".parquet") and rel not in keep and now - modified >= grace_s:
                with contextlib.suppress(OSError):
                    store.delete(rel)
                    removed += 1
    return removed


# ---- writer lock ------------------------------------------------------------------------


@contextlib.contextmanager
def writer_lock(lake: Lake, timeout_s: float = 600.0) -> Iterator[None]:
    """Exclusive hold on the lake's commit point for one read-merge-commit.

    Locally an flock, dropped by the kernel when its holder dies (even by SIGKILL), so a
    killed run's hold ends at once and nothing stays wedged; overlapping runs (daily +
    backfill) take turns batch by batch, each re-reading the latest snapshot. On object
    storage a lease object with an expiry (`lease`).
    """
    with open_store(lake).lock(timeout_s):
        yield
