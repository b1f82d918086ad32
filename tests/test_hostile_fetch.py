"""The fetcher against a hostile server on 127.0.0.1: where it goes, how much it reads, how
long it waits, how polite it is, and that every exchange is logged."""

from __future__ import annotations

import contextlib
import re
import time
import tracemalloc

import pytest

from ingest.errors import (
    DeadlineExceededError,
    FetchError,
    HostPausedError,
    RefusedRedirectError,
    ResponseTooLargeError,
    RobotsDisallowedError,
    RobotsUnavailableError,
)
from ingest.fetch import AddressGuard, Fetcher, build_session, parse_retry_after
from ingest.settings import load_settings
from tests import hostile as h

_nothing = contextlib.nullcontext
ROBOTS_OK = h.page(b"User-agent: *\nAllow: /\n", {"Content-Type": "text/plain"})


def fetcher_for(srv: h.HostileServer, *, resolve=None, **overrides) -> Fetcher:
    overrides.setdefault("requests_per_second", 0)
    overrides.setdefault("backoff_factor", 0.01)
    settings = load_settings(base_url=srv.base_url, lake="unused", env={}, **overrides)
    guard = AddressGuard(settings, resolve=resolve)
    return Fetcher(build_session(settings, guard), settings, guard=guard)


@pytest.fixture()
def other():
    """A second server (another port on 127.0.0.1) that must never be asked anything."""
    with h.HostileServer({"/": h.page(b"<html>elsewhere</html>")}) as srv:
        yield srv


# ---- where we go --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "why"),
    [
        ("http://evil.example/page", "host evil.example is not the newsroom"),
        ("http://169.254.169.254/latest/meta-data/", "IP literal 169.254.169.254"),
        ("http://127.0.0.2:{port}/x", "IP literal 127.0.0.2"),
        ("file:///etc/passwd", "scheme 'file'"),
        ("ftp://127.0.0.1/x", "scheme 'ftp'"),
        ("http://user:pw@127.0.0.1:{port}/x", "credentials"),
    ],
)
def test_redirects_off_the_newsroom_are_refused_before_any_request(target, why):
    routes = {"/robots.txt": ROBOTS_OK}
    with h.HostileServer(routes) as srv:
        srv.routes["/a"] = h.redirect(target.format(port=srv.port))
        f = fetcher_for(srv)
        with pytest.raises(RefusedRedirectError, match=why) as err:
            f.get(srv.base_url + "/a")
        assert err.value.url == srv.base_url + "/a"
        assert srv.paths() == ["/robots.txt", "/a"]
        rows = f.log.drain()
        assert [r["outcome"] for r in rows if r["kind"] == "page"] == [
            "redirect",
            "refused_redirect",
        ]
        assert rows[-1]["redirect_chain"] and why.split()[0] in rows[-1]["error"]


def test_another_port_on_loopback_is_not_the_newsroom(other):
    with h.HostileServer({"/robots.txt": ROBOTS_OK}) as srv:
        srv.routes["/a"] = h.redirect(other.base_url + "/")
        with pytest.raises(RefusedRedirectError, match=f"port {other.port}"):
            fetcher_for(srv).get(srv.base_url + "/a")
    assert other.paths() == []


def test_an_allowed_name_that_resolves_to_the_metadata_address_is_refused():
    """The check is on the resolved address: a hostname pointing at 169.254.169.254 (or at
    loopback when the newsroom is not on loopback) never gets a connection."""
    resolved = []

    def dns(host: str, port: int) -> list[str]:
        resolved.append(host)
        return {"cdn.newsroom.test": ["169.254.169.254"]}.get(host, ["127.0.0.1"])

    with h.HostileServer({"/robots.txt": ROBOTS_OK}) as srv:
        srv.routes["/a"] = h.redirect(f"http://cdn.newsroom.test:{srv.port}/b")
        f = fetcher_for(srv, resolve=dns, allowed_hosts=(f"cdn.newsroom.test:{srv.port}",))
        with pytest.raises(RefusedRedirectError, match=re.escape("169.254.169.254 is link-local")):
            f.get(srv.base_url + "/a")
    assert "cdn.newsroom.test" in resolved


