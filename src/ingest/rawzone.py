"""The raw zone: the last body of every fetched page, gzipped, so it can be parsed again.

    raw/<source>/<xx>/<sha256 of path>.html.gz

Kept apart from `lake` (and free of polars) because the fetch workers write it: a worker
process stays small and starts fast when it imports only what fetching and parsing need.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import os
import uuid
from pathlib import Path

from ingest.errors import LakeError
from ingest.storage import ObjectLake, remote

# Level 1: raw pages are written once per fetch and read back rarely (replay, reprocess),
# so compression speed matters more than the last few percent of size.
LEVEL = 1

_made_dirs: set[Path] = set()


def raw_relpath(source: str, path: str) -> str:
    digest = hashlib.sha256(path.encode()).hexdigest()
    return f"raw/{source}/{digest[:2]}/{digest}.html.gz"


def store_raw(lake: Path | ObjectLake, source: str, path: str, body: bytes) -> str:
    """Keep the raw body (atomically: a reader sees the old body or the new one)."""
    rel = raw_relpath(source, path)
    data = gzip.compress(body, compresslevel=LEVEL, mtime=0)
    store = remote(lake)
    if store is not None:
        try:
            store.put(rel, data)
        except OSError as exc:
            raise LakeError(store.url(rel), f"cannot store raw page ({exc})") from exc
        return rel
    target = lake / rel
    tmp = target.with_name(f".{uuid.uuid4().hex}.tmp")
    try:
        if target.parent not in _made_dirs:
            # mkdir(parents=True) stats every ancestor: once per directory per process.
            target.parent.mkdir(parents=True, exist_ok=True)
            _made_dirs.add(target.parent)
        try:
            tmp.write_bytes(data)
        except FileNotFoundError:  # the directory was removed under us (lake wiped)
            _made_dirs.discard(target.parent)
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(data)
        os.replace(tmp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):  # no tmp, or no directory to hold one
            tmp.unlink()
        raise LakeError(str(target), f"cannot store raw page ({exc})") from exc
    return rel


def load_raw(lake: Path | ObjectLake, rel: str) -> bytes:
    store = remote(lake)
    where = store.url(rel) if store is not None else str(lake / rel)
    try:
        data = store.get(rel) if store is not None else (lake / rel).read_bytes()
        return gzip.decompress(data)
    except (OSError, EOFError) as exc:
        raise LakeError(
            where, f"raw page missing or corrupt ({exc}); it will be refetched by the next run"
        ) from exc
