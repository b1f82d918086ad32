"""The raw zone: the last body of every fetched page, gzipped, so it can be parsed again.

    raw/<source>/<xx>/<sha256 of path>.html.gz

Kept apart from `lake` (and free of polars) because the fetch workers write it: a worker
process stays small and starts fast when it imports only what fetching and parsing need.
Written through the lake's `store.Store` like everything else: a raw page is a cache (a
missing or corrupt one is refetched), so it is written atomically but not fsynced.
"""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

from ingest.errors import LakeError
from ingest.storage import ObjectLake
from ingest.store import open_store

# Level 1: raw pages are written once per fetch and read back rarely (replay, reprocess),
# so compression speed matters more than the last few percent of size.
LEVEL = 1


def raw_relpath(source: str, path: str) -> str:
    digest = hashlib.sha256(path.encode()).hexdigest()
    return f"raw/{source}/{digest[:2]}/{digest}.html.gz"


def store_raw(lake: Path | ObjectLake, source: str, path: str, body: bytes) -> str:
    """Keep the raw body (atomically: a reader sees the old body or the new one)."""
    rel = raw_relpath(source, path)
    data = gzip.compress(body, compresslevel=LEVEL, mtime=0)
    store = open_store(lake)
    try:
        store.write(rel, data, durable=False)
    except OSError as exc:
        raise LakeError(store.url(rel), f"cannot store raw page ({exc})") from exc
    return rel


def load_raw(lake: Path | ObjectLake, rel: str) -> bytes:
    store = open_store(lake)
    try:
        return gzip.decompress(store.read(rel))
    except (OSError, EOFError) as exc:
        raise LakeError(
            store.url(rel),
            f"raw page missing or corrupt ({exc}); it will be refetched by the next run",
        ) from exc
