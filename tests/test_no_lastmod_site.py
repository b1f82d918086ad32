"""A mirror whose sitemap gives no <lastmod>: edits are still found, by conditional GET."""

from __future__ import annotations

from ingest import runner
from ingest.settings import load_settings
from ingest.views import connect
from tests.httpfake import ScriptedServer

PATH = "/en/News-and-Events/News/2024/Operation-Lionfish"
VERSION = {"n": 1}


def article(handler):
    etag = f'"v{VERSION["n"]}"'
    if handler.headers.get("If-None-Match") == etag:
        return 304, {"ETag": etag}, b""
    title = "Operation Lionfish seizes drugs" + (" worth USD 2 billion" if VERSION["n"] > 1 else "")
    html = (
        f'<html lang="en"><head><title>{title}</title></head><body><article><h1>{title}</h1>'
        '<time datetime="2024-03-05">5 March 2024</time><p>LYON, France – Police in 30 '
        "countries seized drugs during a month-long operation coordinated by INTERPOL.</p>"
        "</article></body></html>"
    ).encode()
    return 200, {"ETag": etag, "Content-Type": "text/html; charset=utf-8"}, html


def sitemap(handler):
    base = "http://" + handler.headers["Host"]
    body = (
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{base}{PATH}</loc></url></urlset>"
    )
    return 200, {"Content-Type": "application/xml"}, body.encode()


def test_edit_found_without_lastmod(tmp_path):
    routes = {
        "/robots.txt": [(200, {}, b"User-agent: *\nAllow: /\n")],
        "/sitemap.xml": [(0, {}, sitemap)],
        PATH: [(0, {}, article)],
    }
    with ScriptedServer(routes) as srv:
        settings = load_settings(base_url=srv.base_url, lake=tmp_path, env={})
        assert runner.run(settings, "daily", "daily")["new"] == 1
        second = runner.run(settings, "daily", "daily")
        assert second["new"] == 0 and second["updated"] == 0
        assert srv.log[-1][1].get("If-None-Match") == '"v1"'  # conditional: answered 304
        VERSION["n"] = 2
        third = runner.run(settings, "daily", "daily")
    assert third["updated"] == 1
    titles = connect(tmp_path).sql("SELECT title FROM releases").fetchall()
    assert titles == [("Operation Lionfish seizes drugs worth USD 2 billion",)]
