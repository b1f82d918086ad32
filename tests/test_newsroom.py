"""The fixture newsroom, exercised over real HTTP on 127.0.0.1."""

from __future__ import annotations

import re
import subprocess
import sys
import time
import tracemalloc
import xml.etree.ElementTree as ET
from datetime import date, datetime

import pytest
import requests
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from newsrooms.interpol import NewsroomServer, NewsroomSite
from newsrooms.interpol.langs import LANGS, LISTING_PATH, format_date

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9", "xhtml": "http://www.w3.org/1999/xhtml"}


@pytest.fixture(scope="module")
def served():
    site = NewsroomSite()
    with NewsroomServer(site, max_seconds=120) as srv:
        yield site, srv
    assert srv.errors == []


@pytest.fixture()
def fresh():
    site = NewsroomSite()
    with NewsroomServer(site, max_seconds=120) as srv:
        yield site, srv
    assert srv.errors == []


def _get(srv: NewsroomServer, path: str, **kw) -> requests.Response:
    return requests.get(srv.base_url + path, timeout=10, **kw)


def _sitemap_urls(srv: NewsroomServer) -> dict[str, tuple[str, dict[str, str]]]:
    """loc path -> (lastmod, {hreflang: path}) over every language sitemap."""
    idx = ET.fromstring(_get(srv, "/sitemap.xml").content)
    out: dict[str, tuple[str, dict[str, str]]] = {}
    for loc in idx.findall("sm:sitemap/sm:loc", NS):
        assert loc.text.startswith(srv.base_url + "/")
        r = requests.get(loc.text, timeout=10)
        assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/xml")
        for url in ET.fromstring(r.content).findall("sm:url", NS):
            path = url.find("sm:loc", NS).text.removeprefix(srv.base_url)
            alts = {
                a.get("hreflang"): a.get("href").removeprefix(srv.base_url)
                for a in url.findall("xhtml:link", NS)
            }
            assert path not in out
            out[path] = (url.find("sm:lastmod", NS).text, alts)
    return out


def _crawl_listing(srv: NewsroomServer, lang: str) -> list[str]:
    links: list[str] = []
    url = srv.base_url + LISTING_PATH[lang]
    pages = 0
    while url:
        r = requests.get(url, timeout=10)
        assert r.status_code == 200
        tree = HTMLParser(r.text)
        items = tree.css("a.nl-item__t")
        assert 1 <= len(items) <= 10
        links += [a.attributes["href"] for a in items]
        nxt = tree.css_first('a[rel="next"]')
        url = requests.compat.urljoin(url, nxt.attributes["href"]) if nxt else None
        pages += 1
        assert pages < 100
    return links


def test_robots_txt(served):
    _site, srv = served
    r = _get(srv, "/robots.txt")
    assert r.status_code == 200
    assert "User-agent: *" in r.text and "Disallow: /private/" in r.text
    assert f"Sitemap: {srv.base_url}/sitemap.xml" in r.text
    assert 'href="/private/' in _get(srv, "/en").text  # the chrome links to the private path


def test_sitemaps_have_lastmod_and_hreflang(served):
    site, srv = served
    urls = _sitemap_urls(srv)
    assert set(urls) == set(site.article_paths()) and len(urls) == site.page_count()
    truth = {t["url_path"]: t for t in site.expected_releases()}
    for path, (lastmod, alts) in urls.items():
        assert datetime.fromisoformat(lastmod).tzinfo is not None
        assert alts[site.resolve(path)[1]] == path
        if path in truth:
            assert {k: v for k, v in alts.items() if v != path} == truth[path]["translations"]
    assert any(len(a) == 4 for _, a in urls.values()) and any(len(a) == 2 for _, a in urls.values())


def test_pagination_reaches_every_listed_release_once(served):
    site, srv = served
    for lang in LANGS:
        links = _crawl_listing(srv, lang)
        assert len(links) == len(set(links)) == len(site.article_paths(lang))
        assert set(links) == set(site.article_paths(lang))
        truth = site.expected_releases(lang)
        assert {t["url_path"] for t in truth} <= set(links)
        dated = [t["published_date"] for t in truth if t["published_date"]]
        assert dated == sorted(dated, reverse=True)  # newest first
    r = _get(srv, LISTING_PATH["en"] + "?page=99")
    assert r.status_code == 404


