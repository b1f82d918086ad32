"""A hostile newsroom on 127.0.0.1: an http.server whose routes misbehave on purpose.

Each route is a behaviour that writes the whole answer itself, so a test can send what real
servers get wrong: redirects to other hosts and to the cloud metadata address, a gzip bomb
(1 MB on the wire, 1 GB inflated), a body of hundreds of megabytes, one byte a second
(in the headers or the body), no answer at all, Retry-After in seconds or as a date,
robots.txt answering 5xx or forbidding everything, sitemaps of a million URLs, endless
sitemap index chains, lying charsets.

The server runs in a thread of the test process (`HostileServer`, a context manager), or as
its own process for measurements (`python -m tests.hostile --port 0 --max-seconds 600`,
which prints its base URL and stops by itself). Either way it binds 127.0.0.1 only, stops
when its owner stops it, and stops by itself after `max_seconds`; streaming behaviours end
as soon as it stops.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import sys
import threading
import zlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Behaviour = Callable[["Handler"], None]

HTML = {"Content-Type": "text/html; charset=utf-8"}
GIB = 1 << 30


def article_html(
    i: int,
    *,
    year: int = 2023,
    dateline: str = "LYON, France",
    subtitle: str | None = "Police in many countries worked together",
    extra: str = "",
) -> bytes:
    """A plain release page our extraction reads (title, date, dateline, body)."""
    sub = f'<p class="standfirst"><strong>{subtitle}</strong></p>' if subtitle else ""
    lead = f"{dateline} – " if dateline else ""
    return (
        f'<html lang="en"><head><meta charset="utf-8"><title>Operation Sandstorm {i}'
        f"</title></head><body><article><h1>Operation Sandstorm {i} leads to 40 arrests"
        f'</h1><time datetime="{year}-05-{1 + i % 28:02d}">4 May {year}</time>{sub}'
        f"<p>{lead}Police in {i + 3} countries arrested 40 suspects in an operation "
        "against drug trafficking networks.</p><p>The operation ran in three regions "
        "over a month and seized 2 tonnes of cocaine.</p>"
        f"{extra}</article></body></html>"
    ).encode()


@functools.lru_cache(maxsize=2)
def gzip_bomb(inflated: int = GIB) -> bytes:
    """gzip bytes that inflate to `inflated` zero bytes (1 GiB -> about 1 MB)."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(1 << 20)
    parts = [comp.compress(block) for _ in range(inflated >> 20)]
    parts.append(comp.flush())
    return b"".join(parts)


class Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.server.owner.record(self)
        path = self.path.split("?")[0]
        behaviour = self.server.owner.routes.get(path)
        if behaviour is None:
            behaviour = respond(404, b"not found")
        # The client hanging up on us is the point of most behaviours.
        with contextlib.suppress(OSError):
            behaviour(self)

    def log_message(self, *args: object) -> None:
        pass

    @property
    def stopping(self) -> threading.Event:
        return self.server.owner.stopping

    def head(self, status: int, headers: dict[str, str], length: int | None = None) -> None:
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        if length is not None:
            self.send_header("Content-Length", str(length))
        self.end_headers()

    def stream(self, chunks: Iterator[bytes]) -> None:
        """A chunked body from `chunks`, ending early when the server stops."""
        for chunk in chunks:
            if self.stopping.is_set():
                return
            if chunk:
                self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        self.wfile.write(b"0\r\n\r\n")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    owner: HostileServer

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients hanging up mid-answer is what these tests do


# ---- behaviours ---------------------------------------------------------------------------


