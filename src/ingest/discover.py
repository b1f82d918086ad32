"""Discovery: which release URLs exist, from sitemaps, RSS/Atom feeds and listing pages.

Parsing (sitemap XML, feeds in `ingest.feeds`, listing HTML) is pure; `discover` wires the
fetcher to it. URLs are identified by their path and always fetched from the configured
base URL, so a mirror whose sitemap or feed still names the live host works the same.
"""

from __future__ import annotations

import functools
import re
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser

from ingest.errors import FetchError, GoneError, IngestError
from ingest.feeds import next_page, parse_feed
from ingest.fetch import Fetcher, inflate_bounded
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
    more: bool = False  # entries past max_entries were left unread
    broken: str | None = None  # the XML stopped being well-formed here (a cut body)


@dataclass(frozen=True, slots=True)
class ListingPage:
    links: tuple[str, ...]
    next_url: str | None


@dataclass(slots=True)
class Candidate:
    """A release URL we know of, with what discovery learned about it."""

    path: str
    language: str
    year: int | None  # from the URL (or the feed's date); None when neither gives one
    lastmod: str | None = None
    href: str | None = None  # as linked, when that is path + "/": fetched so (no redirect)
    # the sitemap's xhtml:link alternates of this page: language -> path (translations)
    alternates: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Discovery:
    candidates: dict[str, Candidate] = field(default_factory=dict)
    pages_seen: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)
    # lastmod of each child sitemap this run read (as the index announced it); stored so
    # the next daily run skips children that did not change. Children not read (skipped,
    # out of the date range, failed) are not in it: state never claims a read not made.
    sitemap_lastmods: dict[str, str] = field(default_factory=dict)
    from_sitemaps: int = 0  # candidates found before the listings (sitemaps and feeds)
    feed_pages: int = 0  # feed documents read (capped like sitemaps per run)
    # Caps reached and other things the run report must say (Settings "Safety limits").
    warnings: list[str] = field(default_factory=list)
    # Requests to the newsroom that got an answer / that failed (unreachable, refused).
    reached: int = 0
    unreachable: list[tuple[str, str]] = field(default_factory=list)

    def add(self, cand: Candidate) -> None:
        old = self.candidates.get(cand.path)
        if old is None:
            self.candidates[cand.path] = cand
            return
        if cand.lastmod and (old.lastmod is None or cand.lastmod > old.lastmod):
            old.lastmod = cand.lastmod
        old.href = old.href or cand.href
        for lang, path in cand.alternates.items():
            old.alternates.setdefault(lang, path)


# RFC 3986 appendix B: scheme, authority, then the path up to "?" or "#". One C-level match
# instead of urlsplit: discovery takes the path of every URL in every sitemap it reads.
_URL_PATH = re.compile(r"(?:[A-Za-z][A-Za-z0-9+.-]*:)?(?://[^/?#]*)?([^?#]*)")


_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_PCT = re.compile(r"%([0-9A-Fa-f]{2})")


def url_path(url: str) -> str:
    """The identity of a page: its normalised path, without query, fragment or trailing slash.

    Normalised once, here, by RFC 3986 section 6.2.2: percent-encoded unreserved characters
    are decoded (`%7E` -> `~`, `%41` -> `A`), other escapes get upper-case hex (`%2f` ->
    `%2F`), characters outside ASCII are percent-encoded as UTF-8 (an IRI and its URI are
    one page), and dot segments are resolved (`/a/./b/../c` -> `/a/c`). Case is kept: paths
    are case-sensitive (only the scheme and host are not, and they are not part of the
    identity). Empty segments (`//`) are kept, as the RFC says.
    """
    m = _URL_PATH.match(url.strip())
    path = m.group(1) if m else ""
    if "%" in path or "/." in path or not path.isascii():
        path = normalise_path(path)
    return path.rstrip("/") or "/"


def site_form(url: str, path: str) -> str | None:
    """The path as `url` spells it, when that is the identity `path` plus a trailing slash."""
    if not url.endswith("/"):  # most URLs: one C-level check per sitemap entry
        return None
    m = _URL_PATH.match(url.strip())
    raw = m.group(1) if m else ""
    return raw if len(raw) == len(path) + 1 and raw.endswith("/") and raw[:-1] == path else None


