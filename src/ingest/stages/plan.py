"""The plan stage: which pages to fetch, and why (`PagePlan`).

    discovery (candidates) + fetch state + today ──plan_fetches──> [PagePlan] ──cap_plans──>

`plan_fetches` is pure (same inputs, same plans). A `PagePlan` carries everything the later
stages need: where to fetch, the validators of a conditional GET, the sitemap's lastmod
and alternates, and the URL's year, so the runner packs units without classifying every
URL again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import polars as pl

from ingest import schemas as sc
from ingest.discover import Candidate, Classifier, Discovery, absolute, discover, site_form
from ingest.fetch import Fetcher
from ingest.lake_writer.state import load_pages_state, load_sitemap_state
from ingest.settings import Settings

# Page statuses a run tries again: the fetch failed (or robots.txt could not be read).
RETRY_STATUSES = ("failed", "robots_unavailable")
# Which plans a capped run keeps first (Settings.max_planned_fetches): what is new or known
# to be broken before what only re-checks; the rest waits for the next run.
_PLAN_PRIORITY = {"new": 0, "retry": 1, "changed": 2, "recheck": 3, "revalidate": 4}

StateRow = Mapping[str, Any]  # one row of the `pages` table (fetch state), by column


@dataclass(frozen=True, slots=True)
class PagePlan:
    """One page to fetch and why."""

    path: str
    url: str
    language: str
    reason: str  # new | changed | recheck | retry | revalidate | replay
    etag: str | None = None
    last_modified: str | None = None
    sitemap_lastmod: str | None = None
    # the sitemap's xhtml:link alternates of this page: ((language, path), ...)
    alternates: tuple[tuple[str, str], ...] = ()
    # the release's year as discovery (or, for a page known only from the fetch state, its
    # URL) gives it; None when neither has one. The runner's chunks are language x year.
    year: int | None = None


def discover_releases(
    fetcher: Fetcher,
    settings: Settings,
    *,
    mode: str,
    since: date | None = None,
    until: date | None = None,
) -> Discovery:
    """Discovery over this source's known pages (and, daily, its sitemap state)."""
    state = load_pages_state(settings.lake, source=settings.source)
    return discover(
        fetcher,
        settings,
        known=state["path"].to_list(),
        since=since,
        until=until,
        full=(mode != "daily"),
        previous_sitemaps=(
            load_sitemap_state(settings.lake, settings.languages, source=settings.source)
            if mode == "daily"
            else None
        ),
    )


def _due_recheck(
    published: date | None,
    last_fetched: datetime | None,
    today: date,
    after_days: Sequence[int],
    window_days: int,
) -> bool:
    """Re-check 1 and 7 days after publication: when such a point has passed since we
    last fetched the page (and only then), so each release is re-checked at most twice.
    Releases older than the window are left alone, even after a long pause of the schedule."""
    if published is None or last_fetched is None or (today - published).days > window_days:
        return False
    for days in after_days:
        checkpoint = published + timedelta(days=days)
        if last_fetched.date() < checkpoint <= today:
            return True
    return False


class _Planner:
    """The plans of one plan_fetches call, keyed by path (a page is planned once)."""

    def __init__(self, candidates: Mapping[str, Candidate], settings: Settings) -> None:
        self.candidates = candidates
        self.settings = settings
        self.plans: dict[str, PagePlan] = {}
        self._classify = Classifier(settings)

    def add(
        self, path: str, language: str, reason: str, st: StateRow | None, lastmod: str | None
    ) -> None:
        cand = self.candidates.get(path)
        # Fetched in the form the site links (a trailing slash), which saves a redirect.
        href = (cand.href if cand is not None else None) or (
            site_form(st["url"], path) if st and st.get("url") else None
        )
        url = absolute(self.settings.base_url, href or path)
        if cand is not None:
            year = cand.year
        else:  # known only from the fetch state: the year its URL gives, as discovery would
            hit = self._classify(url)
            year = hit[2] if hit is not None else None
        self.plans[path] = PagePlan(
            path=path,
            url=url,
            language=language,
            reason=reason,
            etag=(st or {}).get("etag"),
            last_modified=(st or {}).get("last_modified"),
            sitemap_lastmod=lastmod or (st or {}).get("sitemap_lastmod"),
            alternates=tuple(sorted(cand.alternates.items())) if cand is not None else (),
            year=year,
        )


def _daily_rows(
    state: pl.DataFrame, candidates: Mapping[str, Candidate], today: date, window_days: int
) -> pl.DataFrame:
    """Only rows a daily run can act on: listed now, failed, or inside the re-check window;
    the rest of a large archive is never turned into Python dicts."""
    window_start = today - timedelta(days=window_days)
    return state.filter(
        pl.col("path").is_in(pl.Series(list(candidates), dtype=pl.String).implode())
        | pl.col("status").is_in(RETRY_STATUSES)
        | (pl.col("published_date") >= window_start)
    )