def respond(status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> Behaviour:
    def go(h: Handler) -> None:
        h.head(status, headers if headers is not None else HTML, len(body))
        h.wfile.write(body)

    return go


def page(body: bytes, headers: dict[str, str] | None = None) -> Behaviour:
    return respond(200, body, headers)


def redirect(location: str, status: int = 302, headers: dict[str, str] | None = None) -> Behaviour:
    return respond(status, b"", {"Location": location, **(headers or {})})


def bomb(inflated: int = GIB) -> Behaviour:
    """A gzip bomb: Content-Encoding gzip, about 1 MB that inflates to `inflated` bytes."""

    def go(h: Handler) -> None:
        data = gzip_bomb(inflated)
        h.head(200, {**HTML, "Content-Encoding": "gzip"}, len(data))
        for i in range(0, len(data), 1 << 16):
            if h.stopping.is_set():
                return
            h.wfile.write(data[i : i + (1 << 16)])

    return go


def huge(size: int, *, declare_length: bool = True) -> Behaviour:
    """`size` bytes of HTML, generated as it is sent (never held whole)."""
    filler = b"<p>" + b"x" * 65530 + b"</p>"

    def chunks() -> Iterator[bytes]:
        sent = 0
        yield b"<html><body>"
        while sent < size:
            piece = filler[: size - sent]
            sent += len(piece)
            yield piece

    def go(h: Handler) -> None:
        if declare_length:
            h.head(200, HTML, size + 12)
            for c in chunks():
                if h.stopping.is_set():
                    return
                h.wfile.write(c)
        else:
            h.head(200, {**HTML, "Transfer-Encoding": "chunked"})
            h.stream(chunks())

    return go


def dribble(interval: float = 1.0, *, in_headers: bool = False) -> Behaviour:
    """One byte every `interval` seconds, in the body (after honest headers) or already in
    the headers; never finishes until the client gives up or the server stops."""

    def go(h: Handler) -> None:
        if in_headers:
            data = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Slow: " + b"a" * 10**6
        else:
            data = article_html(0) * 20  # an honest length: only the pace is hostile
            h.head(200, HTML, len(data))
        for i in range(len(data)):
            if h.stopping.wait(interval):
                return
            h.wfile.write(data[i : i + 1])
            h.wfile.flush()

    return go


def silent(h: Handler) -> None:
    """Reads the request, then never answers."""
    h.stopping.wait()


def retry_after(value: str, status: int = 429) -> Behaviour:
    return respond(status, b"slow down", {"Retry-After": value, **HTML})


def retry_after_date(seconds: float, then: Behaviour, status: int = 503) -> Behaviour:
    """Retry-After as an HTTP-date `seconds` from now, once; then `then`."""
    served = threading.Event()

    def go(h: Handler) -> None:
        if served.is_set():
            then(h)
            return
        served.set()
        when = datetime.now(UTC) + timedelta(seconds=seconds)
        respond(status, b"", {"Retry-After": format_datetime(when, usegmt=True)})(h)

    return go


def sequence(*behaviours: Behaviour) -> Behaviour:
    """The first request gets the first behaviour, and so on; the last one repeats."""
    lock = threading.Lock()
    queue = list(behaviours)

    def go(h: Handler) -> None:
        with lock:
            b = queue.pop(0) if len(queue) > 1 else queue[0]
        b(h)

    return go


def sitemap_flood(
    base: Callable[[], str], n: int, path: str = "/en/News-and-Events/News/2023/"
) -> Behaviour:
    """A sitemap of `n` URLs, generated while it streams (chunked)."""

    def chunks() -> Iterator[bytes]:
        yield (
            b'<?xml version="1.0" encoding="UTF-8"?>\n'
            b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        )
        root = base()
        for start in range(0, n, 1000):
            yield "".join(
                f"<url><loc>{root}{path}flood-{i}</loc></url>\n"
                for i in range(start, min(n, start + 1000))
            ).encode()
        yield b"</urlset>\n"

    def go(h: Handler) -> None:
        h.head(200, {"Content-Type": "application/xml", "Transfer-Encoding": "chunked"})
        h.stream(chunks())

    return go


def sitemap(base: Callable[[], str], paths: list[str], *, index: bool = False) -> Behaviour:
    def go(h: Handler) -> None:
        tag, item = ("sitemapindex", "sitemap") if index else ("urlset", "url")
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?><{tag} xmlns="http://www.sitemaps.org/'
            f'schemas/sitemap/0.9">'
            + "".join(f"<{item}><loc>{base()}{p}</loc></{item}>" for p in paths)
            + f"</{tag}>"
        ).encode()
        respond(200, body, {"Content-Type": "application/xml"})(h)

    return go


