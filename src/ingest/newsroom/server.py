"""Serve a NewsroomSite over real HTTP on 127.0.0.1, with a request log for tests."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

from .site import NewsroomSite


class _Handler(BaseHTTPRequestHandler):
    server_version = "NewsroomFixture/1.0"
    protocol_version = "HTTP/1.1"  # keep-alive, so a requests.Session reuses connections
    # Headers and body go out in separate writes; without TCP_NODELAY the client's delayed ACK
    # stalls every keep-alive response by ~40 ms.
    disable_nagle_algorithm = True
    owner: NewsroomServer

    def _serve(self, with_body: bool) -> None:
        headers = {k: v for k, v in self.headers.items()}
        host = self.headers.get("Host") or self.owner.host_port
        resp = self.owner.site.respond(self.command, self.path, headers, host=host)
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


class NewsroomServer:
    """ThreadingHTTPServer in a daemon thread; context manager; stops itself after max_seconds."""

    def __init__(self, site: NewsroomSite, host: str = "127.0.0.1", port: int = 0,
                 max_seconds: float | None = 600) -> None:
        if host not in ("127.0.0.1", "localhost"):
            raise ValueError("the fixture newsroom only listens on 127.0.0.1")
        self.site = site
        handler = type("Handler", (_Handler,), {"owner": self})
        self._httpd = ThreadingHTTPServer((host, port), handler)
        self._httpd.daemon_threads = True
        h, p = self._httpd.server_address[:2]
        self.host_port = f"{h}:{p}"
        self.base_url = f"http://{h}:{p}"
        self._log_lock = threading.Lock()
        self._requests: list[tuple[str, str, int, dict[str, str]]] = []
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.1}, daemon=True,
                                        name=f"newsroom-{p}")
        self._thread.start()
        self._timer: threading.Timer | None = None
        if max_seconds is not None and max_seconds > 0:
            self._timer = threading.Timer(max_seconds, self.stop)
            self._timer.daemon = True
            self._timer.start()

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

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the server stopped (by stop() or max_seconds); True if it did."""
        return self._stopped.wait(timeout)

    def __enter__(self) -> NewsroomServer:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
