"""The one storage seam: the few primitives the lake is written against, and two stores.

`lake`, `rawzone` and `views` never ask where a lake lives; they call `open_store(lake)` at
their edge (a `Path`, a `storage.ObjectLake` or an `s3://` string) and use its `Store`:

    read(rel)                 the bytes (FileNotFoundError if absent)
    write(rel, data)          a new object, atomically: a reader sees the old bytes or the new
    create(rel, data)         create-only: False if `rel` exists (exactly one creator wins)
    listing(prefix)           (rel, modified epoch s) of every object under prefix, current
    delete(rel)               gone (absent is fine)
    lock(timeout_s)           the writer lock: one writer at a time, released if it dies
    read_head() / commit_head(version, payload)
                              the commit point: the newest committed manifest, and the one
                              atomic step that makes `payload` (version n) the newest
    attach(con)               lets a DuckDB connection read the `url(rel)`s the views name
    url(rel), root_entries(), local_path(rel)

`LocalStore(Path)`: `write` = staged in `_staging/`, fsynced, `os.replace`d, directory
fsynced (`durable=False`, for raw pages: a sibling temp file and a rename, no fsync); `create`
= staged + `os.link` (EEXIST: refused); the lock is an flock on `.writer.lock` (the kernel
drops it when its holder dies, even by SIGKILL); the commit point is `manifest.json`, replaced
atomically; its exclusivity is the version check `lake.commit` makes under the writer lock,
and `_manifests/<n>.json` is a copy kept after it.

`ObjectStore(ObjectLake)` (fsspec's s3fs, one request per primitive): `write` = one PUT (all
or nothing); `create` = PUT `If-None-Match: *`; the lock is the lease object `_writer.lease`
(`lease`); the commit point is the create-only PUT of `_manifests/<n>.json`, readers take the
highest version listed (S3 listings are strongly consistent); `manifest.json` is a copy for
tools, never read by us.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ingest.errors import LakeError, LeaseError
from ingest.storage import ObjectLake, is_uri, parse_lake

if TYPE_CHECKING:
    import duckdb

MANIFEST = "manifest.json"
MANIFEST_HISTORY = "_manifests"
STAGING = "_staging"
LOCK_FILE = ".writer.lock"
LEASE = "_writer.lease"
LEASE_TTL_S = 60.0


def history_rel(version: int) -> str:
    return f"{MANIFEST_HISTORY}/{version:08d}.json"


def history_versions(store: Store) -> list[int]:
    """The versions under `_manifests/`, oldest first."""
    names = (rel.rsplit("/", 1)[-1] for rel, _ in store.listing(MANIFEST_HISTORY))
    return sorted(int(n[:-5]) for n in names if n.endswith(".json") and n[:-5].isdigit())


class Store(Protocol):
    """What the lake needs from where it lives (see the module docstring)."""

    def url(self, rel: str) -> str: ...
    def read(self, rel: str) -> bytes: ...
    def write(self, rel: str, data: bytes, *, durable: bool = True) -> None: ...
    def create(self, rel: str, data: bytes) -> bool: ...
    def listing(self, prefix: str) -> list[tuple[str, float]]: ...
    def delete(self, rel: str) -> None: ...
    def lock(self, timeout_s: float) -> AbstractContextManager[None]: ...
    def read_head(self) -> bytes | None: ...
    def commit_head(self, version: int, payload: bytes) -> bool: ...
    def attach(self, con: duckdb.DuckDBPyConnection) -> None: ...

    def root_entries(self) -> list[str] | None:
        """Names at the lake root that could clash with a lake (None: no root yet;
        NotADirectoryError: the root is a file)."""
        ...

    def local_path(self, rel: str) -> Path | None:
        """`rel` as a file on this machine, for what only a local file can be (the DuckDB
        views database); None on object storage."""
        ...


def open_store(lake: Path | ObjectLake | str | Store) -> Store:
    """The one place a lake argument becomes a Store: an `ObjectLake` or an `s3://` string
    is object storage, anything else a local directory.

    A bare `s3://` string gets no endpoint from us (botocore still reads AWS_ENDPOINT_URL*
    itself): pass the Settings' lake, which `load_settings` built with the endpoint.
    """
    if isinstance(lake, LocalStore | ObjectStore):
        return lake
    if isinstance(lake, str) and is_uri(lake):
        lake = parse_lake(lake, {})
    if isinstance(lake, ObjectLake):
        return ObjectStore(lake)
    if isinstance(lake, Path | str):
        return LocalStore(Path(lake))
    return lake


# ---- a local directory ------------------------------------------------------------------


def staging_name(suffix: str) -> str:
    # The writer's pid in the name lets the next run tell a crashed writer's leftovers
    # from the files of a writer that is still running.
    return f"{os.getpid()}-{uuid.uuid4().hex}{suffix}"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# Directories this process has made: mkdir(parents=True) stats every ancestor, which the
# raw zone (one write per fetched page) would pay on every page.
_made_dirs: set[Path] = set()


def _in_dir(directory: Path, action: Callable[[], object]) -> None:
    """`action()`, which writes into `directory`, made once per process."""
    if directory not in _made_dirs:
        directory.mkdir(parents=True, exist_ok=True)
        _made_dirs.add(directory)
    try:
        action()
    except FileNotFoundError:  # the directory was removed under us (lake wiped)
        _made_dirs.discard(directory)
        directory.mkdir(parents=True, exist_ok=True)
        action()


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


class LocalStore:
    """A lake in a local directory (see the module docstring)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._resolved: Path | None = None

    def __str__(self) -> str:
        return str(self.root)

    def _path(self, rel: str) -> Path:
        return self.root / rel

    def url(self, rel: str) -> str:
        """The absolute path (what DuckDB reads and messages name): the views work from
        any working directory."""
        if self._resolved is None:
            self._resolved = self.root.resolve()
        return str(self._resolved / rel)

    def local_path(self, rel: str) -> Path | None:
        return Path(self.url(rel))

    def read(self, rel: str) -> bytes:
        return self._path(rel).read_bytes()

    def _staged(self, suffix: str, data: bytes) -> Path:
        """`data` in a new fsynced file under `_staging/`."""
        tmp = self._path(STAGING) / staging_name(suffix)
        try:
            _in_dir(tmp.parent, lambda: _write_synced(tmp, data))
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        return tmp

    def write(self, rel: str, data: bytes, *, durable: bool = True) -> None:
        target = self._path(rel)
        tmp = target.with_name(f".{uuid.uuid4().hex}.tmp")
        try:
            if durable:
                tmp = self._staged(Path(rel).suffix, data)
                _in_dir(target.parent, lambda: os.replace(tmp, target))
                _fsync_dir(target.parent)
            else:  # a sibling temp file and a rename: atomic, not fsynced
                _in_dir(target.parent, lambda: tmp.write_bytes(data))
                os.replace(tmp, target)
        except OSError:
            with contextlib.suppress(OSError):  # no tmp, or no directory to hold one
                tmp.unlink()
            raise

    def create(self, rel: str, data: bytes) -> bool:
        target = self._path(rel)
        tmp = self._staged(Path(rel).suffix, data)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.link(tmp, target)  # atomic, and fails if the name exists
        except FileExistsError:
            return False
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink()
        _fsync_dir(target.parent)
        return True

    def listing(self, prefix: str) -> list[tuple[str, float]]:
        base = self._path(prefix.strip("/"))
        out = []
        for dirpath, _dirs, names in os.walk(base):
            for name in names:
                path = Path(dirpath) / name
                with contextlib.suppress(FileNotFoundError):
                    out.append(
                        (
                            f"{prefix.strip('/')}/{path.relative_to(base).as_posix()}",
                            path.stat().st_mtime,
                        )
                    )
        return sorted(out)

    def delete(self, rel: str) -> None:
        self._path(rel).unlink(missing_ok=True)

    @contextlib.contextmanager
    def lock(self, timeout_s: float) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        fh = open(self._path(LOCK_FILE), "a+")  # noqa: SIM115 - held for the with-block
        deadline = time.monotonic() + timeout_s
        try:
            while True:
                try:
                    fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise LeaseError(
                            str(self.root),
                            f"another run held the writer lock for "
                            f"{timeout_s:.0f} s; retry when it has finished",
                        ) from None
                    time.sleep(0.05)
            yield
        finally:
            with contextlib.suppress(OSError):
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
            fh.close()

    def read_head(self) -> bytes | None:
        try:
            return self.read(MANIFEST)
        except FileNotFoundError:
            return None

    def commit_head(self, version: int, payload: bytes) -> bool:
        """Replace `manifest.json` (the caller checked the version under the lock)."""
        self.write(MANIFEST, payload)  # the commit point
        with contextlib.suppress(OSError):
            self.write(history_rel(version), payload, durable=False)
        return True

    def attach(self, con: duckdb.DuckDBPyConnection) -> None:
        """DuckDB reads local paths itself."""

    def root_entries(self) -> list[str] | None:
        if not self.root.exists():
            return None
        if not self.root.is_dir():
            raise NotADirectoryError(str(self.root))
        return [p.name for p in self.root.iterdir()]


