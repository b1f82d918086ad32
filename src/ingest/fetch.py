"""HTTP fetching: one requests Session, politeness, safety limits, our own response type.

This module is the Fetcher and its response type; each of its rules has a module of its
own, named for it (and re-exported here): `fetch_guard` (where a request may go, the
Session), `fetch_body` (bodies under caps), `fetch_deadline` (the total deadline),
`fetch_politeness` (rate limit, Retry-After, paused hosts), `fetch_robots` (robots.txt),
`fetch_log` (the fetch_log rows).

Extraction never touches the network; this module never parses HTML. The Session is
built here but passed in, so tests (and mirrors) point it at a local server.

What a request may do (README "Safety limits"; every number is a Settings field):

- **Where it goes.** Only http(s) to the base URL's host and port (plus
  `Settings.allowed_hosts`). Redirects are followed here, hop by hop (`allow_redirects=False`,
  at most `max_redirects`), and every hop is checked before it is requested. The address
  check runs on the *resolved* address, inside the connection itself (`_GuardedConnection`):
  link-local (169.254/16, the cloud metadata service), multicast, unspecified and reserved
  addresses are always refused; loopback only when the base URL is a loopback host; private
  ranges only when the base URL is a private address or `allow_private_addresses`. The first
  resolution of a host is pinned for the run, so a DNS answer that changes later (rebinding)
  never reaches a socket. The session ignores proxies and `.netrc` (`trust_env=False`), sends
  no credentials, and never leaves the allowed hosts, so its cookies stay with them.
- **How much it reads.** Bodies are streamed (`stream=True`) and inflated here with a
  `zlib.decompressobj` and `max_length`, so a size cap holds on the wire (`max_body_bytes`)
  and after decompression (`max_decoded_bytes`): a gzip bomb stops at the cap, never inflated
  past it. Sitemaps, feeds and robots.txt are cut at their caps instead (the cut is
  reported).
- **How long it takes.** connect and read timeouts per socket step, and a total deadline per
  exchange (`total_timeout`) enforced by a watchdog thread that shuts the socket down: a
  server that dribbles one byte a second (headers or body) fails in bounded time
  (requests' read timeout alone is per read, STACK_NOTES pitfall 16).
- **Politeness.** robots.txt by RFC 9309 (4xx: allow; 5xx, 429 or unreachable: disallow all
  for this run), the rate limit and Crawl-delay (capped by `crawl_delay_max`), Retry-After in
  seconds or as an HTTP-date (each wait capped by `retry_after_max`, all waits on a host by
  `retry_after_budget`); past a cap, or after `host_failure_limit` failed exchanges in a row,
  the host is paused for the rest of the run (`HostPausedError`) instead of costing minutes
  page after page.
- **Every exchange is data.** One `fetch_log` row per request (and per refusal that made
  none): URL, hop, status, bytes, elapsed, wait, robots decision, redirect chain.
"""

from __future__ import annotations

import http.client
import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypedDict
from urllib.parse import urljoin, urlsplit

import requests
import urllib3.exceptions

from ingest import fetch_deadline as deadline
from ingest.errors import (
    AddressRefusedError,
    DeadlineExceededError,
    FetchError,
    GoneError,
    HostPausedError,
    RefusedRedirectError,
    RobotsDisallowedError,
    RobotsUnavailableError,
)
from ingest.fetch_body import CHUNK, inflate_bounded, read_body
from ingest.fetch_deadline import WATCHDOG, Deadline
from ingest.fetch_guard import (
    DEFAULT_PORTS,
    AddressGuard,
    GuardedAdapter,
    Resolver,
    build_session,
    session_guard,
    system_resolver,
)
from ingest.fetch_log import FetchLog, outcome_of
from ingest.fetch_politeness import HostBook, RateLimiter, parse_retry_after
from ingest.fetch_robots import RobotsPolicy, RobotsRules
from ingest.settings import Settings