def test_articles_match_ground_truth(served):
    site, srv = served
    site.reset_flaky()
    s = requests.Session()
    truth = site.expected_releases()
    assert {t["language"] for t in truth} == set(LANGS)
    for t in truth:
        r = s.get(srv.base_url + t["url_path"], timeout=10)
        if r.status_code in (429, 500):
            r = s.get(srv.base_url + t["url_path"], timeout=10)
        assert r.status_code == 200, t["url_path"]
        assert r.headers["Content-Type"] == "text/html; charset=utf-8"
        html = r.text
        text = HTMLParser(html).text()
        assert t["title"] in text and t["subtitle"] in text and t["dateline"] in text
        for para in t["paragraphs"]:
            assert para in text
        if t["published_date"]:
            assert any(
                format_date(t["published_date"], t["language"], st) in html for st in range(3)
            )
        for speaker in t["quote_speakers"]:
            assert speaker in text
    assert site.page_count() == len(truth) + 2  # the listed 404 and the truncated page


def test_two_templates_and_translations(served):
    site, srv = served
    seen = set()
    for t in site.expected_releases("en"):
        if t["url_path"] in site.broken_paths():
            continue
        html = _get(srv, t["url_path"]).text
        if t["template"] == "A":
            assert "application/ld+json" in html and '<time class="nwx-stamp"' in html
            links = dict(re.findall(r'<link rel="alternate" hreflang="(\w+)" href="([^"]+)"', html))
        else:
            assert "ld+json" not in html and "<time" not in html and "<h1" not in html
            links = dict(re.findall(r'<a hreflang="(\w+)" href="([^"]+)"', html))
        links = {k: v.removeprefix(srv.base_url) for k, v in links.items()}
        assert links == t["translations"]
        seen.add(t["template"])
    assert seen == {"A", "B"}


def test_arabic_seed_release_is_served_verbatim(served):
    site, srv = served
    t = next(
        t for t in site.expected_releases("ar") if t["family"] == "asian-regional-conference-2023"
    )
    assert t["url_path"].startswith("/ar/1/1/2023/")
    assert t["translations"]["en"].endswith(t["url_path"].rsplit("/", 1)[1])
    html = _get(srv, t["url_path"]).text
    assert "٩ فبراير، ٢٠٢٣" in html and 'dir="rtl"' in html
    assert t["dateline"] == "أبوظبي (الإمارات العربية المتحدة)"
    assert t["quote_speakers"] == ["يورغن شتوك"]
    assert "’’تفيد بلداننا الأعضاء" in html


def test_conditional_get_answers_304(served):
    site, srv = served
    path = site.expected_releases("es")[0]["url_path"]
    r = _get(srv, path)
    etag, lm = r.headers["ETag"], r.headers["Last-Modified"]
    r2 = _get(srv, path, headers={"If-None-Match": etag})
    assert r2.status_code == 304 and r2.content == b""
    r3 = _get(srv, path, headers={"If-Modified-Since": lm})
    assert r3.status_code == 304
    assert _get(srv, path, headers={"If-None-Match": '"nope"'}).status_code == 200
    sm = _get(srv, "/sitemap.xml")
    assert (
        _get(srv, "/sitemap.xml", headers={"If-None-Match": sm.headers["ETag"]}).status_code == 304
    )


def test_edit_changes_lastmod_etag_and_content(fresh):
    site, srv = fresh
    t = site.expected_releases("fr")[3]
    path = t["url_path"]
    before = _sitemap_urls(srv)[path][0]
    r = _get(srv, path)
    site.edit_release(path)
    after = _sitemap_urls(srv)[path][0]
    assert after > before
    r2 = _get(srv, path, headers={"If-None-Match": r.headers["ETag"]})
    assert r2.status_code == 200 and r2.headers["ETag"] != r.headers["ETag"]
    assert r2.headers["Last-Modified"] != r.headers["Last-Modified"]
    t2 = next(x for x in site.expected_releases("fr") if x["url_path"] == path)
    assert t2["paragraphs"] != t["paragraphs"] and t2["title"] == t["title"]
    site.edit_release(path)
    t3 = next(x for x in site.expected_releases("fr") if x["url_path"] == path)
    assert t3["title"] != t["title"] and t3["title"] in _get(srv, path).text


