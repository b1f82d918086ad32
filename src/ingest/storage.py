"""Where the lake lives: a local directory (a `Path`) or an S3 bucket prefix (`ObjectLake`).

`parse_lake` turns a setting into one of the two; `store.open_store` turns either into the
`store.Store` the lake is written against. `ObjectLake` is the object-store side's
requests, each ONE request to the store (s3fs, i.e. fsspec, underneath):

- `put`: a plain PUT. Data files and raw pages have unique (or last-writer-wins) keys, and a
  PUT is atomic per object, so no staging is needed;
- `create`: create-only (`If-None-Match: *`): fails when the key exists. The manifest commit
  and the writer lease are built on it;
- `replace`: compare-and-swap on an object (`If-Match: <etag>`): lease take-over/renewal;
- `delete` (optionally `If-Match`), `get`, `get_versioned`, `listing`.

Endpoint: `INGEST_S3_ENDPOINT_URL`, else `AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL`
(read once, by `parse_lake`, from the environment mapping the settings loader hands it).
Credentials and region come from the standard AWS chain (`AWS_ACCESS_KEY_ID`,
`AWS_SECRET_ACCESS_KEY`, `AWS_DEFAULT_REGION`, profiles, instance roles), read by botocore
itself: they are never copied into Settings, run parameters or logs.
"""

from __future__ import annotations

import errno
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest.errors import ConfigError, LakeError

SCHEMES = ("s3", "s3a")
ENDPOINT_VARS = ("INGEST_S3_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL")


def is_uri(value: object) -> bool:
    return isinstance(value, str) and "://" in value


def parse_lake(value: str | Path | ObjectLake, env: Mapping[str, str]) -> Path | ObjectLake:
    """`/data/lake`, `file:///data/lake` -> resolved Path; `s3://bucket/prefix` -> ObjectLake."""
    if isinstance(value, ObjectLake):
        return value
    if isinstance(value, Path) or not is_uri(value):
        return Path(value).expanduser().resolve()
    scheme, rest = str(value).split("://", 1)
    scheme = scheme.lower()
    if scheme == "file":
        return Path(rest).expanduser().resolve()
    if scheme not in SCHEMES:
        raise ConfigError(f"lake {value!r}: only local paths and s3:// URIs are supported")
    rest = rest.strip("/")
    bucket = rest.split("/", 1)[0]
    if not bucket or ".." in rest.split("/"):
        raise ConfigError(f"lake {value!r}: expected s3://bucket[/prefix]")
    endpoint = next((env[v] for v in ENDPOINT_VARS if env.get(v)), None)
    return ObjectLake(uri=f"s3://{rest}", endpoint_url=endpoint)


@functools.lru_cache(maxsize=8)
def _filesystem(endpoint_url: str | None) -> Any:
    try:
        import s3fs
    except ImportError as exc:  # pragma: no cover - s3fs is a dependency
        raise ConfigError("an s3:// lake needs the s3fs package") from exc
    kwargs: dict[str, Any] = {"use_listings_cache": False}
    if endpoint_url:
        kwargs["endpoint_url"] = endpoint_url
    return s3fs.S3FileSystem(**kwargs)


