"""HTTP fetching: one requests Session, politeness, safety limits, our own response type.

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

import contextlib
import heapq
import http.client
import ipaddress
import itertools
import json
import socket
import threading
import time
import urllib.robotparser
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.util.retry import Retry

from ingest.errors import (
    AddressRefusedError,
    DeadlineExceededError,
    FetchError,
    GoneError,
    HostPausedError,
    RefusedRedirectError,
    ResponseTooLargeError,
    RobotsDisallowedError,
    RobotsUnavailableError,
)
from ingest.settings import Settings

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
CHUNK = 64 * 1024


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


# ---- where we go ------------------------------------------------------------------------

_DEFAULT_PORTS = {"http": 80, "https": 443}
Resolver = Callable[[str, int], list[str]]


def system_resolver(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (the OS resolver: /etc/hosts, DNS)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        ip = ipaddress.ip_address(text.strip("[]").split("%")[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def _is_loopback_host(host: str) -> bool:
    ip = _ip(host)
    return host == "localhost" or (ip is not None and ip.is_loopback)


class AddressGuard:
    """Which URLs and addresses a run may reach; shared by the fetchers of one run.

    `resolve` is the outermost edge (DNS); tests pass their own to stand for a hostile
    DNS answer. Resolutions are pinned: a host is resolved once per run.
    """

    def __init__(self, settings: Settings, resolve: Resolver | None = None) -> None:
        base = urlsplit(settings.base_url)
        self._allowed: dict[str, set[int] | None] = {}
        self._add(base.hostname or "", base.port)
        for entry in settings.allowed_hosts:
            parts = urlsplit("//" + entry)
            self._add(parts.hostname or "", parts.port)
        base_host = (base.hostname or "").lower()
        base_ip = _ip(base_host)
        self.loopback_ok = _is_loopback_host(base_host)
        self.private_ok = settings.allow_private_addresses or bool(
            base_ip is not None
            and base_ip.is_private
            and not base_ip.is_loopback
            and not base_ip.is_link_local
        )
        self._resolve = resolve or system_resolver
        self._pinned: dict[tuple[str, int], str] = {}
        self._lock = threading.Lock()

    def _add(self, host: str, port: int | None) -> None:
        host = host.lower()
        if port is None:
            self._allowed.setdefault(host, None)  # the scheme's default ports
            return
        ports = self._allowed.get(host)
        self._allowed[host] = (ports or set()) | {port}

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_lock")
        if state["_resolve"] is system_resolver:
            state["_resolve"] = None
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._resolve = self._resolve or system_resolver
        self._lock = threading.Lock()

    @property
    def hosts(self) -> list[str]:
        return sorted(self._allowed)

    def refusal(self, url: str) -> str | None:
        """Why `url` may not be requested, or None when it may."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            return "malformed URL"
        scheme = parts.scheme.lower()
        if scheme not in _DEFAULT_PORTS:
            return f"scheme {scheme or '(none)'!r} is not http(s)"
        if parts.username is not None or parts.password is not None:
            return "the URL carries credentials"
        host = (parts.hostname or "").lower()
        if host not in self._allowed:
            kind = "IP literal" if _ip(host) is not None else "host"
            return (
                f"{kind} {host or '(none)'} is not the newsroom (allowed: {', '.join(self.hosts)})"
            )
        effective = port or _DEFAULT_PORTS[scheme]
        ports = self._allowed[host]
        allowed_ports = ports if ports is not None else set(_DEFAULT_PORTS.values())
        if effective not in allowed_ports:
            return (
                f"port {effective} of {host} is not the newsroom's "
                f"({', '.join(map(str, sorted(allowed_ports)))})"
            )
        return None

    def address_refusal(self, address: str) -> str | None:
        ip = _ip(address)
        if ip is None:
            return f"{address} is not an IP address"
        if ip.is_link_local:
            return f"{address} is link-local (cloud metadata and LAN autoconf live there)"
        if ip.is_multicast or ip.is_unspecified or ip.is_reserved:
            return f"{address} is multicast, unspecified or reserved"
        if ip.is_loopback:
            return None if self.loopback_ok else f"{address} is loopback"
        if ip.is_private or ip in _SHARED_ADDRESS_SPACE:
            return None if self.private_ok else f"{address} is a private address"
        return None

    def address_for(self, host: str, port: int) -> str:
        """The checked, pinned address to connect to for `host`; raises
        AddressRefusedError."""
        key = (host.lower().rstrip("."), port)
        with self._lock:
            pinned = self._pinned.get(key)
        if pinned is not None:
            return pinned
        literal = _ip(host)
        try:
            addresses = [str(literal)] if literal is not None else self._resolve(key[0], port)
        except OSError as exc:
            raise AddressRefusedError(
                host, f"cannot resolve {host} ({exc})", transient=True
            ) from exc
        reasons = []
        for address in addresses:
            why = self.address_refusal(address)
            if why is None:
                with self._lock:
                    self._pinned.setdefault(key, address)
                    return self._pinned[key]
            reasons.append(why)
        raise AddressRefusedError(host, f"{host} resolves to {'; '.join(reasons) or 'nothing'}")


_SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")


# ---- deadlines ----------------------------------------------------------------------------


class _Deadline:
    __slots__ = ("at", "done", "fired", "socks")

    def __init__(self, at: float) -> None:
        self.at = at
        self.socks: list[socket.socket] = []
        self.fired = False
        self.done = False

    def shut(self) -> None:
        self.fired = True
        for sock in self.socks:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class _Watchdog:
    """One daemon thread that shuts down the sockets of exchanges past their deadline."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, _Deadline]] = []
        self._cond = threading.Condition()
        self._ids = itertools.count()
        self._thread: threading.Thread | None = None

    def arm(self, seconds: float) -> _Deadline:
        dl = _Deadline(time.monotonic() + seconds)
        with self._cond:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._loop, name="fetch-deadlines", daemon=True
                )
                self._thread.start()
            heapq.heappush(self._heap, (dl.at, next(self._ids), dl))
            self._cond.notify()
        return dl

    def _loop(self) -> None:
        while True:
            with self._cond:
                while self._heap and self._heap[0][2].done:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._cond.wait(5.0)
                    continue
                at, _, dl = self._heap[0]
                delay = at - time.monotonic()
                if delay > 0:
                    self._cond.wait(delay)
                    continue
                heapq.heappop(self._heap)
            if not dl.done:
                dl.shut()


_WATCHDOG = _Watchdog()
_current = threading.local()  # the deadline of the exchange this thread is in


class _GuardedMixin:
    """Connects only to the guard's checked, pinned address; registers its socket with
    the exchange's deadline so the watchdog can cut a dribbling response."""

    _guard: AddressGuard

    def _new_conn(self) -> socket.socket:
        host = self._dns_host  # type: ignore[attr-defined]
        # AddressRefusedError is none of the errors urllib3 retries or wraps: it reaches
        # the Fetcher as raised.
        address = self._guard.address_for(host, self.port)  # type: ignore[attr-defined]
        self._dns_host = address  # connect to the checked address; TLS still checks `host`
        try:
            return super()._new_conn()  # type: ignore[misc]
        finally:
            self._dns_host = host

    def getresponse(self):  # type: ignore[no-untyped-def]
        dl = getattr(_current, "deadline", None)
        sock = getattr(self, "sock", None)
        if dl is not None and sock is not None:
            dl.socks.append(sock)
            remaining = dl.at - time.monotonic()
            if remaining <= 0 or dl.fired:
                dl.shut()
        return super().getresponse()  # type: ignore[misc]


def _pool_classes(guard: AddressGuard) -> dict[str, type]:
    conn = type("GuardedHTTPConnection", (_GuardedMixin, HTTPConnection), {"_guard": guard})
    sconn = type("GuardedHTTPSConnection", (_GuardedMixin, HTTPSConnection), {"_guard": guard})
    return {
        "http": type("GuardedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": conn}),
        "https": type("GuardedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": sconn}),
    }


class GuardedAdapter(HTTPAdapter):
    """An HTTPAdapter whose connections go through an AddressGuard; no urllib3 retries
    or redirects (the Fetcher does both, checking each step)."""

    __attrs__ = [*HTTPAdapter.__attrs__, "guard"]

    def __init__(self, guard: AddressGuard, **kwargs: object) -> None:
        self.guard = guard
        super().__init__(
            max_retries=Retry(0, read=False, redirect=False),  # type: ignore[arg-type]
            **kwargs,
        )

    def init_poolmanager(self, *args: object, **kwargs: object) -> None:
        super().init_poolmanager(*args, **kwargs)  # type: ignore[arg-type]
        self.poolmanager.pool_classes_by_scheme = _pool_classes(self.guard)


