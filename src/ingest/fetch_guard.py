"""Where a request may go: the address guard, and the Session whose connections use it.

Only http(s) to the base URL's host and port (plus `Settings.allowed_hosts`). The address
check runs on the *resolved* address, inside the connection itself (`_GuardedMixin`):
link-local (169.254/16, the cloud metadata service), multicast, unspecified and reserved
addresses are always refused; loopback only when the base URL is a loopback host; private
ranges only when the base URL is a private address or `allow_private_addresses`. The first
resolution of a host is pinned for the run, so a DNS answer that changes later (rebinding)
never reaches a socket. The session ignores proxies and `.netrc` (`trust_env=False`), sends
no credentials, follows no redirects itself (the Fetcher checks every hop) and never leaves
the allowed hosts, so its cookies stay with them.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.response import HTTPResponse
from urllib3.util.retry import Retry

from ingest import fetch_deadline as deadline
from ingest.errors import AddressRefusedError
from ingest.fetch_deadline import Deadline
from ingest.settings import Settings

DEFAULT_PORTS = {"http": 80, "https": 443}
Resolver = Callable[[str, int], list[str]]


def system_resolver(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (the OS resolver: /etc/hosts, DNS)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def ip_of(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        ip = ipaddress.ip_address(text.strip("[]").split("%")[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def _is_loopback_host(host: str) -> bool:
    ip = ip_of(host)
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
        base_ip = ip_of(base_host)
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

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        state.pop("_lock")
        if state["_resolve"] is system_resolver:
            state["_resolve"] = None
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        if state.get("_resolve") is None:  # the system resolver stays behind (see above)
            self._resolve = system_resolver
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
        if scheme not in DEFAULT_PORTS:
            return f"scheme {scheme or '(none)'!r} is not http(s)"
        if parts.username is not None or parts.password is not None:
            return "the URL carries credentials"
        host = (parts.hostname or "").lower()
        if host not in self._allowed:
            kind = "IP literal" if ip_of(host) is not None else "host"
            return (
                f"{kind} {host or '(none)'} is not the newsroom (allowed: {', '.join(self.hosts)})"
            )
        effective = port or DEFAULT_PORTS[scheme]
        ports = self._allowed[host]
        allowed_ports = ports if ports is not None else set(DEFAULT_PORTS.values())
        if effective not in allowed_ports:
            return (
                f"port {effective} of {host} is not the newsroom's "
                f"({', '.join(map(str, sorted(allowed_ports)))})"
            )
        return None

    def address_refusal(self, address: str) -> str | None:
        ip = ip_of(address)
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
        literal = ip_of(host)
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


# ---- the session ---------------------------------------------------------------------


# The mixin is checked as the HTTPConnection it is mixed into; at run time it is a plain
# class, placed before HTTPConnection or HTTPSConnection in `_pool_classes`.
if TYPE_CHECKING:
    _ConnectionBase = HTTPConnection
else:
    _ConnectionBase = object


class _GuardedMixin(_ConnectionBase):
    """Connects only to the guard's checked, pinned address; registers its socket with
    the exchange's deadline so the watchdog can cut a dribbling response."""

    _guard: AddressGuard

    def _new_conn(self) -> socket.socket:
        host = self._dns_host
        # AddressRefusedError is none of the errors urllib3 retries or wraps: it reaches
        # the Fetcher as raised.
        address = self._guard.address_for(host, self.port)
        self._dns_host = address  # connect to the checked address; TLS still checks `host`
        try:
            return super()._new_conn()
        finally:
            self._dns_host = host

    # urllib3's own HTTPConnection.getresponse narrows http.client's return type the same
    # way, with the same ignore: the override is urllib3's, not ours.
    def getresponse(self) -> HTTPResponse:  # type: ignore[override]
        dl: Deadline | None = getattr(deadline.current, "deadline", None)
        sock = getattr(self, "sock", None)
        if dl is not None and sock is not None:
            dl.socks.append(sock)
            remaining = dl.at - time.monotonic()
            if remaining <= 0 or dl.fired:
                dl.shut()
        return super().getresponse()


def _pool_classes(guard: AddressGuard) -> dict[str, type[HTTPConnectionPool]]:
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

    def __init__(self, guard: AddressGuard, *, pool_connections: int, pool_maxsize: int) -> None:
        self.guard = guard
        super().__init__(
            pool_connections=pool_connections,
            pool_maxsize=pool_maxsize,
            max_retries=Retry(0, read=False, redirect=False),
        )

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any
    ) -> None:
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)
        self.poolmanager.pool_classes_by_scheme = _pool_classes(self.guard)


class _NoFollowSession(requests.Session):
    """A Session that never looks for a redirect target: even with allow_redirects=False,
    requests would read a 3xx response's whole body (to compute `Response.next`), inflating
    whatever a hostile redirect carries. The Fetcher follows redirects itself."""

    def get_redirect_target(self, resp: requests.Response) -> str | None:
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


def session_guard(session: requests.Session) -> AddressGuard | None:
    adapter = session.adapters.get("http://")
    return getattr(adapter, "guard", None)