@functools.lru_cache(maxsize=8)
def _reader_filesystem(endpoint_url: str | None) -> Any:
    """The filesystem DuckDB reads through: data files are immutable (a key is written once,
    never changed), so the size and ETag of a key are asked for once per process instead of
    on every exists/open/size call DuckDB makes (three HEADs per file and query otherwise)."""
    import s3fs

    class ImmutableKeysS3(s3fs.S3FileSystem):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._known: dict[str, dict[str, Any]] = {}

        async def _info(self, path: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
            key = self._strip_protocol(path)
            found = self._known.get(key)
            if found is None:
                found = await super()._info(path, *args, **kwargs)
                if found.get("type") == "file" and key.endswith(".parquet"):
                    self._known[key] = found
            return found

        async def _exists(self, path: str, **kwargs: Any) -> bool:
            if self._strip_protocol(path) in self._known:
                return True
            return bool(await super()._exists(path, **kwargs))

    kwargs: dict[str, Any] = {"use_listings_cache": False, "skip_instance_cache": True}
    if endpoint_url:
        kwargs["endpoint_url"] = endpoint_url
    return ImmutableKeysS3(**kwargs)


def _precondition_failed(exc: BaseException) -> bool:
    """s3fs turns a 412 into FileExistsError (If-None-Match) or OSError(EINVAL) (If-Match);
    AWS answers 409 ConditionalRequestConflict to a conditional write racing another one."""
    if isinstance(exc, FileExistsError):
        return True
    cause = exc.__cause__ or exc.__context__
    response = getattr(cause, "response", None) or getattr(exc, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return code in ("PreconditionFailed", "ConditionalRequestConflict") or status in (409, 412)
    return (
        isinstance(exc, OSError)
        and exc.errno == errno.EINVAL
        and ("pre-condition" in str(exc).lower() or "precondition" in str(exc).lower())
    )


@dataclass(frozen=True, slots=True)
class ObjectLake:
    """A lake under an S3 prefix. `str()` is the URI (run parameters, reports)."""

    uri: str
    endpoint_url: str | None = None

    def __str__(self) -> str:
        return self.uri

    @property
    def fs(self) -> Any:
        """The s3fs filesystem (cached per endpoint; no listings cache: listings must be
        current for GC and manifests)."""
        return _filesystem(self.endpoint_url)

    @property
    def reader_fs(self) -> Any:
        """The filesystem for query engines (DuckDB): remembers the metadata of immutable
        data files. Not for the manifest, the lease or listings."""
        return _reader_filesystem(self.endpoint_url)

    @property
    def root(self) -> str:
        return self.uri.split("://", 1)[1]

    @property
    def bucket(self) -> str:
        return self.root.split("/", 1)[0]

    def key(self, rel: str) -> str:
        """Object key inside the bucket."""
        return f"{self.root}/{rel}".split("/", 1)[1]

    def url(self, rel: str) -> str:
        """Absolute URI of a lake-relative path (what DuckDB and error messages see)."""
        return f"{self.uri}/{rel}"

    def _call(self, method: str, **kwargs: Any) -> Any:
        return self.fs.call_s3(method, Bucket=self.bucket, **kwargs)

    # ---- primitives ----------------------------------------------------------------------

    def get(self, rel: str) -> bytes:
        """The object's bytes; FileNotFoundError if absent."""
        return bytes(self.fs.cat_file(f"{self.root}/{rel}"))

    def get_versioned(self, rel: str) -> tuple[bytes, str] | None:
        """(bytes, etag), or None if absent."""
        try:
            out = self._call("get_object", Key=self.key(rel))
        except FileNotFoundError:
            return None
        return _read_body(self.fs, out["Body"]), out["ETag"]

    def put(self, rel: str, data: bytes) -> None:
        """Plain write, atomic per object: fsspec's `pipe_file` (one PUT; a multipart upload,
        which also appears only when complete, past 100 MiB)."""
        self.fs.pipe_file(f"{self.root}/{rel}", data)

    def create(self, rel: str, data: bytes) -> str | None:
        """Create-only PUT (If-None-Match: *): the ETag, or None if the key exists."""
        try:
            out = self._call("put_object", Key=self.key(rel), Body=data, IfNoneMatch="*")
            return str(out["ETag"])
        except OSError as exc:
            if _precondition_failed(exc):
                return None
            raise

    def replace(self, rel: str, data: bytes, etag: str) -> str | None:
        """Compare-and-swap PUT (If-Match: etag): the new ETag, or None if the object
        changed (or vanished) since `etag` was read."""
        try:
            out = self._call("put_object", Key=self.key(rel), Body=data, IfMatch=etag)
            return str(out["ETag"])
        except FileNotFoundError:
            return None
        except OSError as exc:
            if _precondition_failed(exc):
                return None
            raise

    def delete(self, rel: str, etag: str | None = None) -> bool:
        """Delete (only if still `etag`, when given); False if the condition failed."""
        kwargs: dict[str, Any] = {"IfMatch": etag} if etag else {}
        try:
            self._call("delete_object", Key=self.key(rel), **kwargs)
        except FileNotFoundError:
            return True
        except OSError as exc:
            if _precondition_failed(exc):
                return False
            raise
        return True

    def listing(self, prefix: str) -> list[tuple[str, float]]:
        """(lake-relative path, last-modified epoch seconds) of every object under prefix."""
        base = f"{self.root}/{prefix.strip('/')}"
        try:
            found = self.fs.find(base, detail=True)
        except FileNotFoundError:
            return []
        out = []
        for path, info in found.items():
            if info.get("type") == "directory":
                continue
            modified = info.get("LastModified")
            stamp = modified.timestamp() if hasattr(modified, "timestamp") else 0.0
            out.append((path[len(self.root) + 1 :], stamp))
        return sorted(out)

    def error(self, rel: str, what: str, exc: BaseException) -> LakeError:
        return LakeError(self.url(rel), f"{what} ({type(exc).__name__}: {exc})")


def _read_body(fs: Any, body: Any) -> bytes:
    """Read an aiobotocore streaming body on s3fs's event loop."""
    from fsspec.asyn import sync

    async def read() -> bytes:
        try:
            return bytes(await body.read())
        finally:
            body.close()

    return bytes(sync(fs.loop, read))