def normalise_path(path: str) -> str:
    """RFC 3986 syntax-based normalisation of a path (see url_path)."""
    if not path.isascii():
        path = "".join(
            ch if ch.isascii() else "".join(f"%{b:02X}" for b in ch.encode()) for ch in path
        )

    def fix(m: re.Match[str]) -> str:
        byte = int(m.group(1), 16)
        return chr(byte) if byte in _UNRESERVED else f"%{m.group(1).upper()}"

    path = _PCT.sub(fix, path)
    if "/." in path or path.startswith("."):
        path = _remove_dot_segments(path)
    return path


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4."""
    out: list[str] = []
    segments = path.split("/")
    for i, seg in enumerate(segments):
        last = i == len(segments) - 1
        if seg == ".":
            if last:
                out.append("")
        elif seg == "..":
            if len(out) > 1:
                out.pop()
            if last:
                out.append("")
        else:
            out.append(seg)
    result = "/".join(out)
    return result if result.startswith("/") or not path.startswith("/") else "/" + result


def absolute(base_url: str, path: str) -> str:
    return base_url.rstrip("/") + path


def classify(url: str, settings: Settings) -> tuple[str, int | None] | None:
    """(language, year) when the URL is a release page of a followed language, else None.
    The year is None when the source's pattern has no `year` group."""
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
        self._seen: dict[str, tuple[str, str, int | None] | None] = {}

    def __call__(self, url: str) -> tuple[str, str, int | None] | None:
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
def _classify_path(
    path: str, patterns: tuple[tuple[str, str], ...]
) -> tuple[str, int | None] | None:
    # Listing pages repeat the same site chrome links on every page: memoise by path.
    for lang, pattern in _compile(patterns).items():
        m = pattern.match(path)
        if m:
            year = m.groupdict().get("year")
            return lang, int(year) if year and year.isascii() and year.isdigit() else None
    return None


def _text(el: ET.Element | None) -> str | None:
    return el.text.strip() if el is not None and el.text and el.text.strip() else None


def parse_sitemap(
    body: bytes, max_entries: int | None = None, max_bytes: int = 50 * 1024 * 1024
) -> Sitemap:
    """A sitemap or sitemap index (optionally gzipped) -> its entries, at most `max_entries`.

    Parsed incrementally (each entry is dropped from the tree once read), so memory follows
    the entries kept, not the document; a gzipped file is inflated to at most `max_bytes`.
    A document that stops being well-formed (cut at a size cap) keeps the entries read
    before the break; one that is not a sitemap at all raises ET.ParseError.
    """
    if body[:2] == b"\x1f\x8b":
        body, _cut = inflate_bounded(body, max_bytes)
    parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("start", "end"))
    entries: list[SitemapEntry] = []
    is_index: bool | None = None
    more = False
    broken = None
    depth = 0
    root: ET.Element | None = None
    try:
        for i in range(0, len(body), 1 << 16):
            parser.feed(body[i : i + (1 << 16)])
            for item in parser.read_events():
                event, node = item[0], item[-1]
                if not isinstance(node, ET.Element):
                    continue  # start and end events carry elements; nothing else is asked for
                if event == "start":
                    depth += 1
                    if depth == 1:
                        root = node
                        is_index = node.tag.endswith("sitemapindex")
                    continue
                depth -= 1
                if depth != 1:
                    continue
                entry = _entry(node)
                if root is not None:
                    root.remove(node)  # keep memory flat over a million entries
                if entry is None:
                    continue
                if max_entries is not None and len(entries) >= max_entries:
                    more = True
                    break
                entries.append(entry)
            if more:
                break
        if not more:
            parser.close()
    except ET.ParseError as exc:
        if is_index is None:
            raise
        broken = str(exc)
    if is_index is None:
        raise ET.ParseError("not a sitemap: no root element")
    return Sitemap(is_index=is_index, entries=tuple(entries), more=more, broken=broken)


