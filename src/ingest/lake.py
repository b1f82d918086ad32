"""The lake on disk: partition paths, immutable data files, one atomic manifest, raw zone, lock.

Layout under the lake root:

    releases/language=en/year=2023/part-<version>-<id>.parquet    one live file per partition
    release_blocks/..., quotes/..., release_revisions/...          (same partitioning)
    mentions/..., quantities/..., speakers/..., topics/...          (the analyst layer, ditto)
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

The lake root is a local `Path` (all of the above) or an `storage.ObjectLake`
(`s3://bucket/prefix`; every function here takes either, or an `s3://` string). On object
storage the same layout holds, with the store's own atomic steps instead of rename and flock:

- data files and raw pages are single PUTs of new keys (a PUT is all-or-nothing): no staging;
- the commit point is `_manifests/<version>.json`, created with a create-only PUT
  (`If-None-Match: *`): of two writers that read version n, exactly one creates n+1, the
  other gets 412 and is refused (`LeaseError`), as with the local version check. Readers take
  the highest version listed under `_manifests/` (S3 listings are strongly consistent);
  `manifest.json` is then rewritten as a convenience copy for tools, never trusted by us;
- the writer lock is a lease object `_writer.lease` holding an expiry time, created
  create-only, renewed by its holder (`If-Match`), taken over with `If-Match` once expired
  (a killed holder's lease simply runs out), deleted on release. The lease keeps writers
  from wasting work on each other; the create-only commit is what keeps the lake correct
  even when a paused writer wakes up after its lease was taken over.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from ingest.errors import ConfigError, LakeError, LeaseError
from ingest.rawzone import load_raw, raw_relpath, store_raw  # noqa: F401 (part of lake's API)
from ingest.storage import ObjectLake, remote

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
MANIFEST = "manifest.json"
MANIFEST_HISTORY = "_manifests"
STAGING = "_staging"
KEEP_MANIFESTS = 5
KEEP_APPLIED = 2000
LEASE = "_writer.lease"
LEASE_TTL_S = 60.0

Lake = Path | ObjectLake


def is_local(lake: Lake | str) -> bool:
    return remote(lake) is None


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


def _manifest_from(data: Mapping) -> Manifest:
    return Manifest(
        version=data["version"],
        files=data["files"],
        committed_at=data.get("committed_at"),
        run_id=data.get("run_id"),
        applied=data.get("applied", {}),
    )


def _history_versions(store: ObjectLake) -> list[int]:
    names = (rel.rsplit("/", 1)[-1] for rel, _ in store.listing(MANIFEST_HISTORY))
    return sorted(int(n[:-5]) for n in names if n.endswith(".json") and n[:-5].isdigit())


def _read_manifest_remote(store: ObjectLake) -> Manifest:
    try:
        versions = _history_versions(store)
        if not versions:
            return Manifest()
        rel = f"{MANIFEST_HISTORY}/{versions[-1]:08d}.json"
        return _manifest_from(json.loads(store.get(rel)))
    except (OSError, ValueError, KeyError) as exc:
        raise LakeError(
            store.url(MANIFEST_HISTORY),
            f"manifest unreadable ({exc}); check "
            "the endpoint and credentials, or remove the newest damaged "
            f"{MANIFEST_HISTORY}/ object",
        ) from exc


def read_manifest(lake: Lake) -> Manifest:
    store = remote(lake)
    if store is not None:
        return _read_manifest_remote(store)
    path = lake / MANIFEST
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return Manifest()
    except (OSError, ValueError) as exc:
        raise LakeError(
            str(path),
            f"manifest unreadable ({exc}); restore the newest good copy from {MANIFEST_HISTORY}/",
        ) from exc
    return _manifest_from(data)


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
    current = read_manifest(lake)
    if current.version != base.version:
        raise LeaseError(
            str(lake),
            f"manifest moved from version {base.version} to "
            f"{current.version} during this publish; retry the batch",
        )
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
    new = Manifest(
        version=current.version + 1,
        files=files,
        run_id=run_id,
        applied=applied,
        committed_at=(now or datetime.now(UTC)).isoformat(),
    )
    store = remote(lake)
    if store is not None:
        return _commit_remote(store, current, new)
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
        raise LakeError(
            str(lake / MANIFEST),
            f"commit failed ({exc}); the previous snapshot "
            f"(version {current.version}) is intact, re-run to retry",
        ) from exc
    with contextlib.suppress(OSError):
        (history / f"{new.version:08d}.json").write_bytes(payload)
    return new


def _commit_remote(store: ObjectLake, current: Manifest, new: Manifest) -> Manifest:
    """Create `_manifests/<new.version>.json` if it does not exist: the one atomic step."""
    payload = new.to_json().encode()
    rel = f"{MANIFEST_HISTORY}/{new.version:08d}.json"
    try:
        # On 412 someone else committed this version, or our own PUT landed and its answer
        # was lost (the client retried): only the latter is ours.
        if store.create(rel, payload) is None and store.get(rel) != payload:
            raise LeaseError(
                store.uri,
                f"version {new.version} was committed by another "
                f"writer after this publish read version {current.version}; "
                "retry the batch",
            )
    except LeaseError:
        raise
    except (OSError, ValueError) as exc:
        raise LakeError(
            store.url(rel),
            f"commit failed ({exc}); the previous snapshot "
            f"(version {current.version}) is intact, re-run to retry",
        ) from exc
    with contextlib.suppress(OSError):
        store.put(MANIFEST, payload)  # convenience copy for tools; readers list history
    return new


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
        ".writer.lock",
        "lake.duckdb",
        "README.md",
    }
)


def has_commit(lake: Lake) -> bool:
    """True once a manifest has been committed (a lake, possibly an empty one)."""
    store = remote(lake)
    if store is not None:
        return bool(_history_versions(store))
    return (lake / MANIFEST).is_file()


def check_lake(lake: Lake, *, create: bool) -> None:
    """Refuse a lake path that is wrong, before anything reads or writes it.

    `create=False` (query, replay, reprocess, views): the lake must exist. `create=True`
    (run, backfill, init): a new or empty directory becomes a lake; a file, or a directory
    holding other things, is refused. Raises ConfigError with a one-line message.
    """
    hint = "check --lake / INGEST_LAKE (or the flow's lake parameter)"
    if remote(lake) is not None:
        if not create and not has_commit(lake):
            raise ConfigError(f"no lake at {lake} (no {MANIFEST_HISTORY}/ there): {hint}")
        return
    assert isinstance(lake, Path)
    if lake.exists() and not lake.is_dir():
        raise ConfigError(f"lake {lake} is a file, not a directory: {hint}")
    if not lake.exists():
        if create:
            return
        raise ConfigError(
            f"no lake at {lake} (no such directory): {hint}; a lake is "
            "created by `ingest run`, `ingest backfill` or `ingest init`"
        )
    if has_commit(lake):
        return
    others = sorted(
        p.name
        for p in lake.iterdir()
        if p.name not in _LAKE_ENTRIES and not p.name.startswith(".lake.duckdb.")
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
    if isinstance(lake, Path):
        lake.mkdir(parents=True, exist_ok=True)
    with writer_lock(lake):
        current = read_manifest(lake)
        if current.version:
            return current
        return commit(lake, current, {}, run_id="init")


# ---- data files -------------------------------------------------------------------------


def write_data_file(lake: Lake, table: str, key: str, frame: pl.DataFrame, version: int) -> str:
    """Write an immutable data file for a partition; returns its lake-relative path.

    The file is complete and fsynced before it gets its name in the partition directory,
    and nothing reads it until a manifest names it.
    """
    data = frame.drop([c for c in PARTITION_COLUMNS if c in frame.columns]) if key else frame
    rel = f"{table}/{key + '/' if key else ''}part-{version:08d}-{uuid.uuid4().hex[:12]}.parquet"
    store = remote(lake)
    if store is not None:
        buf = io.BytesIO()
        try:
            data.write_parquet(buf, compression="zstd", statistics=True)
            store.put(rel, buf.getvalue())  # one PUT: the object appears whole or not at all
        except OSError as exc:
            raise LakeError(
                store.url(rel),
                f"writing data failed ({exc}); nothing was "
                "committed, the previous snapshot is intact: re-run",
            ) from exc
        return rel
    staging = lake / STAGING
    staging.mkdir(parents=True, exist_ok=True)
    tmp = staging / _staging_name(".parquet")
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
        raise LakeError(
            str(target),
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
    store = remote(lake)
    path = store.url(rel) if store is not None else lake / rel
    try:
        frame = (
            pl.read_parquet(io.BytesIO(store.get(rel)))
            if store is not None
            else pl.read_parquet(path)
        )
    except Exception as exc:  # polars raises several kinds for a missing/corrupt file
        raise LakeError(
            str(path),
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


def sweep_staging(lake: Lake, older_than_s: float = 3600.0) -> int:
    """Delete staging leftovers of crashed runs; returns how many were removed.

    A file goes when its writer process is dead, or when it is older than `older_than_s`
    (a writer on another host sharing the lake). An object-store lake has no staging.
    """
    if remote(lake) is not None:
        return 0
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


def collect_garbage(lake: Lake, grace_s: float = 600.0) -> int:
    """Delete data files no retained manifest names (superseded versions, crash leftovers).

    Files younger than `grace_s` are kept: a concurrent writer may be about to commit them,
    and a reader may still be planning a query over the previous snapshot.
    """
    store = remote(lake)
    if store is not None:
        return _collect_garbage_remote(store, grace_s)
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


def _collect_garbage_remote(store: ObjectLake, grace_s: float) -> int:
    keep = read_manifest(store).all_files()
    versions = _history_versions(store)
    for old in versions[:-KEEP_MANIFESTS]:
        with contextlib.suppress(OSError):
            store.delete(f"{MANIFEST_HISTORY}/{old:08d}.json")
    for v in versions[-KEEP_MANIFESTS:]:
        with contextlib.suppress(OSError, ValueError, KeyError):
            data = json.loads(store.get(f"{MANIFEST_HISTORY}/{v:08d}.json"))
            keep |= {f for parts in data["files"].values() for f in parts.values()}
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
    """Exclusive lease on the lake's commit point for one read-merge-commit.

    An flock is dropped by the kernel when its holder dies (even by SIGKILL), so a killed
    run's lease expires at once and nothing stays wedged; overlapping runs (daily +
    backfill) take turns batch by batch, each re-reading the latest snapshot. On object
    storage it is a lease object with an expiry (see `lease`).
    """
    store = remote(lake)
    if store is not None:
        with lease(store, timeout_s=timeout_s):
            yield
        return
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
                    raise LeaseError(
                        str(lake),
                        f"another run held the writer lock for "
                        f"{timeout_s:.0f} s; retry when it has finished",
                    ) from None
                time.sleep(0.05)
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
        fh.close()


def _lease_body(holder: str, ttl_s: float) -> bytes:
    return json.dumps(
        {"holder": holder, "ttl_s": ttl_s, "expires_at": time.time() + ttl_s}
    ).encode()


@contextlib.contextmanager
def lease(
    store: ObjectLake, *, timeout_s: float = 600.0, ttl_s: float = LEASE_TTL_S
) -> Iterator[str]:
    """The object-store writer lock: `_writer.lease`, holding its holder and expiry time.

    Taken with a create-only PUT; an expired lease (its holder died or hung) is taken over
    with a PUT conditional on the ETag we read, so of several waiters exactly one wins.
    The holder renews it every ttl/3 (If-Match its own ETag) and deletes it on release
    (If-Match, so it never deletes a successor's lease). Expiry is judged on the waiters'
    clocks: hosts sharing a lake need synchronised clocks (NTP), with skew well under ttl.
    Yields the holder id.
    """
    holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    deadline = time.monotonic() + timeout_s
    etag: str | None = None
    try:
        while etag is None:
            etag = store.create(LEASE, _lease_body(holder, ttl_s))
            if etag is not None:
                break
            found = store.get_versioned(LEASE)
            if found is not None:
                try:
                    expires_at = float(json.loads(found[0])["expires_at"])
                except (ValueError, KeyError, TypeError):
                    expires_at = 0.0  # unreadable lease: treat as expired
                if time.time() > expires_at:
                    etag = store.replace(LEASE, _lease_body(holder, ttl_s), found[1])
                    if etag is not None:
                        break
            if time.monotonic() > deadline:
                raise LeaseError(
                    store.uri,
                    f"another run held the writer lease for "
                    f"{timeout_s:.0f} s; retry when it has finished (a dead "
                    f"holder's lease expires within {ttl_s:.0f} s)",
                )
            time.sleep(0.1)
    except OSError as exc:
        raise LakeError(store.url(LEASE), f"cannot take the writer lease ({exc})") from exc
    state = {"etag": etag}
    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(ttl_s / 3):
            with contextlib.suppress(OSError):
                new = store.replace(LEASE, _lease_body(holder, ttl_s), state["etag"])
                if new is None:
                    return  # taken over: the commit's create-only step still protects us
                state["etag"] = new

    keeper = threading.Thread(target=renew, name="lease-renew", daemon=True)
    keeper.start()
    try:
        yield holder
    finally:
        stop.set()
        keeper.join()
        with contextlib.suppress(OSError):
            store.delete(LEASE, state["etag"])
