"""Discovery: which release URLs exist, from sitemaps and newsroom listing pages.

Parsing (sitemap XML, listing HTML) is pure; `discover` wires the fetcher to it. URLs are
identified by their path and always fetched from the configured base URL, so a mirror whose
sitemap still names the live host works the same.
"""

from __future__ import annotations

import functools
import gzip
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser

from ingest.errors import FetchError, GoneError, IngestError
from ingest.fetch import Fetcher
from ingest.settings import Settings, _compile

_SM_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
_XHTML_NS = "{http://www.w3.org/1999/xhtml}"


@dataclass(frozen=True, slots=True)
class SitemapEntry:
    loc: str
    lastmod: str | None = None
    alternates: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Sitemap:
    is_index: bool
    entries: tuple[SitemapEntry, ...]


@dataclass(frozen=True, slots=True)
class ListingPage:
    links: tuple[str, ...]
    next_url: str | None


@dataclass(slots=True)
class Candidate:
    """A release URL we know of, with what discovery learned about it."""

    path: str
    language: str
    year: int
    lastmod: str | None = None
    # the sitemap's xhtml:link alternates of this page: language -> path (translations)
    alternates: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Discovery:
    candidates: dict[str, Candidate] = field(default_factory=dict)
    pages_seen: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)
    # lastmod of each child sitemap as the index announced it; stored so the next daily
    # run skips children that did not change.
    sitemap_lastmods: dict[str, str] = field(default_factory=dict)
    from_sitemaps: int = 0

    def add(self, cand: Candidate) -> None:
        old = self.candidates.get(cand.path)
        if old is None:
            self.candidates[cand.path] = cand
            return
        if cand.lastmod and (old.lastmod is None or cand.lastmod > old.lastmod):
            old.lastmod = cand.lastmod
        for lang, path in cand.alternates.items():
            old.alternates.setdefault(lang, path)


# RFC 3986 appendix B: scheme, authority, then the path up to "?" or "#". One C-level match
# instead of urlsplit: discovery takes the path of every URL in every sitemap it reads.
_URL_PATH = re.compile(r"(?:[A-Za-z][A-Za-z0-9+.-]*:)?(?://[^/?#]*)?([^?#]*)")


def url_path(url: str) -> str:
    """The identity of a page: its path, without query, fragment or trailing slash."""
    m = _URL_PATH.match(url.strip())
    path = m.group(1) if m else ""
    return path.rstrip("/") or "/"


def absolute(base_url: str, path: str) -> str:
    return base_url.rstrip("/") + path


def classify(url: str, settings: Settings) -> tuple[str, int] | None:
    """(language, year) when the URL is a release page of a followed language, else None."""
    hit = Classifier(settings)(url)
    return hit[1:] if hit is not None else None


class Classifier:
    """classify() for one run: the settings read once, and every URL classified once.

    A sitemap names each release about five times (its own entry, and as an hreflang
    alternate of each translation), and listing pages repeat their chrome links.
    """

    def __init__(self, settings: Settings) -> None:
        self._patterns = tuple(sorted(settings.article_patterns.items()))
        self._languages = frozenset(settings.languages)
        self._seen: dict[str, tuple[str, str, int] | None] = {}

    def __call__(self, url: str) -> tuple[str, str, int] | None:
        """(path, language, year) of a release page of a followed language, else None."""
        try:
            return self._seen[url]
        except KeyError:
            pass
        path = url_path(url)
        hit = _classify_path(path, self._patterns)
        out = (path, *hit) if hit is not None and hit[0] in self._languages else None
        self._seen[url] = out
        return out


@functools.lru_cache(maxsize=65536)
def _classify_path(path: str, patterns: tuple[tuple[str, str], ...]) -> tuple[str, int] | None:
    # Listing pages repeat the same site chrome links on every page: memoise by path.
    for lang, pattern in _compile(patterns).items():
        m = pattern.match(path)
        if m:
            return lang, int(m.group("year"))
    return None


