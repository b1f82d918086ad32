"""A scripted HTTP server on 127.0.0.1 for fetch tests: each path answers from a queue of
responses (status, headers, body), the last one repeating. Stopped by the test that started it."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class ScriptedServer:
    def __init__(self, routes: dict[str, list[tuple[int, dict[str, str], bytes]]]) -> None:
        self.routes = {k: list(v) for k, v in routes.items()}
        self.log: list[tuple[str, dict[str, str]]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.log.append((self.path, dict(self.headers)))
                queue = outer.routes.get(self.path.split("?")[0])
                if not queue:
                    status, headers, body = 404, {}, b"not found"
                else:
                    status, headers, body = queue.pop(0) if len(queue) > 1 else queue[0]
                    if callable(body):
                        status, headers, body = body(self)
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> ScriptedServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def paths(self) -> list[str]:
        return [p for p, _ in self.log]
