"""Serve a fixture newsroom site over real HTTP on 127.0.0.1, with a request log for tests.

Any object with `respond(method, target, headers, host) -> Response` and
`is_article_path(path) -> bool` is a site: the INTERPOL-like one (`newsrooms.interpol`) and
the WordPress-like one (`newsrooms.wordpress`) share this server.
"""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
import traceback
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Protocol


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


class Site(Protocol):
    def respond(
        self, method: str, target: str, headers: dict[str, str], host: str = "127.0.0.1"
    ) -> Response: ...

    def is_article_path(self, path: str) -> bool: ...


class _Handler(BaseHTTPRequestHandler):
    server_version = "NewsroomFixture/1.0"
    protocol_version = "HTTP/1.1"  # keep-alive, so a requests.Session reuses connections
    # Headers and body go out in separate writes; without TCP_NODELAY the client's delayed ACK
    # stalls every keep-alive response by ~40 ms.
    disable_nagle_algorithm = True
    timeout = 60  # idle keep-alive connections must not pin handler threads forever
    owner: NewsroomServer

    def setup(self) -> None:
        super().setup()
        self.owner._track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.owner._track(self.connection, False)

    def _serve(self, with_body: bool) -> None:
        headers = {k: v for k, v in self.headers.items()}
        host = self.headers.get("Host") or self.owner.host_port
        try:
            resp = self.owner.site.respond(self.command, self.path, headers, host=host)
        except Exception:
            # A fixture bug must surface in tests, not as a hung client: answer 500, keep it.
            self.owner.errors.append(traceback.format_exc())
            resp = Response(500, {"Content-Type": "text/plain; charset=utf-8"}, b"fixture error\n")
        self.owner._log(self.command, self.path, resp.status, headers)
        self.send_response(resp.status)
        for k, v in resp.headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(resp.body)))
        self.end_headers()
        if with_body and resp.body:
            self.wfile.write(resp.body)

    def do_GET(self) -> None:
        self._serve(True)

    def do_HEAD(self) -> None:
        self._serve(False)

    def log_message(self, format: str, *args: object) -> None:
        # Quiet on purpose: the request log lives in NewsroomServer.requests.
        pass


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        # Clients hanging up mid-response (benchmarks, timeouts) are normal here.
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError, OSError)):
            return
        super().handle_error(request, client_address)


class NewsroomServer:
    """ThreadingHTTPServer in a daemon thread; context manager; stops itself after max_seconds."""

    def __init__(
        self, site: Site, host: str = "127.0.0.1", port: int = 0, max_seconds: float | None = 600
    ) -> None:
        if host not in ("127.0.0.1", "localhost"):
            raise ValueError("the fixture newsroom only listens on 127.0.0.1")
        self.site = site
        handler = type("Handler", (_Handler,), {"owner": self})
        self._httpd = _QuietServer((host, port), handler)
        self.errors: list[str] = []
        self._conns: set[socket.socket] = set()
        self._conns_lock = threading.Lock()
        h, p = self._httpd.server_address[:2]
        self.host_port = f"{h}:{p}"
        self.base_url = f"http://{h}:{p}"
        self._log_lock = threading.Lock()
        self._requests: list[tuple[str, str, int, dict[str, str]]] = []
        self._stopped = threading.Event()
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            daemon=True,
            name=f"newsroom-{p}",
        )
        self._thread.start()
        self._timer: threading.Timer | None = None
        if max_seconds is not None and max_seconds > 0:
            self._timer = threading.Timer(max_seconds, self.stop)
            self._timer.daemon = True
            self._timer.start()

    def _track(self, conn: socket.socket, opened: bool) -> None:
        with self._conns_lock:
            if opened:
                self._conns.add(conn)
            else:
                self._conns.discard(conn)

    def _log(self, method: str, path: str, status: int, headers: dict[str, str]) -> None:
        with self._log_lock:
            self._requests.append((method, path, status, headers))

    @property
    def requests(self) -> list[tuple[str, str, int, dict[str, str]]]:
        """(method, path_with_query, status, request_headers), oldest first (a copy)."""
        with self._log_lock:
            return list(self._requests)

    def clear_log(self) -> None:
        with self._log_lock:
            self._requests.clear()

    def article_requests(self) -> list[tuple[str, str, int, dict[str, str]]]:
        return [r for r in self.requests if self.site.is_article_path(r[1])]

    @property
    def running(self) -> bool:
        return not self._stopped.is_set()

    def stop(self) -> None:
        if self._stopped.is_set():
            return
        self._stopped.set()
        if self._timer is not None:
            self._timer.cancel()
        self._httpd.shutdown()
        self._httpd.server_close()
        # Keep-alive connections outlive serve_forever(); cut them so a stopped server is silent.
        with self._conns_lock:
            conns = list(self._conns)
        for c in conns:
            with contextlib.suppress(OSError):
                c.shutdown(socket.SHUT_RDWR)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the server stopped (by stop() or max_seconds); True if it did."""
        return self._stopped.wait(timeout)

    def __enter__(self) -> NewsroomServer:
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
