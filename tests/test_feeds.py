"""RSS and Atom parsing (ingest.feeds): real feed documents as the common generators write
them, a malformed one, an entity bomb and a huge one."""
# ruff: noqa: E501  (the feed documents keep their generators' long lines)

from __future__ import annotations

import gzip
import time
import tracemalloc
import xml.etree.ElementTree as ET

import pytest

from ingest.feeds import iso_date, parse_feed

FEED_URL = "https://news.example.org/feed/"

# WordPress 6.x RSS 2.0, trimmed: no <link> trouble, but a `&nbsp;` (invalid XML without a
# DTD, common in the wild), CDATA bodies, guid isPermaLink="false" (the ?p=ID form).
WORDPRESS_RSS = b"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:wfw="http://wellformedweb.org/CommentAPI/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:atom="http://www.w3.org/2005/Atom"
	xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"
	xmlns:slash="http://purl.org/rss/1.0/modules/slash/">
<channel>
	<title>Harbour Customs &#8211; Newsroom</title>
	<atom:link href="https://news.example.org/feed/" rel="self" type="application/rss+xml" />
	<link>https://news.example.org</link>
	<description>Press releases</description>
	<lastBuildDate>Tue, 05 Mar 2024 09:30:12 +0000</lastBuildDate>
	<language>en-GB</language>
	<sy:updatePeriod>hourly</sy:updatePeriod>
	<generator>https://wordpress.org/?v=6.4.3</generator>
	<item>
		<title>Record cocaine seizure&nbsp;at the container terminal</title>
		<link>https://news.example.org/2024/03/05/record-cocaine-seizure/</link>
		<comments>https://news.example.org/2024/03/05/record-cocaine-seizure/#respond</comments>
		<dc:creator><![CDATA[Press Office]]></dc:creator>
		<pubDate>Tue, 05 Mar 2024 09:12:00 +0000</pubDate>
		<category><![CDATA[Press releases]]></category>
		<guid isPermaLink="false">https://news.example.org/?p=412</guid>
		<description><![CDATA[Officers found 1.2 tonnes &#8230;]]></description>
		<content:encoded><![CDATA[<p>ROTTERDAM &#8211; Officers found <b>1.2 tonnes</b>.</p>]]></content:encoded>
		<wfw:commentRss>https://news.example.org/2024/03/05/record-cocaine-seizure/feed/</wfw:commentRss>
		<slash:comments>0</slash:comments>
	</item>
	<item>
		<title>Counterfeit medicines stopped</title>
		<link>https://news.example.org/2024/02/27/counterfeit-medicines/</link>
		<pubDate>Tue, 27 Feb 2024 16:45:00 +0100</pubDate>
		<guid isPermaLink="false">https://news.example.org/?p=398</guid>
	</item>
</channel>
</rss>
"""

# Atom 1.0 (RFC 4287): xml:base, relative hrefs, rel="alternate" with hreflang for the
# translation, rel="edit" (not the page), RFC 5005 paging.
ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr" xml:base="https://news.example.org/fr/">
  <title type="text">Douanes du port</title>
  <updated>2024-03-06T08:00:00Z</updated>
  <id>tag:news.example.org,2024:/fr/feed/atom</id>
  <link rel="self" type="application/atom+xml" href="feed/atom/"/>
  <link rel="alternate" type="text/html" href="./"/>
  <link rel="next" href="feed/atom/?paged=2"/>
  <generator uri="https://example.org/cms" version="2.1">ExampleCMS</generator>
  <entry>
    <title type="html">Saisie record de cocaïne</title>
    <link rel="edit" href="/wp-admin/post.php?post=413"/>
    <link rel="alternate" type="text/html" href="2024/03/05/saisie-record-de-cocaine/"/>
    <link rel="alternate" hreflang="en" type="text/html"
          href="https://news.example.org/2024/03/05/record-cocaine-seizure/"/>
    <id>https://news.example.org/?p=413</id>
    <published>2024-03-05T10:12:00+01:00</published>
    <updated>2024-03-06T07:59:58.250Z</updated>
    <summary type="html">Les agents ont découvert&#8230;</summary>
  </entry>
  <entry xml:base="https://news.example.org/fr/archives/">
    <title>Médicaments contrefaits</title>
    <link href="2024/02/27/medicaments-contrefaits/"/>
    <id>tag:news.example.org,2024-02-27:/fr/398</id>
    <updated>2024-02-27T15:45:00Z</updated>
  </entry>
  <entry>
    <title>An entry with no page link is skipped</title>
    <id>tag:news.example.org,2024:/fr/no-link</id>
    <updated>2024-02-20T10:00:00Z</updated>
  </entry>
</feed>
""".encode()

RDF = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://news.example.org/rss1"><title>t</title></channel>
  <item rdf:about="https://news.example.org/2023/11/02/old-news/">
    <title>Old news</title><link>https://news.example.org/2023/11/02/old-news/</link>
    <dc:date>2023-11-02T08:00:00+00:00</dc:date>
  </item>
</rdf:RDF>
"""


def test_wordpress_rss_items_links_dates_and_generator():
    feed = parse_feed(WORDPRESS_RSS, FEED_URL)
    assert feed.kind == "rss" and feed.broken is None and not feed.more
    assert feed.generator == "https://wordpress.org/?v=6.4.3"
    assert feed.next_url is None  # rel="self" is not a next page
    first, second = feed.entries
    # The permalink, not the ?p=ID guid (isPermaLink="false").
    assert first.link == "https://news.example.org/2024/03/05/record-cocaine-seizure/"
    assert first.published == "2024-03-05T09:12:00+00:00" and first.updated is None
    assert first.lastmod == first.published
    assert second.published == "2024-02-27T15:45:00+00:00"  # +0100 in UTC


def test_rss_guid_permalink_relative_links_and_rss1():
    doc = b"""<rss version="2.0"><channel><title>t</title>
      <item><guid>https://news.example.org/2024/01/10/by-guid/</guid>
            <pubDate>Wed, 10 Jan 2024 08:00:00 GMT</pubDate></item>
      <item><link>/2024/01/09/relative/</link><pubDate>not a date</pubDate></item>
      <item><guid isPermaLink="false">urn:uuid:1234</guid></item>
    </channel></rss>"""
    feed = parse_feed(doc, FEED_URL)
    assert [e.link for e in feed.entries] == [
        "https://news.example.org/2024/01/10/by-guid/",
        "https://news.example.org/2024/01/09/relative/",
    ]
    assert [e.published for e in feed.entries] == ["2024-01-10T08:00:00+00:00", None]
    rdf = parse_feed(RDF, "https://news.example.org/rss1")
    assert rdf.kind == "rdf"
    assert [(e.link, e.published) for e in rdf.entries] == [
        ("https://news.example.org/2023/11/02/old-news/", "2023-11-02T08:00:00+00:00")
    ]


def test_atom_entries_alternates_xml_base_and_paging():
    feed = parse_feed(ATOM, "https://news.example.org/fr/feed/atom/")
    assert feed.kind == "atom" and feed.generator == "https://example.org/cms ExampleCMS"
    assert feed.next_url == "https://news.example.org/fr/feed/atom/?paged=2"
    first, second = feed.entries  # the entry without a page link announces nothing
    assert first.link == "https://news.example.org/fr/2024/03/05/saisie-record-de-cocaine/"
    assert first.alternates == {"en": "https://news.example.org/2024/03/05/record-cocaine-seizure/"}
    assert first.published == "2024-03-05T09:12:00+00:00"
    assert first.updated == "2024-03-06T07:59:58+00:00" and first.lastmod == first.updated
    # rel defaults to alternate; the entry's own xml:base wins.
    assert second.link == "https://news.example.org/fr/archives/2024/02/27/medicaments-contrefaits/"
    assert second.published is None and second.lastmod == "2024-02-27T15:45:00+00:00"


def test_a_cut_feed_keeps_what_came_before_and_a_non_feed_is_refused():
    cut = WORDPRESS_RSS[: WORDPRESS_RSS.index(b"Counterfeit")]
    feed = parse_feed(cut, FEED_URL)
    assert len(feed.entries) == 1 and feed.broken is not None
    garbage = WORDPRESS_RSS.replace(b"<pubDate>Tue, 27", b"<pubDate><<Tue, 27")
    assert len(parse_feed(garbage, FEED_URL).entries) == 1
    with pytest.raises(ET.ParseError, match="not a feed: the root element is <html>"):
        parse_feed(b"<!DOCTYPE html><html><head><title>x</title></head></html>", FEED_URL)
    with pytest.raises(ET.ParseError, match="root element is <urlset>"):
        parse_feed(b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"/>', FEED_URL)
    with pytest.raises(ET.ParseError, match="not a feed"):
        parse_feed(b"\x89PNG\r\n\x1a\n binary", FEED_URL)
    with pytest.raises(ET.ParseError, match="not a feed: no element found"):
        parse_feed(b"", FEED_URL)


def test_entities_are_never_expanded():
    lol = [b'<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">'.encode() for i in range(1, 10)
    ]
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE rss [' + b"".join(lol) + b"]><rss><channel>"
        b"<item><link>https://h/2024/01/01/a/</link><title>&lol9;</title></item>"
        b"</channel></rss>"
    )
    t0 = time.perf_counter()
    with pytest.raises(
        ET.ParseError, match="declares the entity 'lol0': entity expansion is refused"
    ):
        parse_feed(bomb, FEED_URL)
    assert time.perf_counter() - t0 < 1
    # An external DTD is never fetched; its entities are skipped, the feed still reads.
    legacy = (
        b'<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD '
        b'RSS 0.91//EN" "http://my.netscape.com/publish/formats/rss-0.91.dtd">'
        b'<rss version="0.91"><channel><item><title>caf&eacute;</title>'
        b"<link>https://h/2024/01/01/a/</link></item></channel></rss>"
    )
    assert [e.link for e in parse_feed(legacy, FEED_URL).entries] == ["https://h/2024/01/01/a/"]


def _huge(items: int) -> bytes:
    item = (
        b"<item><title>%d</title><link>https://h/2020/01/01/post-%d/</link>"
        b"<description>" + b"x" * 200 + b"</description>"
        b"<pubDate>Wed, 01 Jan 2020 10:00:00 +0000</pubDate></item>"
    )
    return b"<rss><channel>" + b"".join(item % (i, i) for i in range(items)) + b"</channel></rss>"


# slow: parses a feed far past the entry cap (8 s), make test only
@pytest.mark.slow
def test_a_huge_feed_is_read_up_to_the_cap_and_never_as_a_tree():
    body = _huge(120_000)
    assert len(body) > 40_000_000
    t0 = time.perf_counter()
    feed = parse_feed(body, FEED_URL, max_entries=1000)
    assert len(feed.entries) == 1000 and feed.more and time.perf_counter() - t0 < 2
    whole = parse_feed(gzip.compress(body, 1), FEED_URL)
    assert len(whole.entries) == 120_000 and not whole.more
    # Memory follows the entries kept, not the document (no tree): measured on a smaller
    # one, because tracing every allocation is slow.
    small = _huge(20_000)
    tracemalloc.start()
    try:
        assert len(parse_feed(small, FEED_URL).entries) == 20_000
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < len(small)  # 7 MB of XML; ElementTree's tree of it takes ~26 MB


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("Tue, 05 Mar 2024 09:12:00 +0000", "2024-03-05T09:12:00+00:00"),
        ("Tue, 05 Mar 2024 09:12:00 GMT", "2024-03-05T09:12:00+00:00"),
        ("05 Mar 2024 10:12 +0100", "2024-03-05T09:12:00+00:00"),
        ("Tue, 05 Mar 2024 04:12:00 EST", "2024-03-05T09:12:00+00:00"),
        ("2024-03-05T09:12:00Z", "2024-03-05T09:12:00+00:00"),
        ("2024-03-05T10:12:00.5+01:00", "2024-03-05T09:12:00+00:00"),
        ("2024-03-05", "2024-03-05T00:00:00+00:00"),
        ("yesterday", None),
        ("", None),
        (None, None),
    ],
)
def test_feed_dates_become_utc_iso_lastmods(text, iso):
    assert iso_date(text) == iso