def test_flaky_pages_fail_once(fresh):
    site, srv = fresh
    broken = {why: p for p, why in site.broken_paths().items()}
    r = _get(srv, broken["500-once"])
    assert r.status_code == 500
    assert _get(srv, broken["500-once"]).status_code == 200
    r = _get(srv, broken["429-once"])
    assert r.status_code == 429 and r.headers["Retry-After"] == "1"
    assert _get(srv, broken["429-once"]).status_code == 200
    statuses = [x[2] for x in srv.article_requests()]
    assert statuses == [500, 200, 429, 200]


def test_broken_pages(served):
    site, srv = served
    broken = {why: p for p, why in site.broken_paths().items()}
    truth = {t["url_path"]: t for t in site.expected_releases()}
    assert _get(srv, broken["listed-404"]).status_code == 404
    assert broken["listed-404"] not in truth and broken["truncated-html"] not in truth
    bad = _get(srv, broken["truncated-html"])
    assert bad.status_code == 200 and "</html>" not in bad.text
    undated = truth[broken["undated"]]
    assert undated["published_date"] is None
    html = _get(srv, broken["undated"]).text
    assert "<time" not in html and "datePublished" not in html
    months = (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    )
    assert not any(re.search(rf"\d {m} \d{{4}}", html) for m in months)
    assert _get(srv, "/").status_code == 404 and _get(srv, "/en/nowhere").status_code == 404


def test_mutations_add_remove_next_day(fresh):
    site, srv = fresh
    added = site.add_releases(2, date(2026, 11, 29))
    assert len(added) == 8
    first_page = _crawl_listing(srv, "es")[:2]
    assert set(first_page) == {p for p in added if p.startswith("/es/")}
    victim = site.expected_releases("en")[5]["url_path"]
    site.remove_release(victim)
    assert _get(srv, victim).status_code == 410
    assert victim not in _crawl_listing(srv, "en")
    urls = _sitemap_urls(srv)
    assert victim not in urls and set(added) <= set(urls)
    assert site.broken_paths()[victim] == "removed-410"
    assert all(victim not in t["translations"].values() for t in site.expected_releases())
    day = site.next_day(new=1, edits=3)
    assert day["date"] == date(2026, 11, 30) and len(day["added"]) == 4
    assert len(day["edited"]) == 3
    assert _crawl_listing(srv, "ar")[0] in day["added"]
    # Sitemaps are rendered once per site state: a change must show in the next request.
    site.publish_sitemaps(srv.base_url)
    before = _sitemap_urls(srv)
    day2 = site.next_day(new=1, edits=2)
    after = _sitemap_urls(srv)
    assert set(day2["added"]) <= set(after) and not set(day2["added"]) & set(before)
    assert all(after[p][0] > before[p][0] for p in day2["edited"])


def test_request_log(fresh):
    site, srv = fresh
    path = site.expected_releases("en")[0]["url_path"]
    _get(srv, "/robots.txt")
    _get(srv, path + "?utm=x", headers={"X-Probe": "1"})
    log = srv.requests
    assert log[0][:3] == ("GET", "/robots.txt", 200)
    assert srv.article_requests() == [log[1]]
    assert log[1][1] == path + "?utm=x" and log[1][3]["X-Probe"] == "1"
    srv.clear_log()
    assert srv.requests == []


def test_archive_scale_pages_weight_and_memory():
    site = NewsroomSite(families=2500, page_kb=100)
    with NewsroomServer(site, max_seconds=60) as srv:
        urls = _sitemap_urls(srv)
        assert len(urls) == site.page_count()
        assert 9600 <= len(urls) <= 10100
        s = requests.Session()
        paths = list(urls)[::997]
        for p in paths:
            r = s.get(srv.base_url + p, timeout=10)
            if r.status_code in (429, 500):
                r = s.get(srv.base_url + p, timeout=10)
            if site.broken_paths().get(p) == "listed-404":
                continue
            assert r.status_code == 200
            assert 95 * 1024 <= len(r.content) <= 110 * 1024
        years = {datetime.fromisoformat(lm).year for lm, _ in urls.values()}
        assert years >= set(range(2019, 2027))
    # memory does not grow with the archive: construction holds no pages
    sizes = []
    for n in (2500, 10000):  # 10,000 families = the 40,000-page archive
        tracemalloc.start()
        big = NewsroomSite(families=n, page_kb=100)
        for p in big.article_paths("fr", limit=5):
            big.render_article(p)
        sizes.append(tracemalloc.get_traced_memory()[0])
        tracemalloc.stop()
    assert 39000 <= big.page_count() <= 40000
    assert sizes[1] < sizes[0] + 256 * 1024