def _plan_candidates(planner: _Planner, rows: Mapping[str, StateRow], mode: str) -> None:
    """What discovery listed: new, retried, changed, or revalidated pages."""
    for path, cand in planner.candidates.items():
        st = rows.get(path)
        if st is None:
            planner.add(path, cand.language, "new", None, cand.lastmod)
        elif st["status"] in RETRY_STATUSES:
            planner.add(path, cand.language, "retry", st, cand.lastmod)
        elif cand.lastmod and cand.lastmod != st["sitemap_lastmod"]:
            planner.add(path, cand.language, "changed", st, cand.lastmod)
        elif st["status"] in ("ok", "quarantined") and (
            mode != "daily" or (cand.lastmod is None and st["sitemap_lastmod"] is None)
        ):
            # A site that gives no lastmod for a page leaves a conditional GET (a 304 when
            # nothing changed) as the only way to notice an edit.
            planner.add(path, cand.language, "revalidate", st, cand.lastmod)


def _plan_backfill_state(
    planner: _Planner, rows: Mapping[str, StateRow], since: date | None, until: date | None
) -> None:
    """Backfill: every known page in range, listed or not (that is how deletions show)."""
    for path, st in rows.items():
        published = st["published_date"]
        if (
            path in planner.plans
            or st["language"] not in planner.settings.languages
            or st["status"] not in ("ok", *RETRY_STATUSES, "refused_redirect")
            or published is None
            or (since and published < since)
            or (until and published > until)
        ):
            continue
        reason = "revalidate" if st["status"] in ("ok", "refused_redirect") else "retry"
        planner.add(path, st["language"], reason, st, None)


def _plan_daily_state(planner: _Planner, rows: Mapping[str, StateRow], today: date) -> None:
    """Daily: failed pages again, and releases due their 1- and 7-day re-check."""
    settings = planner.settings
    for path, st in rows.items():
        if path in planner.plans or st["language"] not in settings.languages:
            continue
        if st["status"] in RETRY_STATUSES:
            planner.add(path, st["language"], "retry", st, None)
        elif st["status"] == "ok" and _due_recheck(
            st["published_date"],
            st["last_fetched_at"],
            today,
            settings.recheck_after_days,
            settings.recheck_window_days,
        ):
            planner.add(path, st["language"], "recheck", st, None)


def plan_fetches(
    candidates: Mapping[str, Candidate],
    state: pl.DataFrame,
    settings: Settings,
    *,
    mode: str,
    today: date,
    since: date | None = None,
    until: date | None = None,
) -> list[PagePlan]:
    """Which pages to fetch. Pure: same inputs, same plans.

    - unknown page: fetch; page whose last fetch failed: fetch again (never forgotten);
    - sitemap lastmod differs from the one we stored: conditional GET; a page for which the
      site never gives a lastmod: conditional GET on every run (no other way to see edits);
    - daily: pages 1 and 7 days after publication: conditional GET; everything else is left
      alone (a daily run with nothing new fetches no article page);
    - backfill: every known page in range gets a conditional GET (304s cost no parsing),
      also pages the site no longer lists: that is how deletions (404/410) are found.

    Only the state of `settings.source` is read: a run never plans (or re-checks, or
    retries) another source's pages, even where their paths coincide.
    """
    state = state.filter(sc.of_source(settings.source))
    if mode == "daily":
        state = _daily_rows(state, candidates, today, settings.recheck_window_days)
    rows = {r["path"]: r for r in state.iter_rows(named=True)}
    planner = _Planner(candidates, settings)
    _plan_candidates(planner, rows, mode)
    if mode != "daily":
        _plan_backfill_state(planner, rows, since, until)
    else:
        _plan_daily_state(planner, rows, today)
    # Batches grouped by partition keep each publish to few partition files.
    return sorted(planner.plans.values(), key=lambda p: (p.language, p.path))


def cap_plans(plans: Sequence[PagePlan], limit: int) -> tuple[list[PagePlan], str | None]:
    """At most `limit` plans, new and failed pages first; (kept, warning or None). Pure.

    The pages left out stay unfetched, so the next run plans them again: a flood of URLs
    costs runs, never an unbounded one.
    """
    if len(plans) <= limit:
        return list(plans), None
    ranked = sorted(plans, key=lambda p: (_PLAN_PRIORITY.get(p.reason, 9), p.language, p.path))
    kept = sorted(ranked[:limit], key=lambda p: (p.language, p.path))
    left = Counter(p.reason for p in ranked[limit:])
    return kept, (
        f"planned fetches capped at {limit:,} of {len(plans):,} "
        f"(left for the next run: {dict(left)}; INGEST_MAX_PLANNED_FETCHES)"
    )


def batches(plans: Sequence[PagePlan], size: int) -> Iterator[list[PagePlan]]:
    """Consecutive slices of at most `size` plans (replay, reprocess)."""
    for i in range(0, len(plans), size):
        yield list(plans[i : i + size])
