"""Listing pages (a newsroom's paged index of releases): links, the next page, the walk."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser

from ingest.discover_found import Candidate, DiscoveryRun, in_range, note_unreached, source_file
from ingest.discover_urls import site_form
from ingest.errors import FetchError, GoneError, IngestError


@dataclass(frozen=True, slots=True)
class ListingPage:
    links: tuple[str, ...]
    next_url: str | None


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


def walk_listing(run: DiscoveryRun, start: str, language: str = "") -> None:
    """Read one listing page after page: its links to release pages are candidates.
    Daily: stop at the first page with nothing unknown; backfill: page on until the
    listing runs past `since` or ends (or the sitemaps already listed everything)."""
    settings, found, since, until, full, known = (
        run.settings,
        run.found,
        run.since,
        run.until,
        run.full,
        run.known,
    )
    url: str | None = start
    visited: set[str] = set()
    while url and url not in visited and len(visited) < settings.max_listing_pages:
        visited.add(url)
        try:
            res = run.fetcher.get(url, kind="listing")
        except GoneError as exc:
            found.reached += 1
            # A missing entry point is normal on a mirror that only has sitemaps.
            found.problems.append(
                (
                    url,
                    f"listing page not found (HTTP {exc.status}); "
                    f"skipped - adjust `languages.{language}.listings` in the "
                    f"source definition {source_file(settings)}",
                )
            )
            return
        except IngestError as exc:
            if isinstance(exc, FetchError):
                note_unreached(found, url, exc)
            found.problems.append((url, f"listing skipped: {exc}"))
            return
        found.reached += 1
        found.pages_seen += 1
        page = parse_listing(res.body, res.final_url)
        fresh = 0
        older = 0
        articles = 0
        for link in page.links:
            hit = run.release_at(link)
            if not hit:
                continue
            articles += 1
            cand = Candidate(*hit, href=site_form(link, hit[0]))
            if since and cand.year is not None and cand.year < since.year:
                older += 1
            if not in_range(cand, since, until):
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