def test_archive_scale_is_deterministic():
    a = NewsroomSite(families=500, seed=3)
    b = NewsroomSite(families=500, seed=3)
    c = NewsroomSite(families=500, seed=4)
    p = a.article_paths("es")[17]
    assert a.render_article(p) == b.render_article(p)
    assert a.expected_releases("ar")[:20] == b.expected_releases("ar")[:20]
    assert a.article_paths("es")[:30] != c.article_paths("es")[:30]


def test_server_stops_by_itself():
    srv = NewsroomServer(NewsroomSite(), max_seconds=0.5)
    keep_alive = requests.Session()
    assert keep_alive.get(srv.base_url + "/robots.txt", timeout=5).status_code == 200
    assert srv.wait(5) and not srv.running
    with pytest.raises(requests.ConnectionError):
        requests.get(srv.base_url + "/robots.txt", timeout=2)
    with pytest.raises(requests.ConnectionError):  # nor on a pooled keep-alive connection
        keep_alive.get(srv.base_url + "/robots.txt", timeout=2)
    assert srv.errors == []


def test_cli_prints_base_url_and_serves():
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "newsrooms.interpol",
            "serve",
            "--families",
            "50",
            "--page-kb",
            "30",
            "--max-seconds",
            "20",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        base = proc.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", base)
        r = requests.get(base + "/sitemap.xml", timeout=10)
        assert r.status_code == 200 and base + "/sitemaps/en-2019.xml" in r.text
    finally:
        proc.terminate()
        t0 = time.monotonic()
        proc.wait(10)
    assert time.monotonic() - t0 < 5


def test_server_reads_while_site_mutates():
    import threading

    site = NewsroomSite(families=200, page_kb=30)
    errors: list[str] = []
    with NewsroomServer(site, max_seconds=60) as srv:
        stop = threading.Event()

        def reader() -> None:
            s = requests.Session()
            while not stop.is_set():
                for path in [LISTING_PATH["fr"], "/sitemap.xml", *site.article_paths("fr", 5)]:
                    r = s.get(srv.base_url + path, timeout=10)
                    if r.status_code not in (200, 429, 500):
                        errors.append(f"{path} {r.status_code}")

        threads = [threading.Thread(target=reader) for _ in range(3)]
        for t in threads:
            t.start()
        for _ in range(5):
            site.next_day(new=2, edits=5)
        time.sleep(0.3)
        stop.set()
        for t in threads:
            t.join(10)
    assert errors == []
    assert site.today == date(2026, 12, 3)


def test_render_article_does_not_consume_flaky_failures(fresh):
    site, srv = fresh
    broken = {why: p for p, why in site.broken_paths().items()}
    html = site.render_article(broken["500-once"], host=srv.host_port)
    assert "<h1>500</h1>" not in html
    r = _get(srv, broken["500-once"])
    assert r.status_code == 500
    served_html = _get(srv, broken["500-once"]).text
    assert served_html == html


@pytest.mark.parametrize("families", [None, 120])
def test_listing_order_survives_random_mutations(families):
    import random
    from datetime import timedelta

    site = NewsroomSite(families=families)
    rng = random.Random(1)
    for _ in range(20):
        op = rng.random()
        if op < 0.3:
            site.add_releases(
                rng.randint(1, 2), date(2019, 1, 1) + timedelta(days=rng.randrange(2900))
            )
        elif op < 0.6:
            path = rng.choice(site.article_paths(rng.choice(LANGS)))
            if path not in site.broken_paths():
                site.remove_release(path, rng.choice([404, 410]))
        else:
            site.next_day(rng.randint(0, 2), rng.randint(0, 3))
    for lang in LANGS:
        # brute force: every live page sorted by (published, family) newest first
        live = []
        for t in site.expected_releases(lang):
            assert site.resolve(t["url_path"])[1] == lang
        fids = [*range(site.n_base), *site._overlay]
        for f in fids:
            fam = site.family(f)
            if lang in fam.langs and site._live(f, lang):
                live.append((fam.published, f, site.path_of(f, lang)))
        live.sort(reverse=True)
        assert site.article_paths(lang) == [p for _, _, p in live]
