"""Sitemaps: parsed incrementally under caps, and walked (indexes, children, entries).

A sitemap index names child sitemaps (read breadth first, at most `max_sitemaps_per_run`
documents and `max_sitemap_depth` index levels, unchanged children skipped on a daily
run); a urlset names pages, each with its lastmod and its xhtml:link hreflang alternates.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urljoin

from ingest.discover_found import (
    Candidate,
    DiscoveryRun,
    in_range,
    lastmod_in_range,
    note_unreached,
)
from ingest.discover_urls import absolute, site_form, url_path
from ingest.errors import FetchError
from ingest.fetch import inflate_bounded

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


def read_sitemaps(run: DiscoveryRun, previous_sitemaps: Mapping[str, str]) -> None:
    """Every sitemap the newsroom names (robots.txt, then the configured paths) and the
    children of its indexes, breadth first, within the per-run and depth caps.

    `previous_sitemaps` (child sitemap path -> lastmod from the last run): unchanged
    children are not fetched again unless `run.full`."""
    settings, found = run.settings, run.found
    base = settings.base_url
    sitemap_urls = [urljoin(base + "/", p.lstrip("/")) for p in settings.sitemap_paths]
    if settings.respect_robots:
        sitemap_urls = run.fetcher.robots.sitemaps(base + "/") + sitemap_urls
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
        sitemap = _fetch_sitemap(run, sm_url)
        if sitemap is None:
            continue
        if sm_url in announced:
            child, lastmod = announced.pop(sm_url)
            found.sitemap_lastmods[child] = lastmod
        if not sitemap.is_index:
            for entry in sitemap.entries:
                _add_entry(run, entry)
            continue
        for entry in sitemap.entries:
            child = url_path(entry.loc)
            unchanged = entry.lastmod and previous_sitemaps.get(child) == entry.lastmod
            if lastmod_in_range(entry.lastmod, run.since) and (run.full or not unchanged):
                if depth + 1 > cap_depth:
                    skipped_deep += 1
                else:
                    queue.append((absolute(base, child), depth + 1))
                    if entry.lastmod:
                        announced[absolute(base, child)] = (child, entry.lastmod)
    if skipped_deep:
        found.warnings.append(
            f"{skipped_deep:,} sitemaps nested deeper than {cap_depth} index levels were not "
            "read (INGEST_MAX_SITEMAP_DEPTH)"
        )


def _fetch_sitemap(run: DiscoveryRun, sm_url: str) -> Sitemap | None:
    """One sitemap fetched and parsed, its caps reported; None (a problem noted) when it
    could not be read."""
    settings, found = run.settings, run.found
    try:
        res = run.fetcher.get(sm_url, kind="sitemap")
    except (FetchError, OSError) as exc:
        note_unreached(found, sm_url, exc)
        found.problems.append((sm_url, f"sitemap skipped: {exc}"))
        return None
    found.reached += 1
    found.pages_seen += 1
    try:
        sitemap = parse_sitemap(res.body, settings.max_urls_per_sitemap, settings.max_sitemap_bytes)
    except (ET.ParseError, OSError, zlib.error) as exc:
        found.problems.append((sm_url, f"sitemap skipped: {exc}"))
        return None
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
    return sitemap


def _add_entry(run: DiscoveryRun, entry: SitemapEntry) -> None:
    """The release pages a sitemap entry names: its own URL (with its lastmod and its
    hreflang alternates as translations) and each alternate."""
    for loc in (entry.loc, *entry.alternates.values()):
        hit = run.release_at(loc)
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
            if in_range(cand, run.since, run.until):
                run.found.add(cand)
