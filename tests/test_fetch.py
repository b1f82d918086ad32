from __future__ import annotations

import time

import pytest

from ingest.errors import FetchError, GoneError, RobotsDisallowedError
from ingest.fetch import Fetcher, RateLimiter, build_session
from ingest.settings import load_settings
from tests.httpfake import ScriptedServer

ROBOTS = (200, {}, b"User-agent: *\nDisallow: /private/\nSitemap: /sitemap.xml\n")


def fetcher_for(server: ScriptedServer, **overrides) -> Fetcher:
    settings = load_settings(
        base_url=server.base_url,
        lake="unused",
        env={},
        requests_per_second=0,
        backoff_factor=0.01,
        **overrides,
    )
    return Fetcher(build_session(settings), settings)


def test_retries_5xx_and_429_honouring_retry_after():
    routes = {
        "/robots.txt": [ROBOTS],
        "/page": [(503, {}, b""), (429, {"Retry-After": "1"}, b""), (200, {}, b"ok")],
    }
    with ScriptedServer(routes) as srv:
        t0 = time.perf_counter()
        res = fetcher_for(srv).get(srv.base_url + "/page")
        assert res.status == 200 and res.body == b"ok"
        assert time.perf_counter() - t0 >= 0.9  # waited for Retry-After
        assert srv.paths().count("/page") == 3


def test_persistent_5xx_raises_fetch_error_naming_url():
    routes = {"/robots.txt": [ROBOTS], "/down": [(500, {}, b"")]}
    with ScriptedServer(routes) as srv, pytest.raises(FetchError, match=r"/down \(HTTP 500\)"):
        fetcher_for(srv, max_retries=1).get(srv.base_url + "/down")


def test_gone_and_robots():
    with ScriptedServer({"/robots.txt": [ROBOTS], "/old": [(410, {}, b"")]}) as srv:
        f = fetcher_for(srv)
        with pytest.raises(GoneError):
            f.get(srv.base_url + "/old")
        with pytest.raises(RobotsDisallowedError):
            f.get(srv.base_url + "/private/x")
        assert "/private/x" not in srv.paths()
        assert f.robots.sitemaps(srv.base_url) == ["/sitemap.xml"]


def test_conditional_get_and_user_agent():
    def conditional(handler):
        if handler.headers.get("If-None-Match") == '"v1"':
            return 304, {"ETag": '"v1"'}, b""
        return 200, {"ETag": '"v1"', "Last-Modified": "Thu, 09 Feb 2023 10:00:00 GMT"}, b"page"

    with ScriptedServer({"/robots.txt": [ROBOTS], "/a": [(0, {}, conditional)]}) as srv:
        f = fetcher_for(srv)
        first = f.get(srv.base_url + "/a")
        assert first.status == 200 and first.etag == '"v1"'
        assert first.last_modified.startswith("Thu, 09 Feb 2023")
        second = f.get(srv.base_url + "/a", etag=first.etag)
        assert second.not_modified and second.body == b""
        headers = srv.log[-1][1]
        assert headers["User-Agent"].startswith("press-lake/")


def test_rate_limiter_spaces_requests_per_host():
    limiter = RateLimiter(0.05)
    t0 = time.perf_counter()
    for _ in range(5):
        limiter.wait("h")
    assert time.perf_counter() - t0 >= 0.19
    t1 = time.perf_counter()
    limiter.wait("other-host")
    assert time.perf_counter() - t1 < 0.04