# ---- object storage ---------------------------------------------------------------------


class ObjectStore:
    """A lake under an S3 prefix (see the module docstring): `ObjectLake`'s requests."""

    def __init__(self, lake: ObjectLake) -> None:
        self.lake = lake

    def __str__(self) -> str:
        return self.lake.uri

    def url(self, rel: str) -> str:
        return self.lake.url(rel)

    def local_path(self, rel: str) -> Path | None:
        return None

    def read(self, rel: str) -> bytes:
        return self.lake.get(rel)

    def write(self, rel: str, data: bytes, *, durable: bool = True) -> None:
        self.lake.put(rel, data)  # one PUT: the object appears whole or not at all

    def create(self, rel: str, data: bytes) -> bool:
        return self.lake.create(rel, data) is not None

    def listing(self, prefix: str) -> list[tuple[str, float]]:
        return self.lake.listing(prefix)

    def delete(self, rel: str) -> None:
        self.lake.delete(rel)

    @contextlib.contextmanager
    def lock(self, timeout_s: float) -> Iterator[None]:
        with lease(self.lake, timeout_s=timeout_s):
            yield

    def read_head(self) -> bytes | None:
        versions = history_versions(self)
        return self.read(history_rel(versions[-1])) if versions else None

    def commit_head(self, version: int, payload: bytes) -> bool:
        """Create `_manifests/<version>.json` if it does not exist: the one atomic step."""
        rel = history_rel(version)
        # Refused: someone else committed this version, or our own PUT landed and its
        # answer was lost (the client retried): only the latter is ours.
        if not self.create(rel, payload) and self.read(rel) != payload:
            return False
        with contextlib.suppress(OSError):
            self.write(MANIFEST, payload)  # convenience copy for tools; readers list history
        return True

    def attach(self, con: duckdb.DuckDBPyConnection) -> None:
        con.register_filesystem(self.lake.reader_fs)

    def root_entries(self) -> list[str] | None:
        # A prefix is never refused for what else it holds (listing it would walk the
        # raw zone), and it needs no creating.
        return []