class IndexChain:
    """/chain/<k>.xml is a sitemap index naming /chain/<k+1>.xml and /chain/<k+1>b.xml:
    an endless, branching chain (a route for every path under /chain/)."""

    def __init__(self, base: Callable[[], str]) -> None:
        self.base = base

    def __call__(self, h: Handler) -> None:
        k = h.path.rsplit("/", 1)[-1].split(".")[0].rstrip("b")
        nxt = int(k) + 1
        sitemap(self.base, [f"/chain/{nxt}.xml", f"/chain/{nxt}b.xml"], index=True)(h)


# ---- the server ---------------------------------------------------------------------------


class HostileServer:
    """The hostile newsroom. `routes` maps paths to behaviours; `prefix_routes` map path
    prefixes (e.g. "/chain/") to one behaviour. Every request is logged: (path, headers)."""

    def __init__(
        self,
        routes: dict[str, Behaviour] | None = None,
        *,
        prefix_routes: dict[str, Behaviour] | None = None,
        host: str = "127.0.0.1",
        max_seconds: float = 300.0,
    ) -> None:
        self.routes: dict[str, Behaviour] = dict(routes or {})
        self.prefix_routes = dict(prefix_routes or {})
        self.log: list[tuple[str, dict[str, str]]] = []
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self.httpd = _Server((host, 0), Handler)
        self.httpd.owner = self
        self.port = self.httpd.server_address[1]
        self.base_url = f"http://{host}:{self.port}"
        self.max_seconds = max_seconds
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, daemon=True, name=f"hostile-{self.port}"
        )
        self._timer = threading.Timer(max_seconds, self.stop)
        self._timer.daemon = True

    def record(self, h: Handler) -> None:
        with self._lock:
            self.log.append((h.path, dict(h.headers)))
        for prefix, behaviour in self.prefix_routes.items():
            if h.path.startswith(prefix) and h.path.split("?")[0] not in self.routes:
                self.routes[h.path.split("?")[0]] = behaviour

    def paths(self) -> list[str]:
        with self._lock:
            return [p for p, _ in self.log]

    def start(self) -> HostileServer:
        self._thread.start()
        self._timer.start()
        return self

    def stop(self) -> None:
        if self.stopping.is_set():
            return
        self.stopping.set()
        self._timer.cancel()
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> HostileServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then closed)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def site_routes(
    base: Callable[[], str], n: int, *, robots: Behaviour | None = None, year: int = 2023
) -> dict[str, Behaviour]:
    """A small newsroom: robots.txt, one sitemap, `n` release pages (a-0 ... a-<n-1>)."""
    paths = [f"/en/News-and-Events/News/{year}/a-{i}" for i in range(n)]
    routes: dict[str, Behaviour] = {
        "/robots.txt": robots or page(b"User-agent: *\nAllow: /\n", {"Content-Type": "text/plain"}),
        "/sitemap.xml": sitemap(base, paths),
    }
    for i, p in enumerate(paths):
        routes[p] = page(article_html(i, year=year))
    return routes


# ---- as a process (measurements) ----------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Serve a hostile newsroom for `bench/hostile.py`: prints the base URL, then serves
    until stopped (by the pid its starter holds) or until --max-seconds."""
    ap = argparse.ArgumentParser(prog="python -m tests.hostile")
    ap.add_argument("--max-seconds", type=float, default=600)
    ap.add_argument("--pages", type=int, default=100)
    ap.add_argument("--flood", type=int, default=1_000_000)
    args = ap.parse_args(argv)
    server: HostileServer | None = None

    def base() -> str:
        assert server is not None
        return server.base_url

    routes = site_routes(base, args.pages)
    routes.update(
        {
            "/en/News-and-Events/News/2023/bomb": bomb(),
            "/en/News-and-Events/News/2023/huge": huge(300 * 1024 * 1024),
            "/en/News-and-Events/News/2023/huge-chunked": huge(
                300 * 1024 * 1024, declare_length=False
            ),
            "/en/News-and-Events/News/2023/dribble": dribble(1.0),
            "/flood.xml": sitemap_flood(base, args.flood),
        }
    )
    server = HostileServer(routes, max_seconds=args.max_seconds)
    gzip_bomb()  # compressed before serving: the first request must not wait for it
    with server:
        print(server.base_url, flush=True)
        while not server.stopping.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
