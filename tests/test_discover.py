from __future__ import annotations

import gzip
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

import polars as pl
import pytest

from ingest import schemas as sc
from ingest.discover import Candidate, classify, parse_listing, parse_sitemap, url_path
from ingest.pipeline import plan_fetches
from ingest.settings import load_settings

SETTINGS = load_settings(base_url="http://127.0.0.1:1", lake="unused", env={})
EN = "/en/News-and-Events/News/2023/Operation-Alpha"

URLSET = f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">
  <url><loc>https://www.interpol.int{EN}</loc><lastmod>2023-02-09T10:00:00Z</lastmod>
    <xhtml:link rel="alternate" hreflang="ar" href="https://www.interpol.int/ar/1/1/2023/Operation-Alpha"/>
  </url>
  <url><loc>https://www.interpol.int/en/Who-we-are</loc></url>
</urlset>""".encode()

INDEX = b"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://www.interpol.int/sitemap-en.xml.gz</loc><lastmod>2023-02-10</lastmod></sitemap>
</sitemapindex>"""


def test_parse_sitemap_urlset_with_alternates_and_gzip():
    sm = parse_sitemap(gzip.compress(URLSET))
    assert not sm.is_index and len(sm.entries) == 2
    first = sm.entries[0]
    assert first.lastmod == "2023-02-09T10:00:00Z"
    assert first.alternates["ar"].endswith("/ar/1/1/2023/Operation-Alpha")
    idx = parse_sitemap(INDEX)
    assert idx.is_index and idx.entries[0].loc.endswith("sitemap-en.xml.gz")


@pytest.mark.parametrize(
    "url",
    [
        "https://www.interpol.int/en/News/2023/x?a=1#f",
        "http://h",
        "http://h/",
        "/en/x/",
        "en/x",
        "//h/p/q/",
        "http://h?x=/y",
        "http://h#/z",
        "https://h:80/a//b//",
        "http://u:p@h/a",
        "HTTP://H/P",
        "/ar/1/1/2020/%D8%A7",
        "https://h/a;b",
        "mailto:a@b",
        "?page=2",
    ],
)
def test_url_path_is_the_path_urlsplit_sees(url):
    path = urlsplit(url).path or "/"
    assert url_path(url) == (path.rstrip("/") or "/")


def test_classify_by_url_pattern():
    assert classify("https://h" + EN, SETTINGS) == ("en", 2023)
    assert classify("https://h/ar/1/1/2021/Some-Slug/", SETTINGS) == ("ar", 2021)
    assert classify("https://h/fr/Actualites-et-evenements/Actualites/2020/Titre", SETTINGS) == (
        "fr",
        2020,
    )
    assert classify("https://h/es/Noticias-y-acontecimientos/Noticias/2019/x", SETTINGS) == (
        "es",
        2019,
    )
    assert classify("https://h/en/News-and-Events/News", SETTINGS) is None
    assert classify("https://h/en/News-and-Events/News/2023", SETTINGS) is None
    en_only = load_settings(base_url="http://h", lake="u", languages="en", env={})
    assert classify("https://h/ar/1/1/2021/x", en_only) is None


def test_parse_listing_follows_rel_next_or_page_param():
    html = f"""<html><head><link rel="next" href="?page=2"></head><body>
      <a href="{EN}">Alpha</a><a href="{EN}#top">again</a>
      <a href="/en/Contact">c</a></body></html>"""
    page = parse_listing(html, "http://h/en/News-and-Events/News")
    assert page.next_url == "http://h/en/News-and-Events/News?page=2"
    assert "http://h" + EN in page.links
    html2 = '<a href="?page=1">1</a><a href="?page=3">3</a><a href="/x">x</a>'
    assert parse_listing(html2, "http://h/list?page=2").next_url == "http://h/list?page=3"
    assert parse_listing("<a href='/x'>x</a>", "http://h/list").next_url is None


def state_row(path: str, **kw) -> dict:
    row = {c: None for c in sc.PAGES}
    row.update(
        path=path,
        url="http://h" + path,
        language="en",
        status="ok",
        first_seen_at=datetime(2023, 2, 9, tzinfo=UTC),
        last_fetched_at=datetime(2023, 2, 9, 12, tzinfo=UTC),
        published_date=date(2023, 2, 9),
        sitemap_lastmod="2023-02-09",
        etag='"e"',
    )
    row.update(kw)
    return row


