"""HTTP fetching: one requests Session, politeness, conditional GET, our own response type.

Extraction never touches the network; this module never parses HTML. The Session is
built here but passed in, so tests (and mirrors) point it at a local server.
"""

from __future__ import annotations

import threading
import time
import urllib.robotparser
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from ingest.errors import FetchError, GoneError, RobotsDisallowedError
from ingest.settings import Settings


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What we keep of one HTTP exchange."""

    url: str
    final_url: str
    status: int
    body: bytes
    headers: Mapping[str, str]
    fetched_at: datetime
    elapsed_s: float

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


def build_session(settings: Settings) -> requests.Session:
    """A Session with retries on 429/5xx (honouring Retry-After, capped) and our User-Agent."""
    retry = Retry(
        total=settings.max_retries,
        connect=settings.max_retries,
        read=settings.max_retries,
        status=settings.max_retries,
        backoff_factor=settings.backoff_factor,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=frozenset({"GET", "HEAD"}),
        respect_retry_after_header=True,
        raise_on_status=False,
        retry_after_max=settings.retry_after_max,
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry, pool_connections=4, pool_maxsize=8)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers.update({
        "User-Agent": settings.user_agent,
        "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        "Accept-Language": "en, fr, es, ar",
    })
    return session


class RateLimiter:
    """At most one request per `interval` seconds per host, shared by all threads."""

    def __init__(self, interval: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = max(0.0, interval)
        self._clock = clock
        self._next: dict[str, float] = {}
        self._host_interval: dict[str, float] = {}
        self._lock = threading.Lock()

    def __getstate__(self) -> dict:
        # Shipped to another process (a Dask worker) the limiter paces that process alone.
        return {"interval": self.interval, "_host_interval": dict(self._host_interval)}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["interval"])  # type: ignore[misc]
        self._host_interval = state["_host_interval"]

    @property
    def paced(self) -> bool:
        """True when some host gets a delay: requests must then go through this limiter."""
        return self.interval > 0 or any(v > 0 for v in self._host_interval.values())

    def set_interval(self, host: str, interval: float) -> None:
        """A host-specific interval, e.g. from robots.txt Crawl-delay."""
        with self._lock:
            self._host_interval[host] = interval

    def wait(self, host: str) -> None:
        interval = self._host_interval.get(host, self.interval)
        if interval <= 0:
            return
        with self._lock:
            now = self._clock()
            slot = max(now, self._next.get(host, 0.0))
            self._next[host] = slot + interval
        delay = slot - now
        if delay > 0:
            time.sleep(delay)


@dataclass
class RobotsPolicy:
    """robots.txt per host, fetched once per run through the same session."""

    session: requests.Session
    user_agent: str
    timeout: tuple[float, float]
    _parsers: dict[str, urllib.robotparser.RobotFileParser | None] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _parser(self, url: str) -> urllib.robotparser.RobotFileParser | None:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            if origin in self._parsers:
                return self._parsers[origin]
            parser: urllib.robotparser.RobotFileParser | None = None
            try:
                resp = self.session.get(f"{origin}/robots.txt", timeout=self.timeout)
                if resp.status_code == 200:
                    parser = urllib.robotparser.RobotFileParser()
                    parser.parse(resp.text.splitlines())
                elif resp.status_code in (401, 403):
                    # RFC 9309: an access-restricted robots.txt means "disallow all".
                    parser = urllib.robotparser.RobotFileParser()
                    parser.parse(["User-agent: *", "Disallow: /"])
            except requests.RequestException:
                parser = None  # unreachable robots.txt: RFC 9309 allows crawling
            self._parsers[origin] = parser
            return parser

    def __getstate__(self) -> dict:
        return {"session": self.session, "user_agent": self.user_agent,
                "timeout": self.timeout, "_parsers": dict(self._parsers)}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def loaded(self, urls: Iterable[str]) -> dict[str, urllib.robotparser.RobotFileParser | None]:
        """robots.txt of every origin among `urls`, fetched now if not yet: for workers."""
        for url in urls:
            self._parser(url)
        with self._lock:
            return dict(self._parsers)

    def adopt(self, parsers: Mapping[str, urllib.robotparser.RobotFileParser | None]) -> None:
        """Use robots.txt already fetched elsewhere (the parent of a worker)."""
        with self._lock:
            self._parsers.update(parsers)

    def allowed(self, url: str) -> bool:
        parser = self._parser(url)
        return True if parser is None else parser.can_fetch(self.user_agent, url)

    def crawl_delay(self, url: str) -> float | None:
        parser = self._parser(url)
        if parser is None:
            return None
        delay = parser.crawl_delay(self.user_agent)
        return float(delay) if delay is not None else None

    def sitemaps(self, url: str) -> list[str]:
        parser = self._parser(url)
        return list(parser.site_maps() or []) if parser is not None else []


class Fetcher:
    """GETs pages politely and returns FetchResult, or raises a FetchError subclass."""

    def __init__(self, session: requests.Session, settings: Settings, *,
                 limiter: RateLimiter | None = None, robots: RobotsPolicy | None = None) -> None:
        """`limiter` and `robots` may be shared by the fetchers of parallel workers (one
        session each), so the per-host rate holds for the whole run."""
        self.session = session
        self.settings = settings
        self.timeout = (settings.connect_timeout, settings.read_timeout)
        self.robots = robots or RobotsPolicy(session, settings.user_agent, self.timeout)
        interval = 1.0 / settings.requests_per_second if settings.requests_per_second > 0 else 0
        self.limiter = limiter or RateLimiter(interval)
        self._delay_checked: set[str] = set()
        self.requests_made = 0

    def sibling(self) -> Fetcher:
        """A fetcher for another thread: its own session, the same rate limit and robots."""
        return Fetcher(build_session(self.settings), self.settings, limiter=self.limiter,
                       robots=self.robots)

    def _politeness(self, url: str) -> None:
        host = urlsplit(url).netloc
        if self.settings.respect_robots and host not in self._delay_checked:
            self._delay_checked.add(host)
            delay = self.robots.crawl_delay(url)
            if delay and delay > self.limiter.interval and self.limiter.interval > 0:
                self.limiter.set_interval(host, delay)
        self.limiter.wait(host)

    def get(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        if self.settings.respect_robots and not self.robots.allowed(url):
            raise RobotsDisallowedError(url)
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        self._politeness(url)
        started = time.perf_counter()
        try:
            resp = self.session.get(url, headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            raise FetchError(url, f"{type(exc).__name__}: {exc}; retried "
                             f"{self.settings.max_retries}x, will retry next run") from exc
        finally:
            self.requests_made += 1
        elapsed = time.perf_counter() - started
        if resp.status_code in (404, 410):
            raise GoneError(url, resp.status_code)
        if resp.status_code != 304 and not 200 <= resp.status_code < 300:
            raise FetchError(url, "unexpected status after retries; will retry next run",
                             status=resp.status_code)
        return FetchResult(
            url=url,
            final_url=resp.url,
            status=resp.status_code,
            body=resp.content if resp.status_code != 304 else b"",
            headers={k.lower(): v for k, v in resp.headers.items()},
            fetched_at=datetime.now(UTC),
            elapsed_s=elapsed,
        )