__all__ = [
    "CHUNK",
    "REDIRECT_STATUSES",
    "RETRY_STATUSES",
    "AddressGuard",
    "FetchLog",
    "FetchResult",
    "Fetcher",
    "GuardedAdapter",
    "HostBook",
    "RateLimiter",
    "Resolver",
    "RobotsPolicy",
    "RobotsRules",
    "build_session",
    "inflate_bounded",
    "parse_retry_after",
    "system_resolver",
]

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What we keep of one HTTP exchange (after its redirects)."""

    url: str
    final_url: str
    status: int
    body: bytes
    headers: Mapping[str, str]
    fetched_at: datetime
    elapsed_s: float
    wire_bytes: int = 0
    redirects: tuple[str, ...] = ()
    truncated: bool = False  # cut at a cap (sitemaps, robots.txt only; pages are refused)

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")

    @property
    def redirected(self) -> bool:
        return self.final_url.rstrip("/") != self.url.rstrip("/")


@dataclass(slots=True)
class _Answer:
    status: int
    headers: dict[str, str]
    body: bytes = b""
    wire: int = 0
    truncated: bool = False
    location: str | None = None


class _AttemptLog(TypedDict):
    """The fetch_log fields every row of one attempt shares."""

    robots: str
    chain: list[str]
    attempt: int
    wait: float
    requested_at: datetime


@dataclass(slots=True)
class _Try:
    """One attempt at one hop: what it asked for, when it started, its deadline."""

    url: str
    hop: str
    kind: str
    host: str
    t0: float
    dl: Deadline
    log: _AttemptLog

    def elapsed(self) -> float:
        return time.monotonic() - self.t0


class Fetcher:
    """GETs pages politely and safely; returns FetchResult or raises a FetchError subclass."""

    def __init__(
        self,
        session: requests.Session,
        settings: Settings,
        *,
        limiter: RateLimiter | None = None,
        robots: RobotsPolicy | None = None,
        hosts: HostBook | None = None,
        log: FetchLog | None = None,
        guard: AddressGuard | None = None,
    ) -> None:
        """`limiter`, `robots`, `hosts` and `log` may be shared by the fetchers of parallel
        workers (one session each), so per-host rates, pauses and the log hold for the run."""
        self.session = session
        self.settings = settings
        self.timeout = (settings.connect_timeout, settings.read_timeout)
        self.guard = guard or session_guard(session) or AddressGuard(settings)
        self.robots = robots or RobotsPolicy(settings.user_agent)
        self.robots.bind(self)
        interval = 1.0 / settings.requests_per_second if settings.requests_per_second > 0 else 0
        self.limiter = limiter or RateLimiter(interval)
        self.hosts = hosts or HostBook()
        self.log = log or FetchLog()
        self._delay_checked: set[str] = set()
        self.requests_made = 0

    def __setstate__(self, state: dict[str, object]) -> None:
        # Shipped to another process (a Dask worker): robots.txt of new origins is read
        # through this fetcher there.
        self.__dict__.update(state)
        self.robots.bind(self)

    def sibling(self) -> Fetcher:
        """A fetcher for another thread: its own session, the same run-wide state."""
        return Fetcher(
            build_session(self.settings, self.guard),
            self.settings,
            limiter=self.limiter,
            robots=self.robots,
            hosts=self.hosts,
            log=self.log,
            guard=self.guard,
        )

    # -- politeness --

    def _politeness(self, url: str, host: str, kind: str) -> float:
        if self.settings.respect_robots and kind != "robots" and host not in self._delay_checked:
            self._delay_checked.add(host)
            delay = self.robots.crawl_delay(url)
            if delay and delay > self.limiter.interval and self.limiter.interval > 0:
                if delay > self.settings.crawl_delay_max:
                    self.hosts.pause(
                        host,
                        f"robots.txt Crawl-delay {delay:g} s is beyond the "
                        f"cap of {self.settings.crawl_delay_max:g} s "
                        "(INGEST_CRAWL_DELAY_MAX)",
                    )
                else:
                    self.limiter.set_interval(host, delay)
        self.hosts.check(url, host)
        return self.limiter.wait(host)

    # -- the public call --

    def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        kind: str = "page",
    ) -> FetchResult:
        """GET `url`, following checked redirects. `kind` (page, sitemap, feed, listing,
        robots) picks the size rule: pages are refused past the caps, sitemaps and feeds
        are cut at the sitemap cap, robots.txt at its own."""
        started = time.perf_counter()
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        chain: list[str] = []
        hop = url
        for _ in range(self.settings.max_redirects + 1):
            answer = self._hop(url, hop, kind, headers, chain)
            if answer.location is None:
                break
            nxt = urljoin(hop, answer.location)
            chain.append(nxt)
            hop = nxt
            headers = {}  # validators belong to the URL asked for, not to its new home
        else:
            why = f"more than {self.settings.max_redirects} redirects (INGEST_MAX_REDIRECTS)"
            self.log.record(url, hop, kind, "refused_redirect", chain=chain, error=why)
            raise RefusedRedirectError(url, hop, why)
        if answer.status in (404, 410):
            raise GoneError(url, answer.status)
        if answer.status != 304 and not 200 <= answer.status < 300:
            raise FetchError(
                url, "unexpected status after retries; will retry next run", status=answer.status
            )
        return FetchResult(
            url=url,
            final_url=hop,
            status=answer.status,
            body=answer.body,
            headers=answer.headers,
            fetched_at=datetime.now(UTC),
            elapsed_s=time.perf_counter() - started,
            wire_bytes=answer.wire,
            redirects=tuple(chain),
            truncated=answer.truncated,
        )

    def _hop(
        self, url: str, hop: str, kind: str, headers: Mapping[str, str], chain: list[str]
    ) -> _Answer:
        """One URL of a redirect chain: checked, then requested with retries."""
        why = self.guard.refusal(hop)
        if why is not None:
            self.log.record(url, hop, kind, "refused_redirect", chain=chain, error=why)
            raise RefusedRedirectError(url, hop, why)
        parts = urlsplit(hop)
        host = parts.netloc.lower()
        try:  # the address too, before robots.txt of a new host is asked for
            self.guard.address_for(
                parts.hostname or "", parts.port or DEFAULT_PORTS[parts.scheme.lower()]
            )
        except AddressRefusedError as exc:
            self.log.record(url, hop, kind, "refused_redirect", chain=chain, error=exc.reason)
            if exc.transient:
                self.hosts.failed(host, self.settings)
                raise FetchError(url, f"{exc.reason}; will retry next run") from None
            raise RefusedRedirectError(url, hop, exc.reason) from None
        decision = ""
        if self.settings.respect_robots and kind != "robots":
            try:
                decision = self.robots.check(hop)
            except (RobotsDisallowedError, RobotsUnavailableError) as exc:
                outcome = (
                    "disallowed" if isinstance(exc, RobotsDisallowedError) else "robots_unavailable"
                )
                self.log.record(url, hop, kind, outcome, robots=outcome.split("_")[-1], chain=chain)
                if hop == url:
                    raise
                # A redirect into a disallowed path: the error names the page asked for.
                if isinstance(exc, RobotsDisallowedError):
                    raise RobotsDisallowedError(url) from None
                raise RobotsUnavailableError(url, self.robots.rules(hop).detail) from None
        attempts = self.settings.max_retries + 1
        waited = 0.0
        for attempt in range(attempts):
            try:
                waited += self._politeness(hop, host, kind)
            except HostPausedError as exc:
                self.log.record(
                    url, hop, kind, "paused", robots=decision, chain=chain, error=exc.why
                )
                raise HostPausedError(url, host, exc.why) from None
            answer, retry_in = self._exchange(
                url,
                hop,
                kind,
                headers,
                chain,
                decision,
                attempt,
                waited,
                last=attempt == attempts - 1,
            )
            if answer is not None:
                return answer
            time.sleep(retry_in)
            waited = retry_in
        raise AssertionError("unreachable")  # pragma: no cover - the last attempt returns

    def _exchange(
        self,
        url: str,
        hop: str,
        kind: str,
        headers: Mapping[str, str],
        chain: list[str],
        decision: str,
        attempt: int,
        waited: float,
        *,
        last: bool,
    ) -> tuple[_Answer | None, float]:
        """One request. (answer, 0) when done, (None, seconds) to retry after a wait."""
        s = self.settings
        dl = WATCHDOG.arm(s.total_timeout)
        deadline.current.deadline = dl
        ex = _Try(
            url,
            hop,
            kind,
            urlsplit(hop).netloc.lower(),
            time.monotonic(),
            dl,
            {
                "robots": decision,
                "chain": chain,
                "attempt": attempt,
                "wait": waited,
                "requested_at": datetime.now(UTC),
            },
        )
        if kind != "robots":
            self.requests_made += 1
        try:
            resp = self._send(ex, headers)
            try:
                return self._answer(ex, resp, last=last)
            finally:
                resp.close()
        except FetchError as exc:
            if isinstance(exc, DeadlineExceededError):
                self.hosts.failed(ex.host, s)
            if not isinstance(exc, RefusedRedirectError | HostPausedError):
                self.log.record(
                    url,
                    hop,
                    kind,
                    outcome_of(exc),
                    status=exc.status,
                    elapsed=ex.elapsed(),
                    error=str(exc),
                    **ex.log,
                )
            raise
        except (
            requests.RequestException,
            OSError,
            zlib.error,
            urllib3.exceptions.HTTPError,
            http.client.HTTPException,
        ) as exc:
            return self._broken(ex, exc, attempt, last=last)
        finally:
            dl.done = True
            deadline.current.deadline = None

    def _send(self, ex: _Try, headers: Mapping[str, str]) -> requests.Response:
        """The request itself; a refused address (the guard, at connect) is logged here."""
        try:
            return self.session.get(
                ex.hop,
                headers=dict(headers),
                timeout=self.timeout,
                stream=True,
                allow_redirects=False,
            )
        except AddressRefusedError as exc:
            self.log.record(
                ex.url,
                ex.hop,
                ex.kind,
                "refused_redirect",
                elapsed=ex.elapsed(),
                error=exc.reason,
                **ex.log,
            )
            if exc.transient:
                self.hosts.failed(ex.host, self.settings)
                raise FetchError(ex.url, f"{exc.reason}; will retry next run") from None
            raise RefusedRedirectError(ex.url, ex.hop, exc.reason) from None

    def _answer(
        self, ex: _Try, resp: requests.Response, *, last: bool
    ) -> tuple[_Answer | None, float]:
        """What the response says: a redirect to follow, a retry after a wait, or the
        answer (its body read under the caps when it is a 2xx)."""
        s = self.settings
        url, hop, kind, host = ex.url, ex.hop, ex.kind, ex.host
        status = resp.status_code
        resp_headers = {k.lower(): v for k, v in resp.headers.items()}
        if status in REDIRECT_STATUSES and resp_headers.get("location"):
            self.log.record(
                url, hop, kind, "redirect", status=status, elapsed=ex.elapsed(), **ex.log
            )
            self.hosts.succeeded(host)
            return _Answer(status, resp_headers, location=resp_headers["location"]), 0
        if status in RETRY_STATUSES and not last:
            delay = parse_retry_after(resp_headers.get("retry-after"))
            self.log.record(url, hop, kind, "retry", status=status, elapsed=ex.elapsed(), **ex.log)
            if delay is None:
                return None, s.backoff_factor * (2 ** ex.log["attempt"])
            if not self.hosts.spend_retry_after(host, delay, s):
                raise HostPausedError(url, host, self.hosts.paused[host])
            return None, delay
        body, wire, truncated = b"", 0, False
        if 200 <= status < 300:
            body, wire, truncated = read_body(resp, url, kind, ex.dl, s)
        outcome = (
            "ok"
            if 200 <= status < 300
            else "not_modified"
            if status == 304
            else "gone"
            if status in (404, 410)
            else "error_status"
        )
        self.log.record(
            url,
            hop,
            kind,
            outcome,
            status=status,
            wire=wire,
            decoded=len(body),
            elapsed=ex.elapsed(),
            **ex.log,
        )
        if status >= 500 or status == 429:
            self.hosts.failed(host, s)
        else:
            self.hosts.succeeded(host)
        return _Answer(status, resp_headers, body, wire, truncated), 0

    def _broken(self, ex: _Try, exc: Exception, attempt: int, *, last: bool) -> tuple[None, float]:
        """A transport failure (connection, timeout, corrupt encoding, a passed deadline):
        a retry after a wait when it is worth one, else the FetchError it amounts to."""
        s = self.settings
        elapsed = ex.elapsed()
        wire = 0  # no body bytes count here: a body read that fails raises its own error
        if ex.dl.fired:
            err: FetchError = DeadlineExceededError(ex.url, s.total_timeout, wire)
        elif isinstance(exc, zlib.error):
            err = FetchError(ex.url, f"corrupt {ex.kind} body encoding ({exc}); dropped")
        else:
            err = FetchError(ex.url, f"{type(exc).__name__}: {exc}; will retry next run")
        # Connection trouble is worth another try; a read timeout or a passed deadline
        # is not (a server that stalls would cost attempts x timeout per page).
        retryable = (
            isinstance(exc, requests.ConnectionError)
            and not isinstance(exc, requests.ReadTimeout)
            and not ex.dl.fired
            and wire == 0
        )
        self.log.record(
            ex.url,
            ex.hop,
            ex.kind,
            "retry" if retryable and not last else outcome_of(err),
            elapsed=elapsed,
            error=str(err),
            **ex.log,
        )
        if retryable and not last:
            return None, s.backoff_factor * (2**attempt)
        self.hosts.failed(ex.host, s)
        raise err from exc