def test_a_public_newsroom_name_resolving_to_loopback_is_refused():
    settings = load_settings(base_url="https://www.newsroom.test", lake="unused", env={})
    guard = AddressGuard(settings, resolve=lambda host, port: ["127.0.0.1"])
    assert guard.address_refusal("127.0.0.1") == "127.0.0.1 is loopback"
    assert guard.address_refusal("10.1.2.3") == "10.1.2.3 is a private address"
    assert guard.address_refusal("::ffff:169.254.169.254").endswith(
        "link-local (cloud metadata and LAN autoconf live there)"
    )
    assert guard.address_refusal("93.184.216.34") is None
    with pytest.raises(Exception, match=re.escape("resolves to 127.0.0.1 is loopback")):
        guard.address_for("www.newsroom.test", 443)


def test_resolution_is_pinned_so_rebinding_cannot_slip_through():
    answers = iter([["127.0.0.1"], ["169.254.169.254"]])
    calls = []

    def dns(host: str, port: int) -> list[str]:
        calls.append(host)
        return next(answers)

    routes = {
        "/robots.txt": ROBOTS_OK,
        "/a": h.page(b"<html>a</html>"),
        "/b": h.page(b"<html>b</html>"),
    }
    with h.HostileServer(routes) as srv:
        f = fetcher_for(srv, resolve=dns, allowed_hosts=(f"localhost:{srv.port}",))
        base = f"http://localhost:{srv.port}"
        assert f.get(base + "/a").body == b"<html>a</html>"
        f.session.close()  # a new connection must be made: it uses the pinned address
        assert f.get(base + "/b").body == b"<html>b</html>"
    assert calls == ["localhost"]


def test_same_host_redirects_are_followed_and_logged_and_loops_are_bounded():
    routes = {
        "/robots.txt": ROBOTS_OK,
        "/old": h.redirect("/mid", 301),
        "/mid": h.redirect("/new", 308),
        "/new": h.page(b"<html>new</html>"),
        "/loop": h.redirect("/loop"),
    }
    with h.HostileServer(routes) as srv:
        f = fetcher_for(srv, max_redirects=3)
        res = f.get(srv.base_url + "/old")
        assert res.body == b"<html>new</html>" and res.final_url == srv.base_url + "/new"
        assert res.redirects == (srv.base_url + "/mid", srv.base_url + "/new")
        with pytest.raises(RefusedRedirectError, match="more than 3 redirects"):
            f.get(srv.base_url + "/loop")
        assert srv.paths().count("/loop") == 4


def test_a_redirect_body_is_never_read():
    """requests reads a 3xx body whole even with allow_redirects=False; a gzip bomb in a
    redirect must cost nothing."""

    def bomb_redirect(handler):
        data = h.gzip_bomb(256 * 1024 * 1024)
        handler.head(302, {"Location": "/b", "Content-Encoding": "gzip"}, len(data))
        handler.wfile.write(data)

    routes = {"/robots.txt": ROBOTS_OK, "/a": bomb_redirect, "/b": h.page(b"<html>b</html>")}
    with h.HostileServer(routes) as srv:
        f = fetcher_for(srv)
        tracemalloc.start()
        try:
            assert f.get(srv.base_url + "/a").body == b"<html>b</html>"
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert peak < 16 * 1024 * 1024


def test_cookies_and_validators_do_not_follow_a_redirect_to_another_host():
    with h.HostileServer({"/robots.txt": ROBOTS_OK, "/x": h.page(b"<html>x</html>")}) as b:
        with h.HostileServer({"/robots.txt": ROBOTS_OK}) as a:
            a.routes["/a"] = h.redirect(
                f"http://localhost:{b.port}/x", headers={"Set-Cookie": "session=secret; Path=/"}
            )
            f = fetcher_for(a, allowed_hosts=(f"localhost:{b.port}",))
            assert f.get(a.base_url + "/a", etag='"v1"').body == b"<html>x</html>"
        sent = dict(b.log[-1][1])
    assert "Cookie" not in sent and "If-None-Match" not in sent
    assert "Authorization" not in sent and "Proxy-Authorization" not in sent


