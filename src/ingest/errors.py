"""The one error tree of the press-release lake.

Every failure the library can name is one of these; nothing logs and returns None.
Messages say what failed, where (source, URL, partition, column) and what to do.

    IngestError                      base: catch this to catch everything we raise
    ├── ConfigError                  bad settings or command-line values (fix the flag / env var)
    ├── FetchError                   a URL could not be fetched after retries (url, status)
    │   ├── RobotsDisallowedError    robots.txt forbids the URL: we never fetch it
    │   └── GoneError                404 / 410: the page is not there (any more)
    ├── ExtractError                 an HTML page could not be turned into a release (url, reason)
    │   └── NotAReleaseError         the page is not a press release (listing, error page, ...)
    ├── ValidationError              a whole batch broke a Pandera contract (dataset, column)
    ├── LakeError                    reading or publishing lake files failed (partition path)
    │   └── LeaseError               another run holds the lease on a partition set
    ├── QueryError                   analyst SQL over the views failed
    └── ChunkError                   some chunks of a run failed after retries (others landed)

`ExtractError.reason` is a short machine-readable code (``no_title``, ``no_date``,
``no_body``, ``not_html``, ``not_a_release``...) that lands in the quarantine table.
"""

from __future__ import annotations


class IngestError(Exception):
    """Base of every error this package raises on purpose."""

    def __reduce__(self) -> tuple:
        # Errors cross process boundaries (fetch workers, Dask). Default pickling calls
        # cls(*args) with the formatted message, which our constructors do not take.
        return _rebuild, (type(self), self.args, dict(self.__dict__))


def _rebuild(cls: type[IngestError], args: tuple, state: dict) -> IngestError:
    exc = cls.__new__(cls)
    Exception.__init__(exc, *args)
    exc.__dict__.update(state)
    return exc


class ConfigError(IngestError):
    """A setting or command-line value is missing or malformed."""


class FetchError(IngestError):
    """A URL could not be fetched (network error, timeout, or an error status after retries)."""

    def __init__(self, url: str, message: str, status: int | None = None) -> None:
        self.url = url
        self.status = status
        where = f" (HTTP {status})" if status is not None else ""
        super().__init__(f"fetch failed for {url}{where}: {message}")


class RobotsDisallowedError(FetchError):
    """robots.txt of the host disallows this URL for our user agent."""

    def __init__(self, url: str) -> None:
        super().__init__(url, "disallowed by robots.txt; not fetched (change the entry points)")


class GoneError(FetchError):
    """The server answered 404 or 410: the page does not exist (any more)."""

    def __init__(self, url: str, status: int) -> None:
        super().__init__(url, "page is gone; it is recorded, not retried", status=status)


class ExtractError(IngestError):
    """An HTML page could not be turned into a release; `reason` is a short code."""

    def __init__(self, url: str, reason: str, detail: str = "") -> None:
        self.url = url
        self.reason = reason
        self.detail = detail
        tail = f": {detail}" if detail else ""
        super().__init__(f"cannot extract a release from {url} [{reason}]{tail}")


class NotAReleaseError(ExtractError):
    """The page is not a press release (a listing, an error page, a stub)."""

    def __init__(self, url: str, detail: str = "") -> None:
        super().__init__(url, "not_a_release", detail)


class ValidationError(IngestError):
    """A whole batch broke a dataset contract (schema-level failure: missing column, dtype)."""

    def __init__(self, dataset: str, detail: str) -> None:
        self.dataset = dataset
        super().__init__(
            f"batch for dataset '{dataset}' breaks its schema: {detail}; "
            "nothing was written - fix the transform that builds this column"
        )


class LakeError(IngestError):
    """Reading or publishing lake files failed."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        super().__init__(f"lake error at {path}: {message}")


class LeaseError(LakeError):
    """Another live run holds the lease; wait for it or for the lease to expire."""


class QueryError(IngestError):
    """Analyst SQL over the lake views failed."""


class ChunkError(IngestError):
    """Some chunks (language x year) of a run failed after their retries; the others are
    committed. Each names how to re-run it alone."""

    def __init__(self, chunks: list[str], first: BaseException) -> None:
        self.chunks = chunks
        super().__init__(
            f"chunks failed: {', '.join(chunks)} (first error: {first}); re-run each alone: "
            "ingest backfill --languages <xx> --since <YYYY>-01-01 --until <YYYY>-12-31")