def _entry(node: ET.Element) -> SitemapEntry | None:
    if not (node.tag.endswith("url") or node.tag.endswith("sitemap")):
        return None
    loc = _text(node.find(f"{_SM_NS}loc")) or _text(node.find("loc"))
    if not loc:
        return None
    lastmod = _text(node.find(f"{_SM_NS}lastmod")) or _text(node.find("lastmod"))
    alternates = {}
    for link in node.iter(f"{_XHTML_NS}link"):
        lang = (link.get("hreflang") or "").split("-")[0].lower()
        if link.get("rel") == "alternate" and lang and link.get("href"):
            alternates[lang] = link.get("href", "")
    return SitemapEntry(loc=loc, lastmod=lastmod, alternates=alternates)


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
        target = (
            origin + href
            if href.startswith("/") and not href.startswith("//")
            else urljoin(base, href)
        )
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
    """Coarse filter before fetching: the URL's year must overlap [since, until] (a page
    whose year is unknown is kept: only its fetch can tell)."""
    if cand.year is None:
        return True
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
    # (url, depth): the robots.txt / configured sitemaps are depth 0, their children 1...
    queue = [(absolute(base, url_path(u)), 0) for u in dict.fromkeys(sitemap_urls)]
    seen_sitemaps: set[str] = set()
    announced: dict[str, tuple[str, str]] = {}  # child URL -> (path, lastmod in the index)
    cap_runs, cap_depth = settings.max_sitemaps_per_run, settings.max_sitemap_depth
    skipped_deep = 0
    while queue:
        sm_url, depth = queue.pop(0)
        if sm_url in seen_sitemaps:
            continue
        if len(seen_sitemaps) >= cap_runs:
            found.warnings.append(
                f"sitemaps capped at {cap_runs:,} this run; {len(queue) + 1:,} more were "
                "not read (INGEST_MAX_SITEMAPS_PER_RUN)"
            )
            break
        seen_sitemaps.add(sm_url)
        try:
            res = fetcher.get(sm_url, kind="sitemap")
        except (FetchError, OSError) as exc:
            _note_unreached(found, sm_url, exc)
            found.problems.append((sm_url, f"sitemap skipped: {exc}"))
            continue
        found.reached += 1
        found.pages_seen += 1
        try:
            sitemap = parse_sitemap(
                res.body, settings.max_urls_per_sitemap, settings.max_sitemap_bytes
            )
        except (ET.ParseError, OSError, zlib.error) as exc:
            found.problems.append((sm_url, f"sitemap skipped: {exc}"))
            continue
        if res.truncated or sitemap.broken:
            found.warnings.append(
                f"sitemap {sm_url} is larger than {settings.max_sitemap_bytes:,} bytes: "
                "read up to there only (INGEST_MAX_SITEMAP_BYTES)"
            )
        if sitemap.more:
            found.warnings.append(
                f"sitemap {sm_url} lists more than {settings.max_urls_per_sitemap:,} URLs; "
                "the first were read, the rest ignored (INGEST_MAX_URLS_PER_SITEMAP)"
            )
        if sm_url in announced:
            child, lastmod = announced.pop(sm_url)
            found.sitemap_lastmods[child] = lastmod
        for entry in sitemap.entries:
            if sitemap.is_index:
                child = url_path(entry.loc)
                unchanged = entry.lastmod and previous_sitemaps.get(child) == entry.lastmod
                if _lastmod_in_range(entry.lastmod, since) and (full or not unchanged):
                    if depth + 1 > cap_depth:
                        skipped_deep += 1
                    else:
                        queue.append((absolute(base, child), depth + 1))
                        if entry.lastmod:
                            announced[absolute(base, child)] = (child, entry.lastmod)
                continue
            for loc in (entry.loc, *entry.alternates.values()):
                hit = release_at(loc)
                if hit:
                    cand = Candidate(
                        *hit, entry.lastmod if loc == entry.loc else None, site_form(loc, hit[0])
                    )
                    if loc == entry.loc:
                        cand.alternates = {
                            lang: url_path(href)
                            for lang, href in entry.alternates.items()
                            if href and url_path(href) != cand.path
                        }
                    if _in_range(cand, since, until):
                        found.add(cand)
    if skipped_deep:
        found.warnings.append(
            f"{skipped_deep:,} sitemaps nested deeper than {cap_depth} index levels were not "
            "read (INGEST_MAX_SITEMAP_DEPTH)"
        )
    feeds_read: set[str] = set()
    for lang in settings.languages:
        for feed_path in settings.feed_paths.get(lang, ()):
            start = absolute(base, feed_path)
            if start not in feeds_read:  # one feed may carry several languages
                feeds_read.add(start)
                _walk_feed(
                    fetcher,
                    settings,
                    start,
                    known,
                    found,
                    release_at,
                    since=since,
                    until=until,
                    full=full,
                    language=lang,
                )
    found.from_sitemaps = len(found.candidates)

    for lang in settings.languages:
        for listing_path in settings.listing_paths.get(lang, ()):
            _walk_listing(
                fetcher,
                settings,
                absolute(base, listing_path),
                known,
                found,
                release_at,
                since=since,
                until=until,
                full=full,
                language=lang,
            )
    return found