class _NoFollowSession(requests.Session):
    """A Session that never looks for a redirect target: even with allow_redirects=False,
    requests would read a 3xx response's whole body (to compute `Response.next`), inflating
    whatever a hostile redirect carries. The Fetcher follows redirects itself."""

    def get_redirect_target(self, resp: requests.Response) -> None:  # type: ignore[override]
        return None


def build_session(settings: Settings, guard: AddressGuard | None = None) -> requests.Session:
    """A Session that reaches only what `guard` allows, with our User-Agent, no proxies,
    no .netrc credentials and no automatic retries or redirects."""
    guard = guard or AddressGuard(settings)
    session = _NoFollowSession()
    session.trust_env = False  # no proxy or .netrc from the environment: nothing to leak
    adapter = GuardedAdapter(guard, pool_connections=4, pool_maxsize=8)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers.update(
        {
            "User-Agent": settings.user_agent,
            "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            "Accept-Language": "en, fr, es, ar",
            # Only what _Inflater bounds; a server that sends br/zstd anyway is refused.
            "Accept-Encoding": "gzip, deflate",
        }
    )
    return session


def _session_guard(session: requests.Session) -> AddressGuard | None:
    adapter = session.adapters.get("http://")
    return getattr(adapter, "guard", None)


# ---- bounded bodies -----------------------------------------------------------------------


class _TooMuch(ResponseTooLargeError):
    """Inflation passed its room; the fetcher re-raises it with the page's URL (or cuts a
    sitemap there)."""

    def __init__(self, room: int) -> None:
        super().__init__("(body)", "inflated body", room)


class _Inflater:
    """gzip/zlib/raw-deflate inflation that never produces more than it is allowed."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        # 32 + 15: gzip or zlib header, detected; raw deflate is tried if that fails.
        self._d = zlib.decompressobj(47 if encoding in ("gzip", "x-gzip") else 15)
        self._started = False

    def feed(self, data: bytes, room: int) -> bytes:
        """Inflate `data`; raises _TooMuch (a ResponseTooLargeError without a URL yet) as
        soon as more than `room` bytes would come."""
        out = bytearray()
        while data:
            try:
                piece = self._d.decompress(data, room - len(out) + 1)
            except zlib.error:
                if self._started or self.encoding in ("gzip", "x-gzip"):
                    raise
                self._d = zlib.decompressobj(-15)  # "deflate" sent as raw deflate
                self._started = True
                continue
            self._started = True
            out += piece
            if len(out) > room:
                raise _TooMuch(room)
            data = self._d.unconsumed_tail
            if self._d.eof and self._d.unused_data:  # a gzip body of several members
                data = self._d.unused_data
                self._d = zlib.decompressobj(47)
        return bytes(out)

    def flush(self, room: int) -> bytes:
        piece = self._d.flush(room + 1)
        if len(piece) > room:
            raise _TooMuch(room)
        return piece


def inflate_bounded(data: bytes, limit: int) -> tuple[bytes, bool]:
    """A gzip/zlib file (a `.xml.gz` sitemap) inflated to at most `limit` bytes:
    (bytes, cut)."""
    inflater = _Inflater("gzip")
    out = bytearray()
    for i in range(0, len(data), CHUNK):
        try:
            out += inflater.feed(data[i : i + CHUNK], limit - len(out))
        except _TooMuch:
            return bytes(out), True
    return bytes(out), False


def _content_encoding(headers: Mapping[str, str], url: str) -> str | None:
    codings = [c.strip().lower() for c in headers.get("content-encoding", "").split(",")]
    codings = [c for c in codings if c and c != "identity"]
    if not codings:
        return None
    if len(codings) > 1 or codings[0] not in ("gzip", "x-gzip", "deflate"):
        raise FetchError(
            url,
            f"unsupported Content-Encoding {','.join(codings)!r} (we ask "
            "for gzip or deflate only); dropped",
        )
    return codings[0]


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds from now: delta-seconds or an HTTP-date (RFC 9110 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


# ---- per-run shared state -----------------------------------------------------------------


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

    def wait(self, host: str) -> float:
        """Sleep until this host's next slot; returns the seconds slept."""
        interval = self._host_interval.get(host, self.interval)
        if interval <= 0:
            return 0.0
        with self._lock:
            now = self._clock()
            slot = max(now, self._next.get(host, 0.0))
            self._next[host] = slot + interval
        delay = slot - now
        if delay > 0:
            time.sleep(delay)
        return max(0.0, delay)


