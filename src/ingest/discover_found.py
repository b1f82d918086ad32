"""What discovery finds (`Candidate`, `Discovery`) and the run its walkers share.

The sitemap, feed and listing walkers (discover_sitemaps, discover_feeds,
discover_listings) add candidates to one `Discovery` through one `DiscoveryRun`: the
fetcher, the settings, the paths already known and the date window.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from ingest.discover_urls import Classifier
from ingest.errors import GoneError
from ingest.settings import Settings

if TYPE_CHECKING:
    from ingest.fetch import Fetcher


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


@dataclass(frozen=True, slots=True)
class DiscoveryRun:
    """One discovery: where to fetch, what is known already, where finds go, the window.

    `full=False` (daily) stops paging at the first page with nothing unknown; `full=True`
    (backfill) pages on until the source runs past `since` or ends."""

    fetcher: Fetcher
    settings: Settings
    known: set[str]
    found: Discovery
    release_at: Classifier
    since: date | None = None
    until: date | None = None
    full: bool = False


def in_range(cand: Candidate, since: date | None, until: date | None) -> bool:
    """Coarse filter before fetching: the URL's year must overlap [since, until] (a page
    whose year is unknown is kept: only its fetch can tell)."""
    if cand.year is None:
        return True
    if since and cand.year < since.year:
        return False
    return not (until and cand.year > until.year)


def lastmod_in_range(lastmod: str | None, since: date | None) -> bool:
    # A child sitemap last modified before `since` holds nothing newer; skip it.
    return not (since and lastmod and lastmod[:10] < since.isoformat())


def source_file(settings: Settings) -> str:
    """Where the operator changes this newsroom's discovery (the `--source` file)."""
    return settings.source_file or f"of source {settings.source}"


def note_unreached(found: Discovery, url: str, exc: Exception) -> None:
    """A request that got no usable answer from the newsroom (not a 404: that is an answer)."""
    if isinstance(exc, GoneError):
        found.reached += 1
    else:
        found.unreachable.append((url, str(exc)))