def _text(el: ET.Element | None) -> str | None:
    return el.text.strip() if el is not None and el.text and el.text.strip() else None


def parse_sitemap(body: bytes) -> Sitemap:
    """A sitemap or sitemap index (optionally gzipped) -> its entries. Raises ValueError."""
    if body[:2] == b"\x1f\x8b":
        body = gzip.decompress(body)
    root = ET.fromstring(body)
    is_index = root.tag.endswith("sitemapindex")
    entries = []
    for node in root:
        if not (node.tag.endswith("url") or node.tag.endswith("sitemap")):
            continue
        loc = _text(node.find(f"{_SM_NS}loc")) or _text(node.find("loc"))
        if not loc:
            continue
        lastmod = _text(node.find(f"{_SM_NS}lastmod")) or _text(node.find("lastmod"))
        alternates = {}
        for link in node.iter(f"{_XHTML_NS}link"):
            lang = (link.get("hreflang") or "").split("-")[0].lower()
            if link.get("rel") == "alternate" and lang and link.get("href"):
                alternates[lang] = link.get("href", "")
        entries.append(SitemapEntry(loc=loc, lastmod=lastmod, alternates=alternates))
    return Sitemap(is_index=is_index, entries=tuple(entries))


_PAGE_PARAM = re.compile(r"(?:^|[?&])page=(\d+)")


def parse_listing(html: bytes | str, page_url: str) -> ListingPage:
    """Links on a listing page, and the next page (rel="next", else ?page=N+1 if linked)."""
    tree = LexborHTMLParser(html if isinstance(html, str) else html.decode("utf-8", "replace"))
    base_node = tree.css_first("base[href]")
    base = urljoin(page_url, base_node.attributes.get("href") or "") if base_node else page_url
    parts = urlsplit(base)
    origin = f"{parts.scheme}://{parts.netloc}"
    links: list[str] = []
    page_links: dict[int, str] = {}
    next_url = None
    for node in tree.css("link[rel], a[href]"):
        href = node.attributes.get("href")
        if not href or href.startswith(("mailto:", "javascript:", "#")):
            continue
        # Root-relative links are most of a page: join them without urljoin's full parse.
        target = (origin + href if href.startswith("/") and not href.startswith("//")
                  else urljoin(base, href))
        rel = (node.attributes.get("rel") or "").lower().split()
        if "next" in rel and next_url is None:
            next_url = target
        if node.tag == "a":
            links.append(target)
            if "page=" in target:
                m = _PAGE_PARAM.search(urlsplit(target).query)
                if m:
                    page_links[int(m.group(1))] = target
    if next_url is None and page_links:
        m = _PAGE_PARAM.search(urlsplit(page_url).query)
        current = int(m.group(1)) if m else min(page_links) - 1
        next_url = page_links.get(current + 1)
    return ListingPage(links=tuple(dict.fromkeys(links)), next_url=next_url)


def _in_range(cand: Candidate, since: date | None, until: date | None) -> bool:
    """Coarse filter before fetching: the URL's year must overlap [since, until]."""
    if since and cand.year < since.year:
        return False
    return not (until and cand.year > until.year)


def _lastmod_in_range(lastmod: str | None, since: date | None) -> bool:
    # A child sitemap last modified before `since` holds nothing newer; skip it.
    return not (since and lastmod and lastmod[:10] < since.isoformat())