class HostBook:
    """Per host, for one run: paused (and why), Retry-After seconds spent, failures in a
    row. Shared by the fetchers of a run like the rate limiter."""

    def __init__(self) -> None:
        self.paused: dict[str, str] = {}
        self.retry_after_spent: dict[str, float] = {}
        self.failures: dict[str, int] = {}
        self._lock = threading.Lock()

    def __getstate__(self) -> dict:
        return {
            "paused": dict(self.paused),
            "retry_after_spent": dict(self.retry_after_spent),
            "failures": dict(self.failures),
        }

    def __setstate__(self, state: dict) -> None:
        self.__init__()  # type: ignore[misc]
        self.paused.update(state["paused"])
        self.retry_after_spent.update(state["retry_after_spent"])
        self.failures.update(state["failures"])

    def pause(self, host: str, why: str) -> None:
        with self._lock:
            self.paused.setdefault(host, why)

    def check(self, url: str, host: str) -> None:
        why = self.paused.get(host)
        if why is not None:
            raise HostPausedError(url, host, why)

    def spend_retry_after(self, host: str, seconds: float, settings: Settings) -> bool:
        """Book a Retry-After wait; False (and the host paused) when a cap says no."""
        with self._lock:
            spent = self.retry_after_spent.get(host, 0.0)
            if seconds > settings.retry_after_max:
                why = (
                    f"Retry-After {seconds:.0f} s is beyond the cap of "
                    f"{settings.retry_after_max:g} s (INGEST_RETRY_AFTER_MAX)"
                )
            elif spent + seconds > settings.retry_after_budget:
                why = (
                    f"Retry-After waits would pass {settings.retry_after_budget:g} s for "
                    "this host in this run (INGEST_RETRY_AFTER_BUDGET)"
                )
            else:
                self.retry_after_spent[host] = spent + seconds
                return True
            self.paused.setdefault(host, why)
            return False

    def failed(self, host: str, settings: Settings) -> None:
        with self._lock:
            n = self.failures.get(host, 0) + 1
            self.failures[host] = n
            if n >= settings.host_failure_limit:
                self.paused.setdefault(
                    host, f"{n} failed exchanges in a row (INGEST_HOST_FAILURE_LIMIT)"
                )

    def succeeded(self, host: str) -> None:
        if self.failures.get(host):
            with self._lock:
                self.failures[host] = 0


class FetchLog:
    """The fetch_log rows of a run, shared by its fetchers until a commit drains them."""

    def __init__(self) -> None:
        self._rows: list[dict] = []
        self._lock = threading.Lock()

    def __getstate__(self) -> dict:
        return {}  # rows travel by drain(), never twice through a pickle

    def __setstate__(self, state: dict) -> None:
        self.__init__()  # type: ignore[misc]

    def add(self, row: dict) -> None:
        with self._lock:
            self._rows.append(row)

    def extend(self, rows: Iterable[dict]) -> None:
        with self._lock:
            self._rows.extend(rows)

    def drain(self) -> list[dict]:
        with self._lock:
            rows, self._rows = self._rows, []
        return rows

    def __len__(self) -> int:
        return len(self._rows)


# ---- robots.txt ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RobotsRules:
    """robots.txt of one origin as fetched for this run."""

    state: str  # ok | none (4xx: allow all) | unavailable (5xx, 429, unreachable)
    detail: str
    parser: urllib.robotparser.RobotFileParser | None = None
    answered: bool = True  # False: no HTTP answer at all (refused, timed out, no DNS)


