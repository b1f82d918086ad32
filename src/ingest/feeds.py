"""RSS and Atom feeds -> the release links they announce, with their dates. Pure: bytes in.

Read the way sitemaps are (discover.parse_sitemap): incrementally, 64 KiB at a time, keeping
only what an entry yields (its links and dates, never its text), stopping after
`max_entries`; a document that stops being well-formed (a body cut at its size cap) keeps
the entries read before the break. Formats: RSS 2.0 (and 0.9x) `<item>` with `<link>`,
`<guid isPermaLink>`, `<pubDate>`; RSS 1.0 (RDF) items; Atom 1.0 (and 0.3) `<entry>` with
`<link rel="alternate" [hreflang]>`, `<updated>`, `<published>`; Dublin Core and Atom dates
inside RSS; `xml:base`; feed paging links (`rel="next"`, RFC 5005, also as `atom:link` in
RSS) and the generator (WordPress pages its feeds with `?paged=N` instead).

No entity is ever expanded: expat is told the document has a DTD it will never load, so an
undefined entity (`&nbsp;` in a title) is skipped instead of breaking the feed, and a
document that declares entities (the billion-laughs family) is refused before its first
entry. Nothing is fetched from outside.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
import xml.parsers.expat as expat
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

from ingest.fetch import inflate_bounded

ATOM = "http://www.w3.org/2005/Atom"
ATOM03 = "http://purl.org/atom/ns#"
RSS1 = "http://purl.org/rss/1.0/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
DC = "http://purl.org/dc/elements/1.1/"
DCTERMS = "http://purl.org/dc/terms/"
XML_BASE = "http://www.w3.org/XML/1998/namespace base"
CHUNK = 1 << 16
_MAX_TEXT = 4096  # a link, an id or a date is short; longer text is not one of those

# Element (namespace, local name) inside an item -> the field its text gives.
_ITEM_TEXT = {
    ("", "link"): "link",
    (RSS1, "link"): "link",
    ("", "guid"): "guid",
    ("", "pubDate"): "published",
    (DC, "date"): "published",
    (DCTERMS, "issued"): "published",
    (DCTERMS, "created"): "published",
    (DCTERMS, "modified"): "updated",
    (ATOM, "published"): "published",
    (ATOM, "updated"): "updated",
    (ATOM, "id"): "id",
    (ATOM03, "issued"): "published",
    (ATOM03, "modified"): "updated",
    (ATOM03, "id"): "id",
}
_FEED_TEXT = {
    ("", "generator"): "generator",
    (ATOM, "generator"): "generator",
    (ATOM03, "generator"): "generator",
}
_ITEMS = {("", "item"), (RSS1, "item"), (ATOM, "entry"), (ATOM03, "entry")}
_LINKS = {(ATOM, "link"), (ATOM03, "link")}


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One item: the page it announces, its language versions, and its dates (ISO 8601)."""

    link: str
    alternates: Mapping[str, str] = field(default_factory=dict)
    published: str | None = None
    updated: str | None = None

    @property
    def lastmod(self) -> str | None:
        """When the page last changed, as far as the feed says (updated, else published)."""
        return self.updated or self.published


@dataclass(frozen=True, slots=True)
class Feed:
    kind: str  # rss | atom | rdf
    entries: tuple[FeedEntry, ...]
    next_url: str | None = None  # the feed's own paging link (rel="next")
    generator: str | None = None
    more: bool = False  # entries past max_entries were left unread
    broken: str | None = None  # the XML stopped being well-formed here (a cut body)


class _Stop(Exception):
    """max_entries reached: stop reading (raised from inside an expat handler)."""


class _Refused(Exception):
    """The document declares entities: refused without expanding any."""


def iso_date(text: str | None) -> str | None:
    """An RFC 822 (RSS) or RFC 3339 / W3C (Atom, Dublin Core) date -> ISO 8601 in UTC
    (`2024-03-05T09:12:00+00:00`, comparable as text with sitemap lastmods), or None."""
    if not text:
        return None
    text = text.strip()
    when: datetime | None = None
    try:
        when = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat(timespec="seconds")


def _split(name: str) -> tuple[str, str]:
    uri, _, local = name.rpartition(" ")
    return uri, local


def _http(url: str | None) -> bool:
    return url is not None and url.lower().startswith(("http://", "https://"))