def _walk_feed(
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
    language: str,
) -> None:
    """Read one RSS/Atom feed page after page; entries are candidates, their date the lastmod.
    Daily: stop at the first page with nothing unknown; backfill: page on until the feed
    runs past `since` or ends. Bounded by the sitemap caps (size, entries, documents)."""
    url: str | None = start
    visited: set[str] = set()
    links_seen: set[str] = set()
    page = 1
    cap = settings.max_sitemaps_per_run
    while url and url not in visited and len(visited) < settings.max_listing_pages:
        if found.feed_pages >= cap:
            found.warnings.append(
                f"feed pages capped at {cap:,} this run; {url} and later "
                "pages were not read (INGEST_MAX_SITEMAPS_PER_RUN)"
            )
            return
        visited.add(url)
        found.feed_pages += 1
        try:
            res = fetcher.get(url, kind="feed")
        except GoneError as exc:
            found.reached += 1
            if page == 1:
                found.problems.append(
                    (
                        url,
                        f"feed not found (HTTP {exc.status}); skipped - "
                        f"adjust `languages.{language}.feeds` in the source "
                        f"definition {_source_file(settings)}",
                    )
                )
            return  # past its last page (?paged=N answers 404 there)
        except IngestError as exc:
            if isinstance(exc, FetchError):
                _note_unreached(found, url, exc)
            found.problems.append((url, f"feed skipped: {exc}"))
            return
        found.reached += 1
        found.pages_seen += 1
        try:
            feed = parse_feed(
                res.body, res.final_url, settings.max_urls_per_sitemap, settings.max_sitemap_bytes
            )
        except (ET.ParseError, OSError, zlib.error) as exc:
            found.problems.append((url, f"feed skipped: {exc}"))
            return
        if res.truncated or feed.broken:
            found.warnings.append(
                f"feed {url} is larger than {settings.max_sitemap_bytes:,} bytes or broken "
                f"({feed.broken or 'cut'}): read up to there only (INGEST_MAX_SITEMAP_BYTES)"
            )
        if feed.more:
            found.warnings.append(
                f"feed {url} lists more than {settings.max_urls_per_sitemap:,} entries; "
                "the first were read, the rest ignored (INGEST_MAX_URLS_PER_SITEMAP)"
            )
        fresh = older = articles = repeated = 0
        for entry in feed.entries:
            if entry.link in links_seen:
                repeated += 1
            links_seen.add(entry.link)
            stamp = entry.published or entry.updated
            day = date.fromisoformat(stamp[:10]) if stamp else None  # iso_date made it
            for loc in (entry.link, *entry.alternates.values()):
                hit = release_at(loc)
                if not hit:
                    continue
                own = loc == entry.link
                path, lang, year = hit
                if year is None and own and day is not None:
                    year = day.year  # a URL without its year: the feed's date gives it
                cand = Candidate(
                    path, lang, year, entry.lastmod if own else None, site_form(loc, path)
                )
                if own:  # Atom hreflang links name the translations, as sitemaps do
                    cand.alternates = {
                        x: url_path(h) for x, h in entry.alternates.items() if url_path(h) != path
                    }
                    articles += 1
                    older += bool(since and ((day or date(year or 9999, 12, 31)) < since))
                if not _in_range(cand, since, until):
                    continue
                if cand.path not in known and cand.path not in found.candidates:
                    fresh += 1
                found.add(cand)
        if not feed.entries or (repeated and repeated == len(feed.entries)):
            return  # the end, or a server that ignores the page parameter
        if fresh == 0 and not full:
            return  # daily: nothing unknown on this page
        if articles and older == articles:
            return  # newest-first feed has run past the backfill window
        url = next_page(feed, start, page, settings.feed_page_param)
        page += 1


def _source_file(settings: Settings) -> str:
    """Where the operator changes this newsroom's discovery (the `--source` file)."""
    return settings.source_file or f"of source {settings.source}"


def _note_unreached(found: Discovery, url: str, exc: Exception) -> None:
    """A request that got no usable answer from the newsroom (not a 404: that is an answer)."""
    if isinstance(exc, GoneError):
        found.reached += 1
    else:
        found.unreachable.append((url, str(exc)))


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
    language: str = "",
) -> None:
    url: str | None = start
    visited: set[str] = set()
    while url and url not in visited and len(visited) < settings.max_listing_pages:
        visited.add(url)
        try:
            res = fetcher.get(url, kind="listing")
        except GoneError as exc:
            found.reached += 1
            # A missing entry point is normal on a mirror that only has sitemaps.
            found.problems.append(
                (
                    url,
                    f"listing page not found (HTTP {exc.status}); "
                    f"skipped - adjust `languages.{language}.listings` in the "
                    f"source definition {_source_file(settings)}",
                )
            )
            return
        except IngestError as exc:
            if isinstance(exc, FetchError):
                _note_unreached(found, url, exc)
            found.problems.append((url, f"listing skipped: {exc}"))
            return
        found.reached += 1
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
            cand = Candidate(*hit, href=site_form(link, hit[0]))
            if since and cand.year is not None and cand.year < since.year:
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