@dataclass
class RobotsPolicy:
    """robots.txt per origin by RFC 9309, fetched once per run through a bound Fetcher."""

    user_agent: str
    _rules: dict[str, RobotsRules] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _fetcher: Fetcher | None = None

    def __getstate__(self) -> dict:
        return {"user_agent": self.user_agent, "_rules": dict(self._rules)}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()
        self._fetcher = None

    def bind(self, fetcher: Fetcher) -> None:
        if self._fetcher is None:
            self._fetcher = fetcher

    def rules(self, url: str) -> RobotsRules:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            if origin in self._rules:
                return self._rules[origin]
            rules = self._load(origin)
            self._rules[origin] = rules
            return rules

    def _load(self, origin: str) -> RobotsRules:
        if self._fetcher is None:
            return RobotsRules("unavailable", "no fetcher to read robots.txt with")
        try:
            res = self._fetcher.get(f"{origin}/robots.txt", kind="robots")
        except GoneError as exc:
            return RobotsRules("none", f"HTTP {exc.status}: no robots.txt, all allowed")
        except RefusedRedirectError as exc:
            # The host answered, but sent us somewhere we do not go: we cannot read its
            # rules, so nothing is allowed this run (RFC 9309 lets a crawler stop there).
            return RobotsRules("unavailable", f"redirected off the newsroom ({exc.reason})")
        except FetchError as exc:
            if exc.status is not None and 400 <= exc.status < 500 and exc.status != 429:
                return RobotsRules("none", f"HTTP {exc.status}: all allowed (RFC 9309)")
            if exc.status is not None:
                return RobotsRules("unavailable", f"HTTP {exc.status}")
            return RobotsRules("unavailable", str(exc), answered=False)
        parser = urllib.robotparser.RobotFileParser()
        parser.parse(res.body.decode("utf-8", "replace").splitlines())
        cut = " (cut at the size cap)" if res.truncated else ""
        return RobotsRules("ok", f"HTTP {res.status}{cut}", parser)

    def loaded(self, urls: Iterable[str]) -> dict[str, RobotsRules]:
        """robots.txt of every origin among `urls`, fetched now if not yet: for workers."""
        for url in urls:
            self.rules(url)
        with self._lock:
            return dict(self._rules)

    def adopt(self, rules: Mapping[str, RobotsRules]) -> None:
        """Use robots.txt already fetched elsewhere (the parent of a worker)."""
        with self._lock:
            self._rules.update(rules)

    def decision(self, url: str) -> str:
        """allowed | disallowed | unavailable (raises nothing; see `check`)."""
        rules = self.rules(url)
        if rules.state == "unavailable":
            return "unavailable"
        if rules.parser is None or rules.parser.can_fetch(self.user_agent, url):
            return "allowed"
        return "disallowed"

    def check(self, url: str) -> str:
        decision = self.decision(url)
        if decision == "unavailable":
            raise RobotsUnavailableError(url, self.rules(url).detail)
        if decision == "disallowed":
            raise RobotsDisallowedError(url)
        return decision

    def allowed(self, url: str) -> bool:
        return self.decision(url) == "allowed"

    def forbids_everything(self, url: str) -> bool:
        """True when robots.txt disallows the site root and the newsroom's entry points."""
        rules = self.rules(url)
        return rules.parser is not None and not rules.parser.can_fetch(self.user_agent, url)

    def crawl_delay(self, url: str) -> float | None:
        rules = self.rules(url)
        if rules.parser is None:
            return None
        delay = rules.parser.crawl_delay(self.user_agent)
        return float(delay) if delay is not None else None

    def sitemaps(self, url: str) -> list[str]:
        rules = self.rules(url)
        return list(rules.parser.site_maps() or []) if rules.parser is not None else []


# ---- the fetcher --------------------------------------------------------------------------


