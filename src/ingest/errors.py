"""The one error tree of the press-release lake.

Every failure the library can name is one of these; nothing logs and returns None.
Messages say what failed, where (source, URL, partition, column) and what to do.

    IngestError                      base: catch this to catch everything we raise
    ├── ConfigError                  bad settings or command-line values (fix the flag / env var)
    │   └── SourceError              a source definition (file or built-in name) is missing or
    │                                wrong: names the file, the key and what to fix
    ├── FetchError                   a URL could not be fetched after retries (url, status)
    │   ├── RobotsDisallowedError    robots.txt forbids the URL: we never fetch it
    │   ├── RobotsUnavailableError   robots.txt answered 5xx / could not be read: disallow all
    │   │                            for this run (RFC 9309), retried next run
    │   ├── GoneError                404 / 410: the page is not there (any more)
    │   ├── RefusedRedirectError     a hop (redirect, or the URL itself) leaves the allowed
    │   │   │                        hosts/ports/schemes or resolves to a forbidden address
    │   │   └── AddressRefusedError  raised inside a connection: the resolved address is
    │   │                            forbidden (re-raised by the fetcher naming the page)
    │   ├── ResponseTooLargeError    the body passed the size cap (on the wire or inflated)
    │   ├── DeadlineExceededError    the exchange passed its total deadline (a dribbling server)
    │   └── HostPausedError          the host is paused for the rest of this run (Retry-After
    │                                or Crawl-delay beyond its cap, repeated failures)
    ├── ExtractError                 an HTML page could not be turned into a release (url, reason)
    │   └── NotAReleaseError         the page is not a press release (listing, error page, ...)
    ├── ValidationError              a whole batch broke a Pandera contract (dataset, column)
    ├── LakeError                    reading or publishing lake files failed (partition path)
    │   └── LeaseError               another run holds the lease on a partition set
    ├── QueryError                   analyst SQL over the views failed
    │   └── QueryRefusedError        the statement is not one read-only SELECT (COPY, ATTACH,
    │                                INSTALL, DDL, several statements, files outside the lake)
    ├── ChunkError                   some chunks of a run failed after retries (others landed)
    └── RunFailedError               a run achieved nothing useful (newsroom unreachable,
                                     nothing discovered, every page refused, robots forbids
                                     all, fields emptied by a redesign): state not advanced

`ExtractError.reason` is a short machine-readable code (``no_title``, ``no_date``,
``no_body``, ``not_html``, ``not_a_release``...) that lands in the quarantine table.
"""

from __future__ import annotations


class IngestError(Exception):
    """Base of every error this package raises on purpose."""

    def __reduce__(self) -> tuple[object, ...]:
        # Errors cross process boundaries (fetch workers, Dask). Default pickling calls
        # cls(*args) with the formatted message, which our constructors do not take.
        return _rebuild, (type(self), self.args, dict(self.__dict__))


def _rebuild(
    cls: type[IngestError], args: tuple[object, ...], state: dict[str, object]
) -> IngestError:
    exc = cls.__new__(cls)
    Exception.__init__(exc, *args)
    exc.__dict__.update(state)
    return exc


class ConfigError(IngestError):
    """A setting or command-line value is missing or malformed."""


class SourceError(ConfigError):
    """A source definition cannot be used: `where` (the file), `key` (dotted, or "" for the
    file as a whole) and what is wrong with it, in one line."""

    def __init__(self, where: str, key: str, problem: str) -> None:
        self.where = where
        self.key = key
        at = f": {key}" if key else ""
        super().__init__(f"source definition {where}{at}: {problem}")


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


class RobotsUnavailableError(FetchError):
    """robots.txt answered 5xx, 429, or could not be fetched: RFC 9309 says disallow all."""

    def __init__(self, url: str, why: str) -> None:
        super().__init__(
            url,
            f"robots.txt unavailable ({why}); RFC 9309: nothing is "
            "fetched from this host in this run, the next run tries again",
        )


class RefusedRedirectError(FetchError):
    """A hop we will not follow: another host, port or scheme, an IP literal, or an address
    (as resolved) that is private, loopback or link-local. Nothing from it is kept."""

    def __init__(self, url: str, hop: str, reason: str) -> None:
        self.hop = hop
        self.reason = reason
        super().__init__(
            url,
            f"refused {hop}: {reason}; nothing kept (add the host to "
            "Settings.allowed_hosts / INGEST_ALLOWED_HOSTS if it is the newsroom)",
        )


class AddressRefusedError(RefusedRedirectError):
    """The address `host` resolves to may not be reached (or `host` does not resolve:
    `transient`). Raised where the socket is made; the Fetcher names the page."""

    def __init__(self, host: str, reason: str, transient: bool = False) -> None:
        self.transient = transient
        super().__init__(host, host, reason)


class ResponseTooLargeError(FetchError):
    """The body passed a size cap while streaming; it was dropped, never read whole."""

    def __init__(self, url: str, what: str, limit: int) -> None:
        self.limit = limit
        super().__init__(
            url,
            f"{what} passed the cap of {limit:,} bytes; dropped (raise "
            "INGEST_MAX_BODY_BYTES / INGEST_MAX_DECODED_BYTES if it is a real page)",
        )


class DeadlineExceededError(FetchError):
    """The exchange took longer than its total deadline (connect + headers + body)."""

    def __init__(self, url: str, deadline_s: float, got: int) -> None:
        self.deadline_s = deadline_s
        super().__init__(
            url,
            f"no complete answer within the total deadline of "
            f"{deadline_s:g} s ({got:,} bytes read); dropped, retried next run "
            "(INGEST_TOTAL_TIMEOUT)",
        )


class HostPausedError(FetchError):
    """The host is paused for the rest of this run; its pages are retried by the next run."""

    def __init__(self, url: str, host: str, why: str) -> None:
        self.host = host
        self.why = why
        super().__init__(
            url, f"host {host} paused for this run: {why}; not fetched, the next run resumes"
        )


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


class QueryRefusedError(QueryError):
    """The query is not a single read-only SELECT over the views."""


class RunFailedError(IngestError):
    """A run that achieved nothing useful; `reason` says why, `code` names the case."""

    def __init__(self, code: str, reason: str) -> None:
        self.code = code
        self.reason = reason
        super().__init__(f"run failed [{code}]: {reason}")


class ChunkError(IngestError):
    """Some chunks (language x year) of a run failed after their retries; the others are
    committed. Each names how to re-run it alone."""

    def __init__(self, chunks: list[str], first: BaseException) -> None:
        self.chunks = chunks
        super().__init__(
            f"chunks failed: {', '.join(chunks)} (first error: {first}); re-run each alone: "
            "ingest backfill --languages <xx> --since <YYYY>-01-01 --until <YYYY>-12-31"
        )
