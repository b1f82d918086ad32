"""The fetch state (tables `pages` and `sitemaps`) stays honest across runs: a language
subset does not corrupt what later full runs rely on, failed fetches are visible in the
views, and the state itself can be queried."""

from __future__ import annotations

import socket

import pytest

from ingest import runner
from ingest.settings import load_settings
from ingest.views import connect
from newsrooms.interpol import NewsroomServer, NewsroomSite
from tests.httpfake import ScriptedServer

pytestmark = pytest.mark.integration  # real HTTP servers on 127.0.0.1


def _rows(lake, sql: str) -> list[tuple]:
    con = connect(lake)
    try:
        return con.sql(sql).fetchall()
    finally:
        con.close()


def test_a_language_subset_run_leaves_later_full_runs_incremental(tmp_path):
    site = NewsroomSite()
    with NewsroomServer(site, max_seconds=300) as server:

        def settings(languages: str | None):
            return load_settings(
                base_url=server.base_url, lake=tmp_path, env={}, languages=languages
            )

        first = runner.run(settings("en,ar"), "daily", "daily")
        assert first["new"] > 0
        full = runner.run(settings(None), "daily", "daily")
        assert full["new"] > 0  # the French and Spanish releases arrive
        server.clear_log()
        again = runner.run(settings(None), "daily", "daily")
        refetched = [path for _, path, _, _ in server.article_requests()]
    assert refetched == [], f"a full run after a full run re-fetched {refetched}"
    assert again["fetched"] == 0
    # Every page the sitemaps list has its lastmod in the state, in every language.
    missing = _rows(
        tmp_path,
        "SELECT language, count(*) FROM pages WHERE status = 'ok' "
        "AND sitemap_lastmod IS NULL GROUP BY 1",
    )
    assert missing == []
    assert _rows(tmp_path, "SELECT count(*) FROM sitemaps")[0][0] > 0


ARTICLE = "/en/News-and-Events/News/2024/Operation-Lionfish"
NEVER = "/en/News-and-Events/News/2024/Operation-Pangea"


def _article(title: str) -> bytes:
    return (
        f'<html lang="en"><head><title>{title}</title></head><body><article><h1>{title}'
        '</h1><time datetime="2024-03-05">5 March 2024</time><p>LYON, France – Police '
        "in 30 countries seized drugs during a month-long operation coordinated by "
        "INTERPOL.</p></article></body></html>"
    ).encode()


def _sitemap(handler):
    base = "http://" + handler.headers["Host"]
    body = (
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{base}{ARTICLE}</loc></url><url><loc>{base}{NEVER}</loc></url>"
        "</urlset>"
    )
    return 200, {"Content-Type": "application/xml"}, body.encode()


def test_failed_fetches_are_visible_in_release_status(tmp_path):
    html = {"Content-Type": "text/html; charset=utf-8"}
    routes = {
        "/robots.txt": [(200, {}, b"User-agent: *\nAllow: /\n")],
        "/sitemap.xml": [(0, {}, _sitemap)],
        # Fine on the first run, then the server breaks.
        ARTICLE: [(200, html, _article("Operation Lionfish seizes drugs")), (503, html, b"down")],
        NEVER: [(500, html, b"broken")],  # never fetched successfully
    }
    with ScriptedServer(routes) as srv:
        settings = load_settings(base_url=srv.base_url, lake=tmp_path, env={}, max_retries=0)
        first = runner.run(settings, "daily", "daily")
        assert (first["new"], first["failed"], first["status"]) == (1, 1, "partial")
        # The page that never worked is a failed release page, with the status it got.
        status = status_of(tmp_path)
        assert status[srv.base_url + NEVER] == "failed 500"
        assert status[srv.base_url + ARTICLE] == "ok 200"
        # A known page whose re-check fails: failed, with the failing status, not the 200
        # of its last good fetch.
        second = runner.run(settings, "daily", "daily")
        assert second["failed"] == 2
        assert status_of(tmp_path)[srv.base_url + ARTICLE] == "failed 503"
        # The newsroom answers, but the article pages drop the connection: no HTTP status
        # at all, still not the 200 of the last good fetch.
        srv.routes[ARTICLE] = [(0, {}, _hang_up)]
        srv.routes[NEVER] = [(0, {}, _hang_up)]
        third = runner.run(settings, "daily", "daily")
    assert third["failed"] == 2 and third["status"] == "partial"
    status = status_of(tmp_path)
    assert status[srv.base_url + ARTICLE] == "failed -"
    assert status[srv.base_url + NEVER] == "failed -"
    errors = _rows(tmp_path, "SELECT last_error FROM release_status WHERE status = 'failed'")
    assert len(errors) == 2 and all("ConnectionError" in e for (e,) in errors)
    # The server is gone: the run fails as unreachable and leaves the state as it was.
    fourth = runner.run(settings, "daily", "daily")
    assert fourth["status"] == "failed" and "could not reach" in fourth["error"]
    assert status_of(tmp_path) == status
    # The release itself stays: a failed re-check loses nothing.
    assert _rows(tmp_path, "SELECT count(*) FROM releases") == [(1,)]


def _hang_up(handler):
    """Close the connection without an answer (a crashed backend behind a live front)."""
    handler.connection.shutdown(socket.SHUT_RDWR)
    raise ConnectionAbortedError("hung up on purpose")


def status_of(lake) -> dict[str, str]:
    return dict(
        _rows(
            lake,
            "SELECT url, status || ' ' || coalesce(http_status::VARCHAR, '-') FROM release_status",
        )
    )


def test_fetch_state_tables_are_views(tmp_path):
    routes = {
        "/robots.txt": [(200, {}, b"User-agent: *\nAllow: /\n")],
        "/sitemap.xml": [(0, {}, _sitemap)],
        ARTICLE: [
            (200, {"Content-Type": "text/html"}, _article("Operation Lionfish seizes drugs"))
        ],
    }
    with ScriptedServer(routes) as srv:
        settings = load_settings(base_url=srv.base_url, lake=tmp_path, env={}, max_retries=0)
        runner.run(settings, "daily", "daily")
    pages = dict(_rows(tmp_path, "SELECT path, status FROM pages"))
    assert pages == {ARTICLE: "ok", NEVER: "gone"}
    assert _rows(tmp_path, "SELECT count(*) FROM sitemaps") == [(0,)]  # no sitemap index