class _Reader:
    """expat handlers that keep only what entries yield."""

    def __init__(self, url: str, max_entries: int | None) -> None:
        self.max_entries = max_entries
        self.kind: str | None = None
        self.bases: list[str] = [url]
        self.depth = 0
        self.item_depth: int | None = None
        self.field: str | None = None
        self.text: list[str] = []
        # the entry being read: its text fields, its alternates, and whether its guid is a
        # permalink (RSS isPermaLink, true unless it says false)
        self.item: dict[str, str] = {}
        self.alternates: dict[str, str] = {}
        self.permalink = True
        self.entries: list[FeedEntry] = []
        self.next_url: str | None = None
        self.generator: str | None = None
        self.more = False

    def parser(self) -> expat.XMLParserType:
        p = expat.ParserCreate(namespace_separator=" ")
        # A DTD we never read: undefined entities are skipped, not errors; nothing external
        # is loaded, and any entity declaration is refused (no expansion at all).
        p.UseForeignDTD(True)
        p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        p.ExternalEntityRefHandler = lambda *args: 1
        p.EntityDeclHandler = self.refuse_entity
        p.StartElementHandler = self.start
        p.EndElementHandler = self.end
        p.CharacterDataHandler = self.chars
        p.buffer_text = True
        return p

    def refuse_entity(self, name: str, *args: object) -> None:
        raise _Refused(f"the document declares the entity {name!r}: entity expansion is refused")

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.depth += 1
        key = _split(name)
        base = attrs.get(XML_BASE)
        self.bases.append(urljoin(self.bases[-1], base) if base else self.bases[-1])
        if self.depth == 1:
            self.kind = {
                ("", "rss"): "rss",
                (ATOM, "feed"): "atom",
                (ATOM03, "feed"): "atom",
                (RDF, "RDF"): "rdf",
                ("", "feed"): "atom",
            }.get(key)
            if self.kind is None:
                raise ET.ParseError(
                    f"not a feed: the root element is <{key[1]}>, not <rss>, <feed> or <rdf:RDF>"
                )
            return
        if self.item_depth is None:
            if key in _ITEMS:
                self.item_depth = self.depth
                self.item, self.alternates, self.permalink = {}, {}, True
            elif key in _LINKS and self._paging(attrs):
                self.next_url = urljoin(self.bases[-1], attrs["href"])
            elif key in _FEED_TEXT:
                self.field = "generator"
                self.text = [attrs.get("uri", "") + " "]
            return
        if self.depth != self.item_depth + 1:
            return
        if key in _LINKS:
            self._atom_link(attrs)
        elif key in _ITEM_TEXT:
            self.field = _ITEM_TEXT[key]
            self.text = []
            if self.field == "guid":
                self.permalink = attrs.get("isPermaLink", "true").lower() != "false"

    @staticmethod
    def _paging(attrs: Mapping[str, str]) -> bool:
        return "next" in attrs.get("rel", "").lower().split() and bool(attrs.get("href"))

    def _atom_link(self, attrs: Mapping[str, str]) -> None:
        href = attrs.get("href")
        rel = attrs.get("rel", "alternate").lower()
        if not href or rel != "alternate":
            return
        href = urljoin(self.bases[-1], href.strip())
        lang = (attrs.get("hreflang") or "").split("-")[0].lower()
        html = attrs.get("type", "text/html").lower() in ("text/html", "application/xhtml+xml")
        if lang and lang not in self.alternates:
            self.alternates[lang] = href
        if html and "link" not in self.item:
            self.item["link"] = href

    def chars(self, data: str) -> None:
        if self.field is not None and sum(map(len, self.text)) < _MAX_TEXT:
            self.text.append(data)

    def end(self, name: str) -> None:
        if self.field is not None:
            value = "".join(self.text).strip()[:_MAX_TEXT]
            if self.field == "generator":
                self.generator = value or None
            elif value and self.field not in self.item:
                self.item[self.field] = value
            self.field = None
        if self.item_depth is not None and self.depth == self.item_depth:
            self.item_depth = None
            self._finish(self.bases[-1])
        self.depth -= 1
        self.bases.pop()

    def _finish(self, base: str) -> None:
        item = self.item
        link = item.get("link")
        if isinstance(link, str) and link and self.kind != "atom":
            link = urljoin(base, link)
        if not link and self.permalink and _http(item.get("guid")):
            link = item["guid"]  # RSS: a permalink guid is the item's URL
        if not link and _http(item.get("id")):
            link = item["id"]
        if not isinstance(link, str) or not link:
            return  # an item that names no page announces nothing we can fetch
        if self.max_entries is not None and len(self.entries) >= self.max_entries:
            self.more = True
            raise _Stop
        self.entries.append(
            FeedEntry(
                link=link,
                alternates=dict(self.alternates),
                published=iso_date(item.get("published")),
                updated=iso_date(item.get("updated")),
            )
        )


def parse_feed(
    body: bytes, url: str, max_entries: int | None = None, max_bytes: int = 50 * 1024 * 1024
) -> Feed:
    """An RSS or Atom document (optionally gzipped) served at `url` -> its entries, at most
    `max_entries`. Raises ET.ParseError when it is not a feed at all, or when it declares
    entities (refused: nothing is expanded)."""
    if body[:2] == b"\x1f\x8b":
        body, _cut = inflate_bounded(body, max_bytes)
    reader = _Reader(url, max_entries)
    parser = reader.parser()
    broken = None
    try:
        for i in range(0, len(body), CHUNK):
            parser.Parse(body[i : i + CHUNK], False)
        parser.Parse(b"", True)
    except _Stop:
        pass
    except _Refused as exc:
        raise ET.ParseError(str(exc)) from None
    except expat.ExpatError as exc:
        if reader.kind is None:
            raise ET.ParseError(f"not a feed: {exc}") from None
        broken = str(exc)
    if reader.kind is None:
        raise ET.ParseError("not a feed: no root element")
    return Feed(
        kind=reader.kind,
        entries=tuple(reader.entries),
        next_url=reader.next_url,
        generator=reader.generator,
        more=reader.more,
        broken=broken,
    )


def next_page(feed: Feed, start: str, page: int, page_param: str | None) -> str | None:
    """The URL of the page after `page` of the feed at `start`: the feed's own rel="next",
    else `start` with ?<page_param>=N+1 (`paged` when the feed says WordPress made it:
    WordPress feeds have no next link but answer ?paged=N); None when it does not page."""
    if page_param is None and feed.generator and "wordpress" in feed.generator.lower():
        page_param = "paged"
    if feed.next_url or not page_param:
        return feed.next_url
    parts = urlsplit(start)
    query = [q for q in parts.query.split("&") if q and q.split("=", 1)[0] != page_param]
    return parts._replace(query="&".join([*query, f"{page_param}={page + 1}"])).geturl()