# ---- how much we read ---------------------------------------------------------------------


def test_a_gzip_bomb_is_refused_at_the_cap_never_inflated_past_it():
    cap = 2 * 1024 * 1024
    routes = {"/robots.txt": ROBOTS_OK, "/bomb": h.bomb(64 * 1024 * 1024)}
    with h.HostileServer(routes) as srv:
        f = fetcher_for(srv, max_decoded_bytes=cap)
        tracemalloc.start()
        try:
            with pytest.raises(ResponseTooLargeError, match="inflated body passed the cap"):
                f.get(srv.base_url + "/bomb")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert peak < 4 * cap  # the body under way, never the 64 MB it would inflate to


def test_the_default_caps_hold_against_the_real_gzip_bomb():
    """1 MB of gzip that inflates to 1 GiB, streamed by the server, with default Settings."""
    data = h.gzip_bomb()
    assert len(data) < 1_200_000
    routes = {"/robots.txt": ROBOTS_OK, "/bomb": h.bomb()}
    with h.HostileServer(routes) as srv:
        f = fetcher_for(srv, requests_per_second=0.0)
        defaults = load_settings(env={})
        assert f.settings.max_decoded_bytes == defaults.max_decoded_bytes
        t0 = time.perf_counter()
        tracemalloc.start()
        try:
            with pytest.raises(ResponseTooLargeError, match=f"{defaults.max_decoded_bytes:,}"):
                f.get(srv.base_url + "/bomb")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        elapsed = time.perf_counter() - t0
    assert peak < 3 * defaults.max_decoded_bytes  # far from the 1 GiB it holds
    assert elapsed < 30
    row = [r for r in f.log.drain() if r["kind"] == "page"][-1]
    assert row["outcome"] == "too_large" and row["status"] is None


@pytest.mark.parametrize("declare_length", [True, False])
def test_a_huge_body_is_refused_on_the_wire(declare_length):
    routes = {
        "/robots.txt": ROBOTS_OK,
        "/huge": h.huge(300 * 1024 * 1024, declare_length=declare_length),
    }
    with h.HostileServer(routes) as srv:
        f = fetcher_for(srv, max_body_bytes=1024 * 1024)
        t0 = time.perf_counter()
        with pytest.raises(
            ResponseTooLargeError, match="Content-Length" if declare_length else "on the wire"
        ):
            f.get(srv.base_url + "/huge")
        assert time.perf_counter() - t0 < 10


def test_content_encodings_we_did_not_ask_for_are_refused():
    routes = {
        "/robots.txt": ROBOTS_OK,
        "/br": h.page(b"\x0b\x02\x80hello\x03", {**h.HTML, "Content-Encoding": "br"}),
        "/bad": h.page(b"not gzip at all", {**h.HTML, "Content-Encoding": "gzip"}),
    }
    with h.HostileServer(routes) as srv:
        f = fetcher_for(srv)
        with pytest.raises(FetchError, match="unsupported Content-Encoding 'br'"):
            f.get(srv.base_url + "/br")
        with pytest.raises(FetchError, match="corrupt page body encoding"):
            f.get(srv.base_url + "/bad")


def test_sitemaps_are_cut_at_their_cap_not_refused():
    body = b"<urlset>" + b"<url><loc>http://x/a</loc></url>" * 10000 + b"</urlset>"
    with h.HostileServer({"/robots.txt": ROBOTS_OK, "/s.xml": h.page(body)}) as srv:
        res = fetcher_for(srv, max_sitemap_bytes=4096).get(srv.base_url + "/s.xml", kind="sitemap")
    assert res.truncated and len(res.body) == 4096


# ---- how long we wait ---------------------------------------------------------------------