def _lease_body(holder: str, ttl_s: float) -> bytes:
    return json.dumps(
        {"holder": holder, "ttl_s": ttl_s, "expires_at": time.time() + ttl_s}
    ).encode()


def _take_lease(lake: ObjectLake, holder: str, timeout_s: float, ttl_s: float) -> str:
    """The lease's ETag once ours: created, or taken over from an expired holder."""
    deadline = time.monotonic() + timeout_s
    while True:
        etag = lake.create(LEASE, _lease_body(holder, ttl_s))
        if etag is not None:
            return etag
        found = lake.get_versioned(LEASE)
        if found is not None:
            try:
                expires_at = float(json.loads(found[0])["expires_at"])
            except (ValueError, KeyError, TypeError):
                expires_at = 0.0  # unreadable lease: treat as expired
            if time.time() > expires_at:
                etag = lake.replace(LEASE, _lease_body(holder, ttl_s), found[1])
                if etag is not None:
                    return etag
        if time.monotonic() > deadline:
            raise LeaseError(
                lake.uri,
                f"another run held the writer lease for "
                f"{timeout_s:.0f} s; retry when it has finished (a dead "
                f"holder's lease expires within {ttl_s:.0f} s)",
            )
        time.sleep(0.1)


@contextlib.contextmanager
def lease(
    lake: ObjectLake, *, timeout_s: float = 600.0, ttl_s: float = LEASE_TTL_S
) -> Iterator[str]:
    """The object-store writer lock: `_writer.lease`, holding its holder and expiry time.

    Taken with a create-only PUT; an expired lease (its holder died or hung) is taken over
    with a PUT conditional on the ETag we read, so of several waiters exactly one wins.
    The holder renews it every ttl/3 (If-Match its own ETag) and deletes it on release
    (If-Match, so it never deletes a successor's lease). Expiry is judged on the waiters'
    clocks: hosts sharing a lake need synchronised clocks (NTP), with skew well under ttl.
    The lease keeps writers from wasting work on each other; the create-only commit is what
    keeps the lake correct even when a paused writer wakes up after a take-over.
    Yields the holder id.
    """
    holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    try:
        etag = _take_lease(lake, holder, timeout_s, ttl_s)
    except OSError as exc:
        raise LakeError(lake.url(LEASE), f"cannot take the writer lease ({exc})") from exc
    state = {"etag": etag}
    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(ttl_s / 3):
            with contextlib.suppress(OSError):
                new = lake.replace(LEASE, _lease_body(holder, ttl_s), state["etag"])
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
            lake.delete(LEASE, state["etag"])