@dataclass(slots=True)
class _Answer:
    status: int
    headers: dict[str, str]
    body: bytes = b""
    wire: int = 0
    truncated: bool = False
    location: str | None = None


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
        self.guard = guard or _session_guard(session) or AddressGuard(settings)
        self.robots = robots or RobotsPolicy(settings.user_agent)
        self.robots.bind(self)
        interval = 1.0 / settings.requests_per_second if settings.requests_per_second > 0 else 0
        self.limiter = limiter or RateLimiter(interval)
        self.hosts = hosts or HostBook()
        self.log = log or FetchLog()
        self._delay_checked: set[str] = set()
        self.requests_made = 0

    def __setstate__(self, state: dict) -> None:
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

    # -- logging --

    def _log(
        self,
        url: str,
        hop: str,
        kind: str,
        outcome: str,
        *,
        status: int | None = None,
        wire: int = 0,
        decoded: int = 0,
        elapsed: float = 0.0,
        wait: float = 0.0,
        robots: str = "",
        chain: Iterable[str] = (),
        attempt: int = 0,
        error: str | None = None,
        requested_at: datetime | None = None,
    ) -> None:
        self.log.add(
            {
                "requested_at": requested_at or datetime.now(UTC),
                "url": url,
                "hop_url": hop,
                "host": urlsplit(hop).netloc.lower(),
                "kind": kind,
                "attempt": attempt,
                "status": status,
                "outcome": outcome,
                "bytes": wire,
                "decoded_bytes": decoded,
                "elapsed_s": round(elapsed, 6),
                "wait_s": round(wait, 6),
                "robots": robots,
                "redirect_chain": json.dumps(list(chain)) if chain else None,
                "error": error[:500] if error else None,
            }
        )

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
            self._log(url, hop, kind, "refused_redirect", chain=chain, error=why)
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
            self._log(url, hop, kind, "refused_redirect", chain=chain, error=why)
            raise RefusedRedirectError(url, hop, why)
        parts = urlsplit(hop)
        host = parts.netloc.lower()
        try:  # the address too, before robots.txt of a new host is asked for
            self.guard.address_for(
                parts.hostname or "", parts.port or _DEFAULT_PORTS[parts.scheme.lower()]
            )
        except AddressRefusedError as exc:
            self._log(url, hop, kind, "refused_redirect", chain=chain, error=exc.reason)
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
                self._log(url, hop, kind, outcome, robots=outcome.split("_")[-1], chain=chain)
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
                self._log(url, hop, kind, "paused", robots=decision, chain=chain, error=exc.why)
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
        host = urlsplit(hop).netloc.lower()
        requested_at = datetime.now(UTC)
        t0 = time.monotonic()
        dl = _WATCHDOG.arm(s.total_timeout)
        _current.deadline = dl
        wire = 0
        log = {
            "robots": decision,
            "chain": chain,
            "attempt": attempt,
            "wait": waited,
            "requested_at": requested_at,
        }
        if kind != "robots":
            self.requests_made += 1
        try:
            try:
                resp = self.session.get(
                    hop,
                    headers=dict(headers),
                    timeout=self.timeout,
                    stream=True,
                    allow_redirects=False,
                )
            except AddressRefusedError as exc:
                self._log(
                    url,
                    hop,
                    kind,
                    "refused_redirect",
                    elapsed=time.monotonic() - t0,
                    error=exc.reason,
                    **log,
                )
                if exc.transient:
                    self.hosts.failed(host, s)
                    raise FetchError(url, f"{exc.reason}; will retry next run") from None
                raise RefusedRedirectError(url, hop, exc.reason) from None
            try:
                status = resp.status_code
                resp_headers = {k.lower(): v for k, v in resp.headers.items()}
                if status in REDIRECT_STATUSES and resp_headers.get("location"):
                    self._log(
                        url,
                        hop,
                        kind,
                        "redirect",
                        status=status,
                        elapsed=time.monotonic() - t0,
                        **log,
                    )
                    self.hosts.succeeded(host)
                    return _Answer(status, resp_headers, location=resp_headers["location"]), 0
                if status in RETRY_STATUSES and not last:
                    delay = parse_retry_after(resp_headers.get("retry-after"))
                    self._log(
                        url, hop, kind, "retry", status=status, elapsed=time.monotonic() - t0, **log
                    )
                    if delay is None:
                        return None, s.backoff_factor * (2**attempt)
                    if not self.hosts.spend_retry_after(host, delay, s):
                        raise HostPausedError(url, host, self.hosts.paused[host])
                    return None, delay
                body, wire, truncated = b"", 0, False
                if 200 <= status < 300:
                    body, wire, truncated = self._read_body(resp, url, kind, dl)
                outcome = (
                    "ok"
                    if 200 <= status < 300
                    else "not_modified"
                    if status == 304
                    else "gone"
                    if status in (404, 410)
                    else "error_status"
                )
                self._log(
                    url,
                    hop,
                    kind,
                    outcome,
                    status=status,
                    wire=wire,
                    decoded=len(body),
                    elapsed=time.monotonic() - t0,
                    **log,
                )
                if status >= 500 or status == 429:
                    self.hosts.failed(host, s)
                else:
                    self.hosts.succeeded(host)
                return _Answer(status, resp_headers, body, wire, truncated), 0
            finally:
                resp.close()
        except FetchError as exc:
            if isinstance(exc, DeadlineExceededError):
                self.hosts.failed(host, s)
            if not isinstance(exc, RefusedRedirectError | HostPausedError):
                self._log(
                    url,
                    hop,
                    kind,
                    _outcome_of(exc),
                    status=exc.status,
                    elapsed=time.monotonic() - t0,
                    error=str(exc),
                    **log,
                )
            raise
        except (
            requests.RequestException,
            OSError,
            zlib.error,
            urllib3.exceptions.HTTPError,
            http.client.HTTPException,
        ) as exc:
            elapsed = time.monotonic() - t0
            if dl.fired:
                err: FetchError = DeadlineExceededError(url, s.total_timeout, wire)
            elif isinstance(exc, zlib.error):
                err = FetchError(url, f"corrupt {kind} body encoding ({exc}); dropped")
            else:
                err = FetchError(url, f"{type(exc).__name__}: {exc}; will retry next run")
            # Connection trouble is worth another try; a read timeout or a passed deadline
            # is not (a server that stalls would cost attempts x timeout per page).
            retryable = (
                isinstance(exc, requests.ConnectionError)
                and not isinstance(exc, requests.ReadTimeout)
                and not dl.fired
                and wire == 0
            )
            self._log(
                url,
                hop,
                kind,
                "retry" if retryable and not last else _outcome_of(err),
                elapsed=elapsed,
                error=str(err),
                **log,
            )
            if retryable and not last:
                return None, s.backoff_factor * (2**attempt)
            self.hosts.failed(host, s)
            raise err from exc
        finally:
            dl.done = True
            _current.deadline = None

    def _read_body(
        self, resp: requests.Response, url: str, kind: str, dl: _Deadline
    ) -> tuple[bytes, int, bool]:
        """The body, streamed under the caps: (bytes, bytes on the wire, cut)."""
        s = self.settings
        cut_ok = kind in ("sitemap", "feed", "robots")
        decoded_cap = (
            s.max_sitemap_bytes
            if kind in ("sitemap", "feed")
            else s.robots_max_bytes
            if kind == "robots"
            else s.max_decoded_bytes
        )
        wire_cap = decoded_cap if cut_ok else s.max_body_bytes
        coding = _content_encoding(resp.headers, url)
        length = resp.headers.get("content-length", "")
        if length.isdigit() and int(length) > wire_cap and not cut_ok:
            raise ResponseTooLargeError(url, f"Content-Length {int(length):,}", wire_cap)
        inflater = _Inflater(coding) if coding else None
        out = bytearray()
        wire = 0
        try:
            for chunk in resp.raw.stream(CHUNK, decode_content=False):
                wire += len(chunk)
                if wire > wire_cap and not cut_ok:
                    raise ResponseTooLargeError(url, "body on the wire", wire_cap)
                room = decoded_cap - len(out)
                try:
                    data = inflater.feed(chunk, room) if inflater else chunk
                except _TooMuch:
                    if cut_ok:
                        return bytes(out), wire, True
                    raise ResponseTooLargeError(url, "inflated body", decoded_cap) from None
                if len(data) > room:
                    if cut_ok:
                        out += data[:room]
                        return bytes(out), wire, True
                    raise ResponseTooLargeError(url, "body", decoded_cap)
                out += data
                if cut_ok and wire > wire_cap:  # compressed, yet longer than its cap
                    return bytes(out), wire, True
                if dl.fired or time.monotonic() > dl.at:
                    raise DeadlineExceededError(url, s.total_timeout, wire)
            if inflater:
                try:
                    out += inflater.flush(decoded_cap - len(out))
                except _TooMuch:
                    if not cut_ok:
                        raise ResponseTooLargeError(url, "inflated body", decoded_cap) from None
                    return bytes(out), wire, True
        except ResponseTooLargeError:
            raise
        except DeadlineExceededError:
            raise
        except Exception as exc:
            if dl.fired:
                raise DeadlineExceededError(url, s.total_timeout, wire) from exc
            raise
        return bytes(out), wire, False


def _outcome_of(exc: FetchError) -> str:
    if isinstance(exc, DeadlineExceededError):
        return "deadline"
    if isinstance(exc, ResponseTooLargeError):
        return "too_large"
    if isinstance(exc, RefusedRedirectError):
        return "refused_redirect"
    if isinstance(exc, HostPausedError):
        return "paused"
    return "error"
