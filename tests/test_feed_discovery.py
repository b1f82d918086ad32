"""Discovery through RSS/Atom feeds over real HTTP on 127.0.0.1: WordPress ?paged=N and
Atom rel="next" paging, feed dates as lastmod, translations from hreflang, the same URL
identity as sitemaps, and the sitemap caps bounding feeds too."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest

from ingest.discover import discover
from ingest.fetch import Fetcher, build_session
from ingest.settings import load_settings
from tests.httpfake import ScriptedServer

pytestmark = pytest.mark.integration  # real HTTP servers on 127.0.0.1

SOURCE = """\
id = "wp-test"
base_url = "https://news.example.org"
[discovery]
sitemaps = []
{discovery}
[languages.en]
article = '^/(?P<year>\\d{{4}})/(?P<month>\\d{{2}})/(?P<day>\\d{{2}})/(?P<slug>[^/]+)$'
feeds = ["/feed/"]
[languages.fr]
article = '^/fr/(?P<year>\\d{{4}})/(?P<month>\\d{{2}})/(?P<day>\\d{{2}})/(?P<slug>[^/]+)$'
feeds = ["/fr/feed/atom/"]
"""
ROBOTS = (200, {}, b"User-agent: *\nDisallow: /wp-admin/\n")
RSS = {"Content-Type": "application/rss+xml; charset=UTF-8"}
ATOM = {"Content-Type": "application/atom+xml; charset=UTF-8"}
# Newest first, as WordPress lists them: (path, RFC 822 pubDate).
POSTS = [
    (f"/2024/03/{d:02d}/post-{d}/", f"Tue, {d:02d} Mar 2024 09:00:00 +0000")
    for d in range(9, 2, -1)
]  # 7 posts: 9 .. 3 March


def settings_for(srv, tmp_path, discovery: str = "", **overrides):
    path = tmp_path / "source.toml"
    path.write_text(SOURCE.format(discovery=discovery), encoding="utf-8")
    return load_settings(
        source=str(path), base_url=srv.base_url, lake=tmp_path / "lake", env={}, **overrides
    )


def wordpress_rss(
    per_page: int = 3, generator: str = "https://wordpress.org/?v=6.4.3", honour_paged: bool = True
):
    """/feed/ as WordPress serves it: no next link, ?paged=N, 404 past the last page."""

    def handler(h):
        query = parse_qs(urlsplit(h.path).query)
        page = int(query.get("paged", ["1"])[0]) if honour_paged else 1
        chunk = POSTS[(page - 1) * per_page : page * per_page]
        if not chunk:
            return 404, {}, b"<html><body>Not found</body></html>"
        base = "http://" + h.headers["Host"]
        items = "".join(
            f"<item><title>{p}</title><link>{base}{p}</link>"
            f'<guid isPermaLink="false">{base}/?p={i}</guid>'
            f"<pubDate>{d}</pubDate></item>"
            for i, (p, d) in enumerate(chunk)
        )
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>t</title><generator>{generator}</generator>{items}</channel></rss>"
        )
        return 200, RSS, body.encode()

    return handler


def run_discovery(settings, **kw):
    fetcher = Fetcher(build_session(settings), settings)
    return discover(fetcher, settings, **kw), fetcher


def feed_requests(srv) -> list[str]:
    return [p for p, _ in srv.log if "feed" in p]


def test_wordpress_feed_is_paged_with_paged_n_and_gives_dates_as_lastmod(tmp_path):
    routes = {"/robots.txt": [ROBOTS], "/feed/": [(0, {}, wordpress_rss())]}
    with ScriptedServer(routes) as srv:
        s = settings_for(srv, tmp_path, languages="en")
        found, _ = run_discovery(s, full=True)
        assert feed_requests(srv) == [
            "/feed/",
            "/feed/?paged=2",
            "/feed/?paged=3",
            "/feed/?paged=4",
        ]
        assert sorted(found.candidates) == sorted(p.rstrip("/") for p, _ in POSTS)
        first = found.candidates["/2024/03/09/post-9"]
        assert (first.language, first.year, first.lastmod) == (
            "en",
            2024,
            "2024-03-09T09:00:00+00:00",
        )
        assert found.problems == [] and found.warnings == []  # the 404 page is the end
        # Daily, everything known: the first page only.
        srv.log.clear()
        again, _ = run_discovery(s, known=set(found.candidates))
        assert feed_requests(srv) == ["/feed/"] and len(again.candidates) == 3


def test_feed_paging_by_source_setting_and_a_server_that_ignores_it(tmp_path):
    # Not made by WordPress: paged only because the source says so.
    routes = {
        "/robots.txt": [ROBOTS],
        "/feed/": [(0, {}, wordpress_rss(generator="Ghost 5.0", honour_paged=False))],
    }
    with ScriptedServer(routes) as srv:
        plain = settings_for(srv, tmp_path, languages="en")
        run_discovery(plain, full=True)
        assert feed_requests(srv) == ["/feed/"]  # no next link, no paging rule: one page
        srv.log.clear()
        paged = settings_for(srv, tmp_path, 'feed_page_param = "paged"', languages="en")
        found, _ = run_discovery(paged, full=True)
        # The server answers page 1 again: the repeated page ends the walk.
        assert feed_requests(srv) == ["/feed/", "/feed/?paged=2"]
        assert len(found.candidates) == 3


def atom_page(entries: list[tuple[str, str, str | None]], next_href: str | None):
    def handler(h):
        base = "http://" + h.headers["Host"]
        nxt = f'<link rel="next" href="{next_href}"/>' if next_href else ""
        body = "".join(
            f'<entry><title>x</title><link rel="alternate" href="{base}{path}"/>'
            + (f'<link rel="alternate" hreflang="en" href="{base}{alt}"/>' if alt else "")
            + f"<id>{base}{path}</id><updated>{updated}</updated></entry>"
            for path, updated, alt in entries
        )
        doc = (
            '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/'
            f'Atom"><title>t</title><id>x</id>{nxt}{body}</feed>'
        )
        return 200, ATOM, doc.encode()

    return handler


def test_atom_rel_next_paging_translations_and_url_identity(tmp_path):
    routes = {
        "/robots.txt": [ROBOTS],
        "/feed/": [(404, {}, b"no english feed")],
        "/fr/feed/atom/": [
            (
                0,
                {},
                atom_page(
                    [("/fr/2024/03/09/saisie/", "2024-03-10T08:00:00Z", "/2024/03/09/post-9/")],
                    "/fr/feed/atom/page-2",
                ),
            )
        ],
        # Page 2 names a page again, spelled otherwise (an escaped "i", a query): one page.
        "/fr/feed/atom/page-2": [
            (
                0,
                {},
                atom_page(
                    [
                        ("/fr/2024/03/08/saisie-2/", "2024-03-08T08:00:00Z", None),
                        ("/fr/2024/03/09/sais%69e/?utm_source=rss", "2024-03-10T08:00:00Z", None),
                    ],
                    None,
                ),
            )
        ],
    }
    with ScriptedServer(routes) as srv:
        s = settings_for(srv, tmp_path)
        found, _ = run_discovery(s, full=True)
        assert feed_requests(srv) == ["/feed/", "/fr/feed/atom/", "/fr/feed/atom/page-2"]
    assert set(found.candidates) == {
        "/fr/2024/03/09/saisie",
        "/fr/2024/03/08/saisie-2",
        "/2024/03/09/post-9",
    }
    assert found.candidates["/fr/2024/03/09/saisie"].lastmod == "2024-03-10T08:00:00+00:00"
    # The translation is a candidate in its own language, without the entry's date.
    assert found.candidates["/2024/03/09/post-9"].language == "en"
    assert found.candidates["/2024/03/09/post-9"].lastmod is None
    ((url, problem),) = found.problems
    assert url.endswith("/feed/") and "adjust `languages.en.feeds` in the source" in problem


def test_a_backfill_stops_paging_once_the_feed_is_older_than_since(tmp_path):
    routes = {"/robots.txt": [ROBOTS], "/feed/": [(0, {}, wordpress_rss(per_page=2))]}
    with ScriptedServer(routes) as srv:
        s = settings_for(srv, tmp_path, languages="en")
        found, _ = run_discovery(s, full=True, since=date(2024, 3, 7))
        # Page 2 (8 and 7 March) still reaches `since`; page 3 (6, 5) is all older.
        assert feed_requests(srv) == ["/feed/", "/feed/?paged=2", "/feed/?paged=3"]
    assert len(found.candidates) == 6  # the year is all the coarse filter knows


def test_feeds_are_bounded_by_the_sitemap_caps(tmp_path):
    routes = {"/robots.txt": [ROBOTS], "/feed/": [(0, {}, wordpress_rss())]}
    with ScriptedServer(routes) as srv:
        s = settings_for(
            srv, tmp_path, languages="en", max_sitemaps_per_run=2, max_urls_per_sitemap=2
        )
        found, _ = run_discovery(s, full=True)
        assert feed_requests(srv) == ["/feed/", "/feed/?paged=2"]
        assert len(found.candidates) == 4
        assert any("lists more than 2 entries" in w for w in found.warnings)
        assert any(
            "feed pages capped at 2 this run" in w and "MAX_SITEMAPS_PER_RUN" in w
            for w in found.warnings
        )
        srv.log.clear()
        tiny = settings_for(srv, tmp_path, languages="en", max_sitemap_bytes=600)
        cut, _ = run_discovery(tiny, full=True)
        assert 1 <= len(cut.candidates) < 7
        assert any("larger than 600 bytes" in w for w in cut.warnings)


def test_a_feed_that_declares_entities_is_skipped_with_its_reason(tmp_path):
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><rss><channel><item>'
        b"<title>&b;</title><link>/2024/03/09/post-9/</link></item></channel></rss>"
    )
    routes = {"/robots.txt": [ROBOTS], "/feed/": [(200, RSS, bomb)]}
    with ScriptedServer(routes) as srv:
        found, _ = run_discovery(settings_for(srv, tmp_path, languages="en"), full=True)
    assert found.candidates == {}
    ((_url, problem),) = found.problems
    assert "feed skipped" in problem and "entity expansion is refused" in problem