def discover(
    fetcher: Fetcher,
    settings: Settings,
    *,
    known: Iterable[str] = (),
    since: date | None = None,
    until: date | None = None,
    full: bool = False,
    previous_sitemaps: Mapping[str, str] | None = None,
) -> Discovery:
    """Find release URLs through sitemaps (robots.txt + configured paths) and listing pages.

    `full=False` (daily) stops paging a listing at the first page with nothing unknown;
    `full=True` (backfill) pages on until the listing runs past `since` or ends.
    `previous_sitemaps` (child sitemap path -> lastmod from the last run): unchanged children
    are not fetched again unless `full`.
    """
    previous_sitemaps = previous_sitemaps or {}
    known = set(known)
    found = Discovery()
    release_at = Classifier(settings)
    base = settings.base_url

    sitemap_urls = [urljoin(base + "/", p.lstrip("/")) for p in settings.sitemap_paths]
    if settings.respect_robots:
        sitemap_urls = fetcher.robots.sitemaps(base + "/") + sitemap_urls
    queue = [absolute(base, url_path(u)) for u in dict.fromkeys(sitemap_urls)]
    seen_sitemaps: set[str] = set()
    while queue:
        sm_url = queue.pop(0)
        if sm_url in seen_sitemaps or len(seen_sitemaps) > 5000:
            continue
        seen_sitemaps.add(sm_url)
        try:
            res = fetcher.get(sm_url)
            found.pages_seen += 1
            sitemap = parse_sitemap(res.body)
        except (FetchError, ET.ParseError, OSError) as exc:
            found.problems.append((sm_url, f"sitemap skipped: {exc}"))
            continue
        for entry in sitemap.entries:
            if sitemap.is_index:
                child = url_path(entry.loc)
                if entry.lastmod:
                    found.sitemap_lastmods[child] = entry.lastmod
                unchanged = entry.lastmod and previous_sitemaps.get(child) == entry.lastmod
                if _lastmod_in_range(entry.lastmod, since) and (full or not unchanged):
                    queue.append(absolute(base, child))
                continue
            for loc in (entry.loc, *entry.alternates.values()):
                hit = release_at(loc)
                if hit:
                    cand = Candidate(*hit, entry.lastmod if loc == entry.loc else None)
                    if loc == entry.loc:
                        cand.alternates = {lang: url_path(href)
                                           for lang, href in entry.alternates.items()
                                           if href and url_path(href) != cand.path}
                    if _in_range(cand, since, until):
                        found.add(cand)
    found.from_sitemaps = len(found.candidates)

    for lang in settings.languages:
        for listing_path in settings.listing_paths.get(lang, ()):
            _walk_listing(fetcher, settings, absolute(base, listing_path), known, found,
                          release_at, since=since, until=until, full=full)
    return found


def _walk_listing(
    fetcher: Fetcher,
    settings: Settings,
    start: str,
    known: set[str],
    found: Discovery,
    release_at: Classifier,
    *,
    since: date | None,
    until: date | None,
    full: bool,
) -> None:
    url: str | None = start
    visited: set[str] = set()
    while url and url not in visited and len(visited) < settings.max_listing_pages:
        visited.add(url)
        try:
            res = fetcher.get(url)
        except GoneError as exc:
            # A missing entry point is normal on a mirror that only has sitemaps.
            found.problems.append((url, f"listing page not found (HTTP {exc.status}); "
                                   "skipped - adjust Settings.listing_paths for this site"))
            return
        except IngestError as exc:
            found.problems.append((url, f"listing skipped: {exc}"))
            return
        found.pages_seen += 1
        page = parse_listing(res.body, res.final_url)
        fresh = 0
        older = 0
        articles = 0
        for link in page.links:
            hit = release_at(link)
            if not hit:
                continue
            articles += 1
            cand = Candidate(*hit)
            if since and cand.year < since.year:
                older += 1
            if not _in_range(cand, since, until):
                continue
            if cand.path not in known and cand.path not in found.candidates:
                fresh += 1
            found.add(cand)
        if fresh == 0 and (not full or found.from_sitemaps):
            # Daily: nothing unknown on this page. Backfill: the sitemaps already list
            # everything this page links, so the rest of the listing adds nothing either.
            return
        if articles and older == articles:
            return  # newest-first listing has run past the backfill window
        url = page.next_url
