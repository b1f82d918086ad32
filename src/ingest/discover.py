"""Discovery: which release URLs exist, from sitemaps, RSS/Atom feeds and listing pages.

Parsing (sitemap XML, feeds in `ingest.feeds`, listing HTML) is pure; `discover` wires the
fetcher to it, in this order: sitemaps (`discover_sitemaps`), feeds (`discover_feeds`),
listing pages (`discover_listings`), each adding to one `Discovery` (`discover_found`);
page identity and release-URL classification are `discover_urls`. Every name those modules
offer the rest of the code is importable from here. URLs are identified by their path and
always fetched from the configured base URL, so a mirror whose sitemap or feed still names
the live host works the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from ingest.discover_feeds import walk_feed
from ingest.discover_found import Candidate, Discovery, DiscoveryRun
from ingest.discover_listings import ListingPage, parse_listing, walk_listing
from ingest.discover_sitemaps import Sitemap, SitemapEntry, parse_sitemap, read_sitemaps
from ingest.discover_urls import (
    Classifier,
    absolute,
    classify,
    normalise_path,
    site_form,
    url_path,
)
from ingest.fetch import Fetcher
from ingest.settings import Settings

__all__ = [
    "Candidate",
    "Classifier",
    "Discovery",
    "ListingPage",
    "Sitemap",
    "SitemapEntry",
    "absolute",
    "classify",
    "discover",
    "normalise_path",
    "parse_listing",
    "parse_sitemap",
    "site_form",
    "url_path",
]


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
    found = Discovery()
    run = DiscoveryRun(
        fetcher, settings, set(known), found, Classifier(settings), since, until, full
    )
    base = settings.base_url
    read_sitemaps(run, previous_sitemaps or {})
    feeds_read: set[str] = set()
    for lang in settings.languages:
        for feed_path in settings.feed_paths.get(lang, ()):
            start = absolute(base, feed_path)
            if start not in feeds_read:  # one feed may carry several languages
                feeds_read.add(start)
                walk_feed(run, start, lang)
    found.from_sitemaps = len(found.candidates)

    for lang in settings.languages:
        for listing_path in settings.listing_paths.get(lang, ()):
            walk_listing(run, absolute(base, listing_path), lang)
    return found
