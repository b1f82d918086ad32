"""Feeds walked page after page: each entry a candidate, its date the lastmod.

Parsing is ingest.feeds' job (pure); this module fetches, pages on and stops: at the end,
on a page with nothing unknown (daily), or past the backfill window.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
import zlib
from dataclasses import dataclass
from datetime import date

from ingest.discover_found import (
    Candidate,
    DiscoveryRun,
    in_range,
    note_unreached,
    source_file,
)
from ingest.discover_urls import site_form, url_path
from ingest.errors import FetchError, GoneError, IngestError
from ingest.feeds import Feed, next_page, parse_feed


def walk_feed(run: DiscoveryRun, start: str, language: str) -> None:
    """Read one RSS/Atom feed page after page; entries are candidates, their date the lastmod.
    Daily: stop at the first page with nothing unknown; backfill: page on until the feed
    runs past `since` or ends. Bounded by the sitemap caps (size, entries, documents)."""
    settings, found = run.settings, run.found
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
        feed = _fetch_feed(run, url, page, language)
        if feed is None:
            return
        tally = _add_entries(run, feed, links_seen)
        if not feed.entries or (tally.repeated and tally.repeated == len(feed.entries)):
            return  # the end, or a server that ignores the page parameter
        if tally.fresh == 0 and not run.full:
            return  # daily: nothing unknown on this page
        if tally.articles and tally.older == tally.articles:
            return  # newest-first feed has run past the backfill window
        url = next_page(feed, start, page, settings.feed_page_param)
        page += 1


def _fetch_feed(run: DiscoveryRun, url: str, page: int, language: str) -> Feed | None:
    """One feed document fetched and parsed, its caps reported; None when the walk ends
    here (past the last page, or a problem noted)."""
    settings, found = run.settings, run.found
    try:
        res = run.fetcher.get(url, kind="feed")
    except GoneError as exc:
        found.reached += 1
        if page == 1:
            found.problems.append(
                (
                    url,
                    f"feed not found (HTTP {exc.status}); skipped - "
                    f"adjust `languages.{language}.feeds` in the source "
                    f"definition {source_file(settings)}",
                )
            )
        return None  # past its last page (?paged=N answers 404 there)
    except IngestError as exc:
        if isinstance(exc, FetchError):
            note_unreached(found, url, exc)
        found.problems.append((url, f"feed skipped: {exc}"))
        return None
    found.reached += 1
    found.pages_seen += 1
    try:
        feed = parse_feed(
            res.body, res.final_url, settings.max_urls_per_sitemap, settings.max_sitemap_bytes
        )
    except (ET.ParseError, OSError, zlib.error) as exc:
        found.problems.append((url, f"feed skipped: {exc}"))
        return None
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
    return feed


@dataclass(slots=True)
class _Tally:
    """What one feed page held: unknown candidates, its own articles and how many of them
    are older than the window, entries already seen on an earlier page."""

    fresh: int = 0
    older: int = 0
    articles: int = 0
    repeated: int = 0


def _add_entries(run: DiscoveryRun, feed: Feed, links_seen: set[str]) -> _Tally:
    """The release pages of one feed page added as candidates; what the page held."""
    since, found = run.since, run.found
    tally = _Tally()
    for entry in feed.entries:
        if entry.link in links_seen:
            tally.repeated += 1
        links_seen.add(entry.link)
        stamp = entry.published or entry.updated
        day = date.fromisoformat(stamp[:10]) if stamp else None  # iso_date made it
        for loc in (entry.link, *entry.alternates.values()):
            hit = run.release_at(loc)
            if not hit:
                continue
            own = loc == entry.link
            path, lang, year = hit
            if year is None and own and day is not None:
                year = day.year  # a URL without its year: the feed's date gives it
            cand = Candidate(path, lang, year, entry.lastmod if own else None, site_form(loc, path))
            if own:  # Atom hreflang links name the translations, as sitemaps do
                cand.alternates = {
                    x: url_path(h) for x, h in entry.alternates.items() if url_path(h) != path
                }
                tally.articles += 1
                tally.older += bool(since and ((day or date(year or 9999, 12, 31)) < since))
            if not in_range(cand, since, run.until):
                continue
            if cand.path not in run.known and cand.path not in found.candidates:
                tally.fresh += 1
            found.add(cand)
    return tally