def test_plan_fetches_daily_and_backfill():
    state = pl.DataFrame(
        [
            state_row("/en/News-and-Events/News/2023/known"),
            state_row("/en/News-and-Events/News/2023/edited"),
            state_row("/en/News-and-Events/News/2023/broken", status="failed"),
            state_row("/en/News-and-Events/News/2023/no-lastmod", sitemap_lastmod=None),
            state_row(
                "/en/News-and-Events/News/2026/fresh",
                published_date=date(2026, 11, 27),
                last_fetched_at=datetime(2026, 11, 27, 8, tzinfo=UTC),
            ),
        ],
        schema=sc.PAGES,
    )
    cands = {
        p: Candidate(p, "en", 2023, lm)
        for p, lm in [
            ("/en/News-and-Events/News/2023/known", "2023-02-09"),
            ("/en/News-and-Events/News/2023/edited", "2023-03-01"),
            ("/en/News-and-Events/News/2023/new", None),
            ("/en/News-and-Events/News/2023/no-lastmod", None),
        ]
    }
    plans = {
        p.path.rsplit("/", 1)[1]: p
        for p in plan_fetches(cands, state, SETTINGS, mode="daily", today=date(2026, 11, 29))
    }
    assert {k: p.reason for k, p in plans.items()} == {
        "edited": "changed",
        "new": "new",
        "broken": "retry",
        "fresh": "recheck",
        "no-lastmod": "revalidate",
    }
    assert plans["no-lastmod"].etag == '"e"'  # conditional: a 304 when nothing changed
    assert plans["edited"].etag == '"e"' and plans["new"].etag is None
    back = plan_fetches(cands, state, SETTINGS, mode="backfill", today=date(2026, 11, 29))
    assert {p.path.rsplit("/", 1)[1]: p.reason for p in back}["known"] == "revalidate"


def test_url_path_identity():
    assert url_path("https://www.interpol.int/en/x/?a=1#b") == "/en/x"


def test_planning_reads_only_the_runs_source():
    """Two sources may publish the same path: each run plans from its own state only."""
    from ingest import transform as tf

    path = "/en/News-and-Events/News/2023/shared"
    state = pl.DataFrame(
        [
            state_row(path, status="failed", source="other-newsroom"),
            state_row(
                "/en/News-and-Events/News/2023/theirs", status="failed", source="other-newsroom"
            ),
            state_row("/en/News-and-Events/News/2023/mine", status="failed", source="interpol"),
            state_row("/en/News-and-Events/News/2023/legacy", status="failed"),  # older lake
        ],
        schema=sc.PAGES,
    )
    cands = {path: Candidate(path, "en", 2023, "2023-02-09")}
    daily = plan_fetches(cands, state, SETTINGS, mode="daily", today=date(2023, 3, 1))
    # Our `shared` is new to us (the other source's failed row is not ours to retry).
    assert {p.path.rsplit("/", 1)[1]: p.reason for p in daily} == {
        "shared": "new",
        "mine": "retry",
        "legacy": "retry",
    }
    back = plan_fetches({}, state, SETTINGS, mode="backfill", today=date(2023, 3, 1))
    assert {p.path.rsplit("/", 1)[1] for p in back} == {"mine", "legacy"}
    # And their state rows never replace each other: the key is (source, path).
    ours = pl.DataFrame([state_row(path, source="interpol")], schema=sc.PAGES)
    merged = tf.upsert_by(state, ours, tf.PAGE_KEY)
    assert merged.filter(pl.col("path") == path).select("source", "status").sort(
        "source"
    ).rows() == [("interpol", "ok"), ("other-newsroom", "failed")]


def test_pages_are_fetched_in_the_form_the_site_links_them():
    """A WordPress permalink ends in "/": the identity drops it, the fetch keeps it (the bare
    form only answers a redirect), from discovery and then from the state."""
    from ingest.discover import site_form

    assert site_form("https://h/2024/03/05/post/", "/2024/03/05/post") == "/2024/03/05/post/"
    assert site_form("https://h/2024/03/05/post", "/2024/03/05/post") is None
    assert site_form("https://h/a/./b/", "/a/b") is None  # only a trailing slash is kept
    wp = load_settings(
        base_url="http://127.0.0.1:1",
        lake="unused",
        env={},
        languages="en",
        article_patterns={"en": r"^/(?P<year>\d{4})/\d{2}/\d{2}/[^/]+$"},
    )
    path = "/2024/03/05/post"
    new = plan_fetches(
        {path: Candidate(path, "en", 2024, None, path + "/")},
        pl.DataFrame(schema=sc.PAGES),
        wp,
        mode="daily",
        today=date(2024, 3, 6),
    )
    assert [(p.path, p.url) for p in new] == [(path, "http://127.0.0.1:1" + path + "/")]
    state = pl.DataFrame(
        [state_row(path, url="http://old-host" + path + "/", status="failed", source="interpol")],
        schema=sc.PAGES,
    )
    retry = plan_fetches({}, state, wp, mode="daily", today=date(2024, 3, 6))
    assert [p.url for p in retry] == ["http://127.0.0.1:1" + path + "/"]