@pytest.mark.parametrize("in_headers", [False, True])
def test_a_dribbling_server_fails_the_page_at_the_total_deadline(in_headers):
    routes = {"/robots.txt": ROBOTS_OK, "/slow": h.dribble(0.2, in_headers=in_headers)}
    with h.HostileServer(routes) as srv:
        f = fetcher_for(srv, total_timeout=1.5, read_timeout=1.0)
        t0 = time.perf_counter()
        with pytest.raises(DeadlineExceededError, match=re.escape("total deadline of 1.5 s")):
            f.get(srv.base_url + "/slow")
        elapsed = time.perf_counter() - t0
        assert 1.4 < elapsed < 4.0  # a per-read timeout alone would never fire
        assert srv.paths().count("/slow") == 1  # a passed deadline is not retried
        row = [r for r in f.log.drain() if r["kind"] == "page"][-1]
        assert row["outcome"] == "deadline"


def test_a_server_that_never_answers_costs_one_read_timeout():
    with h.HostileServer({"/robots.txt": ROBOTS_OK, "/mute": h.silent}) as srv:
        f = fetcher_for(srv, read_timeout=0.5, total_timeout=5)
        t0 = time.perf_counter()
        with pytest.raises(FetchError, match="ReadTimeout"):
            f.get(srv.base_url + "/mute")
        assert time.perf_counter() - t0 < 2.5
        assert srv.paths().count("/mute") == 1


def test_repeated_failures_pause_the_host_for_the_run():
    with h.HostileServer({"/robots.txt": ROBOTS_OK, "/mute": h.silent}) as srv:
        f = fetcher_for(srv, read_timeout=0.2, host_failure_limit=2)
        for _ in range(2):
            with pytest.raises(FetchError):
                f.get(srv.base_url + "/mute")
        t0 = time.perf_counter()
        with pytest.raises(HostPausedError, match="2 failed exchanges in a row"):
            f.get(srv.base_url + "/other")
        assert time.perf_counter() - t0 < 0.1
        assert "/other" not in srv.paths()


# ---- politeness ---------------------------------------------------------------------------


def test_retry_after_beyond_the_cap_pauses_the_host_not_one_page_at_a_time():
    routes = {
        "/robots.txt": ROBOTS_OK,
        "/a": h.retry_after("86400"),
        "/b": h.page(b"<html>b</html>"),
    }
    with h.HostileServer(routes) as srv:
        f = fetcher_for(srv)
        t0 = time.perf_counter()
        with pytest.raises(HostPausedError, match="Retry-After 86400 s is beyond the cap"):
            f.get(srv.base_url + "/a")
        with pytest.raises(HostPausedError):
            f.get(srv.base_url + "/b")
        assert time.perf_counter() - t0 < 1
        assert srv.paths() == ["/robots.txt", "/a"]


def test_retry_after_as_an_http_date_is_honoured():
    routes = {"/robots.txt": ROBOTS_OK, "/a": h.retry_after_date(1.5, h.page(b"<html>ok</html>"))}
    with h.HostileServer(routes) as srv:
        f = fetcher_for(srv)
        t0 = time.perf_counter()
        assert f.get(srv.base_url + "/a").body == b"<html>ok</html>"
        assert time.perf_counter() - t0 >= 0.4  # the date has one-second resolution
        waits = [r["wait_s"] for r in f.log.drain() if r["kind"] == "page"]
        assert waits[0] == 0 and waits[1] > 0.3


def test_retry_after_waits_have_a_budget_per_host_per_run():
    routes = {"/robots.txt": ROBOTS_OK, "/a": h.retry_after("1", 503)}
    with h.HostileServer(routes) as srv:
        f = fetcher_for(srv, retry_after_budget=1.5, max_retries=5)
        with pytest.raises(HostPausedError, match=re.escape("would pass 1.5 s")):
            f.get(srv.base_url + "/a")
        assert srv.paths().count("/a") == 2


def test_parse_retry_after():
    assert parse_retry_after("120") == 120
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


