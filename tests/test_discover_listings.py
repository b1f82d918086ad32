"""discover_listings: the listing walk, over real HTTP on 127.0.0.1."""

from __future__ import annotations

from datetime import date

import pytest

from ingest.discover import discover
from ingest.fetch import Fetcher, build_session
from ingest.settings import load_settings
from tests.httpfake import ScriptedServer

pytestmark = pytest.mark.integration  # real HTTP servers on 127.0.0.1

# A newsroom whose release URLs carry no year: discovery cannot place them in a window.
SOURCE = """\
id = "no-year"
base_url = "https://news.example.org"
[discovery]
sitemaps = []
[languages.en]
article = '^/news/(?P<slug>[a-z0-9-]+)$'
listings = ["/news/"]
"""
ROBOTS = (200, {}, b"User-agent: *\nAllow: /\n")
LISTING = (
    200,
    {"Content-Type": "text/html; charset=utf-8"},
    b'<html><body><a href="/news/first-release">1</a><a href="/news/second-release">2</a>'
    b'<a href="/about">about</a></body></html>',
)


def test_a_backfill_window_keeps_listed_pages_whose_url_has_no_year(tmp_path):
    """A page whose year is unknown is kept (only its fetch can date it), and the walk does
    not stop early on it: it used to compare None with the window's year (TypeError)."""
    path = tmp_path / "source.toml"
    path.write_text(SOURCE, encoding="utf-8")
    with ScriptedServer({"/robots.txt": [ROBOTS], "/news/": [LISTING]}) as srv:
        settings = load_settings(
            source=str(path), base_url=srv.base_url, lake=tmp_path / "lake", env={}
        )
        fetcher = Fetcher(build_session(settings), settings)
        found = discover(fetcher, settings, since=date(2024, 1, 1), full=True)
    assert sorted(found.candidates) == ["/news/first-release", "/news/second-release"]
    assert {c.year for c in found.candidates.values()} == {None}
    assert found.problems == []
