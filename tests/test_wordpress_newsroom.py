"""The WordPress-like fixture newsroom, exercised over real HTTP on 127.0.0.1."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
import requests
from selectolax.lexbor import LexborHTMLParser

from ingest.feeds import parse_feed
from newsrooms.wordpress import FEED_SIZE, NewsroomServer, WordPressSite

pytestmark = pytest.mark.integration  # real HTTP servers on 127.0.0.1


@pytest.fixture()
def served():
    site = WordPressSite()
    with NewsroomServer(site, max_seconds=120) as srv:
        yield site, srv
    assert srv.errors == []


def get(srv, path: str, **kw) -> requests.Response:
    return requests.get(srv.base_url + path, timeout=10, allow_redirects=False, **kw)


def feed_links(srv, path: str) -> list[str]:
    """Every entry link of a feed, page after page (?paged=N until the 404)."""
    links: list[str] = []
    page = 1
    while True:
        r = get(srv, path + (f"?paged={page}" if page > 1 else ""))
        if r.status_code == 404:
            return links
        assert r.status_code == 200
        feed = parse_feed(r.content, srv.base_url + path)
        assert feed.next_url is None and "wordpress.org" in (feed.generator or "").lower()
        assert 1 <= len(feed.entries) <= FEED_SIZE
        links += [e.link.removeprefix(srv.base_url) for e in feed.entries]
        page += 1


def test_robots_has_no_sitemap_and_there_is_none(served):
    _site, srv = served
    robots = get(srv, "/robots.txt").text
    assert "Disallow: /wp-admin/" in robots and "Sitemap" not in robots
    for path in ("/sitemap.xml", "/wp-sitemap.xml", "/sitemap_index.xml"):
        assert get(srv, path).status_code == 404


@pytest.mark.parametrize(
    ("lang", "path", "kind"),
    [
        ("en", "/feed/", "rss"),
        ("fr", "/fr/feed/", "rss"),
        ("en", "/feed/atom/", "atom"),
        ("fr", "/fr/feed/atom/", "atom"),
    ],
)
def test_feeds_list_every_post_newest_first_paged_by_paged_n(served, lang, path, kind):
    site, srv = served
    truth = [t["href"] for t in site.expected_releases(lang)]
    assert len(truth) > FEED_SIZE  # more than one feed page
    assert feed_links(srv, path) == truth
    r = get(srv, path)
    assert r.headers["Content-Type"].startswith(f"application/{kind}+xml")
    assert parse_feed(r.content, srv.base_url + path).kind == kind


def test_feed_dates_rss_pubdate_and_atom_updated(served):
    site, srv = served
    rss = parse_feed(get(srv, "/feed/").content, srv.base_url + "/feed/")
    first = site.expected_releases("en")[0]
    assert rss.entries[0].published == first_published(site, "en")
    assert rss.entries[0].updated is None
    atom = parse_feed(get(srv, "/fr/feed/atom/").content, srv.base_url + "/fr/feed/atom/")
    fr = site.expected_releases("fr")[0]
    assert atom.entries[0].updated == fr["modified"].isoformat(timespec="seconds")
    # The French entry names its English version (Polylang), as hreflang.
    assert atom.entries[0].alternates == {"en": srv.base_url + first["href"]}


def first_published(site: WordPressSite, lang: str) -> str:
    t = site.expected_releases(lang)[0]
    return f"{t['published_date'].isoformat()}T{posted_time(site, t)}+00:00"


def posted_time(site: WordPressSite, truth: dict) -> str:
    from newsrooms.wordpress.posts import STORIES

    story = next(s for s in STORIES if s["id"] == truth["family"])
    return f"{story['published']:%H:%M:%S}"


def test_article_markup_is_wordpress_and_matches_the_ground_truth(served):
    site, srv = served
    for t in site.expected_releases():
        r = get(srv, t["href"])
        assert r.status_code == 200 and "etag" in r.headers
        tree = LexborHTMLParser(r.text)
        assert tree.css_first("html").attributes["lang"] in ("en-GB", "fr-FR")
        article = tree.css_first("article.post.type-post")
        assert article is not None
        assert article.css_first("h1.entry-title").text() == t["title"]
        assert (
            article.css_first("time.entry-date")
            .attributes["datetime"]
            .startswith(t["published_date"].isoformat())
        )
        content = article.css_first(".entry-content").text().strip()
        assert content.startswith(f"{t['dateline']} – ")
        assert all(p in content for p in t["paragraphs"])
        alternates = {
            n.attributes["hreflang"]: n.attributes["href"].removeprefix(srv.base_url)
            for n in tree.css('link[rel="alternate"][hreflang]')
        }
        assert {k: v.rstrip("/") for k, v in alternates.items() if k != t["language"]} == (
            t["translations"]
        )
        # The chrome: widgets, comment form, post navigation, no INTERPOL-fixture classes.
        assert tree.css_first("aside.widget-area") and tree.css_first("#commentform")
        assert "nwx-" not in r.text and "pb-" not in r.text


def test_canonical_redirect_conditional_get_and_404(served):
    site, srv = served
    href = site.expected_releases("fr")[0]["href"]
    bare = get(srv, href.rstrip("/"))
    assert bare.status_code == 301 and bare.headers["Location"] == srv.base_url + href
    first = get(srv, href)
    assert get(srv, href, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    assert (
        get(srv, href, headers={"If-Modified-Since": first.headers["Last-Modified"]}).status_code
        == 304
    )
    assert get(srv, "/2024/03/05/no-such-post/").status_code == 404
    assert get(srv, "/feed/?paged=99").status_code == 404


def test_blog_index_pages_with_rel_next(served):
    site, srv = served
    seen, path = [], "/"
    while path:
        tree = LexborHTMLParser(get(srv, path).text)
        seen += [
            a.attributes["href"].removeprefix(srv.base_url)
            for a in tree.css("article.post h2.entry-title a")
        ]
        nxt = tree.css_first('link[rel="next"]')
        path = nxt.attributes["href"].removeprefix(srv.base_url) if nxt else None
    assert seen == [t["href"] for t in site.expected_releases("en")]


def test_an_edit_moves_atom_updated_and_the_validators_not_rss_pubdate(served):
    site, srv = served
    t = site.expected_releases("fr")[2]
    before = get(srv, t["href"])
    atom0 = parse_feed(get(srv, "/fr/feed/atom/").content, srv.base_url)
    site.edit_post(t["url_path"])
    after = get(srv, t["href"], headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and after.headers["ETag"] != before.headers["ETag"]
    assert "Mise à jour" in after.text
    atom1 = parse_feed(get(srv, "/fr/feed/atom/").content, srv.base_url)
    assert atom1.entries[2].updated > atom0.entries[2].updated
    assert atom1.entries[2].published == atom0.entries[2].published
    added = site.add_post("new-post", "A brand new release", ["First paragraph of it."])
    assert added == [site.expected_releases("en")[0]["url_path"]]
    assert feed_links(srv, "/feed/")[0] == added[0] + "/"


def test_cli_prints_base_url_and_serves():
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsrooms.wordpress", "serve", "--max-seconds", "20"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        base = proc.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", base)
        assert requests.get(base + "/feed/", timeout=10).status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)