@pytest.mark.parametrize(
    ("robots", "decision"),
    [
        (h.respond(503, b""), "unavailable"),
        (h.respond(429, b""), "unavailable"),
        (h.silent, "unavailable"),
        (h.respond(404, b""), "allowed"),
        (h.respond(403, b""), "allowed"),
        (h.respond(401, b""), "allowed"),
        (h.page(b"User-agent: *\nDisallow: /\n"), "disallowed"),
        (h.redirect("http://evil.example/robots.txt"), "unavailable"),
    ],
)
def test_robots_txt_by_rfc_9309(robots, decision):
    with h.HostileServer({"/robots.txt": robots, "/a": h.page(b"<html>a</html>")}) as srv:
        f = fetcher_for(srv, read_timeout=0.5)
        expected = {"unavailable": RobotsUnavailableError, "disallowed": RobotsDisallowedError}.get(
            decision
        )
        if expected is None:
            assert f.get(srv.base_url + "/a").body == b"<html>a</html>"
        else:
            with pytest.raises(expected):
                f.get(srv.base_url + "/a")
            assert "/a" not in srv.paths()
        assert f.robots.decision(srv.base_url + "/a") == decision
        asked = srv.paths().count("/robots.txt")
        assert 1 <= asked <= f.settings.max_retries + 1  # 5xx and 429 are retried
        with pytest.raises(FetchError) if expected else _nothing():
            f.get(srv.base_url + "/a")
        assert srv.paths().count("/robots.txt") == asked  # once per run


def test_crawl_delay_is_honoured_up_to_its_cap():
    slow = h.page(b"User-agent: *\nCrawl-delay: 1\n")
    with h.HostileServer({"/robots.txt": slow, "/a": h.page(b"<html>a</html>")}) as srv:
        f = fetcher_for(srv, requests_per_second=100)
        t0 = time.perf_counter()
        for _ in range(3):
            f.get(srv.base_url + "/a")
        assert time.perf_counter() - t0 >= 1.9
    rude = h.page(b"User-agent: *\nCrawl-delay: 100000\n")
    with h.HostileServer({"/robots.txt": rude, "/a": h.page(b"<html>a</html>")}) as srv:
        f = fetcher_for(srv, requests_per_second=100, crawl_delay_max=30)
        with pytest.raises(HostPausedError, match="Crawl-delay 100000 s is beyond the cap"):
            f.get(srv.base_url + "/a")
        assert "/a" not in srv.paths()


def test_every_exchange_is_a_log_row():
    def conditional(handler):
        if handler.headers.get("If-None-Match") == '"v1"':
            return h.respond(304, b"", {"ETag": '"v1"'})(handler)
        return h.page(b"<html>a</html>", {**h.HTML, "ETag": '"v1"'})(handler)

    routes = {
        "/robots.txt": ROBOTS_OK,
        "/a": conditional,
        "/old": h.redirect("/a"),
        "/busy": h.sequence(h.respond(503), h.page(b"<html>ok</html>")),
    }
    with h.HostileServer(routes) as srv:
        f = fetcher_for(srv)
        f.get(srv.base_url + "/old")
        f.get(srv.base_url + "/a", etag='"v1"')
        f.get(srv.base_url + "/busy")
        rows = f.log.drain()
    outcomes = [
        (r["kind"], r["hop_url"].rsplit("/", 1)[-1], r["status"], r["outcome"]) for r in rows
    ]
    assert outcomes == [
        ("robots", "robots.txt", 200, "ok"),
        ("page", "old", 302, "redirect"),
        ("page", "a", 200, "ok"),
        ("page", "a", 304, "not_modified"),
        ("page", "busy", 503, "retry"),
        ("page", "busy", 200, "ok"),
    ]
    assert all(r["robots"] == "allowed" for r in rows if r["kind"] == "page")
    assert rows[2]["redirect_chain"] == f'["{srv.base_url}/a"]' and rows[2]["bytes"] == 14


def test_an_entity_bomb_sitemap_costs_nothing():
    from ingest.discover import parse_sitemap

    ents = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    bomb = (
        f'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY l0 "lol">{ents}]>'
        "<urlset><url><loc>&l9;</loc></url></urlset>"
    ).encode()
    t0 = time.perf_counter()
    sitemap = parse_sitemap(bomb)
    assert time.perf_counter() - t0 < 2 and sitemap.entries == () and sitemap.broken
