"""The extract stage: fetched pages in, release records and rejections out (`Extracted`).

    [Fetched] ──extract_pages──> Extracted(records, rejects, state_updates, payloads)

Each page's extraction outcome is `Release | Rejection` (extract.py); a release becomes a
record for the transforms, a rejection a quarantine entry, and every page a change to its
fetch state (what was fetched, how it decoded, or why it failed). No network here: bodies
were fetched (and often parsed, in a worker) by the fetch stage.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from ingest.analysis import ANALYSIS_VERSION
from ingest.dates import parse_date, parse_http_date
from ingest.extract import PARSER_VERSION, Outcome, Rejection, Release, accept
from ingest.settings import Settings
from ingest.stages.batch import BatchReport
from ingest.stages.fetching import Fetched, page_status

Row = dict[str, Any]  # one record, quarantine entry or fetch-state change, by column


@dataclass(slots=True)
class Extracted:
    """The extract stage's hand-off to the transforms (and, for the state, to the writer)."""

    records: list[Row] = field(default_factory=list)  # one per release extracted
    rejects: list[Row] = field(default_factory=list)  # quarantine entries (quarantine_entry)
    payloads: dict[str, Row] = field(default_factory=dict)  # path -> worker's analysis rows
    state_updates: dict[str, Row] = field(default_factory=dict)  # path -> fetch-state change


def quarantine_entry(
    page: Fetched, stage: str, reason: str, detail: str, found: str | None = None
) -> Row:
    """A page refused at `stage`, as the quarantine keeps it (replayable from raw_path)."""
    return {
        "url": page.plan.url,
        "path": page.plan.path,
        "language": page.plan.language,
        "stage": stage,
        "reason": reason,
        "detail": detail[:2000],
        "raw_path": page.raw_path,
        "parser_version": PARSER_VERSION,
        "found": found,
    }


def page_dates(page: Fetched) -> list[tuple[str, date | None]]:
    """Last-resort publication dates from outside the page, in the order they are trusted:
    the sitemap <lastmod> the page was listed with, then the HTTP Last-Modified its body
    came with (the stored validator for a page parsed again from the raw zone)."""
    plan = page.plan
    last_modified = (
        page.result.last_modified if page.result is not None else None
    ) or plan.last_modified
    return [
        ("sitemap_lastmod", parse_date(plan.sitemap_lastmod or "")),
        ("http_last_modified", parse_http_date(last_modified)),
    ]


def settle(page: Fetched) -> Outcome:
    """The page's extraction outcome under the release contract, with the pipeline's own
    last-resort dates for a page whose only missing field is its date."""
    outcome = page.extracted()
    if isinstance(outcome, Rejection) and outcome.reason == "no_date" and outcome.found is not None:
        outcome = accept(outcome.found, fallback_dates=page_dates(page))
    return outcome


def _failed_fetch(page: Fetched, base_state: Row, report: BatchReport) -> Row:
    """The fetch-state change of a page whose fetch failed (counted in the report)."""
    plan, error = page.plan, page.error
    assert error is not None
    status = page_status(error)
    if status == "refused_redirect":
        # Not a failure to retry: the newsroom sent us elsewhere and we did not go.
        report.count(plan.language, "refused")
        report.warnings.append(f"{plan.url}: {error}")
    else:
        report.count(plan.language, "gone" if status == "gone" else "failed")
        report.failures.append({"url": plan.url, "reason": str(error)})
    if status in ("robots_unavailable", "paused"):
        report.count(plan.language, status)
        status = "robots_unavailable" if status == "robots_unavailable" else "failed"
    return {
        **base_state,
        "status": status,
        "http_status": error.status,
        "last_error": str(error),
        "last_seen_at": None,
    }


def _extract_one(
    page: Fetched, base_state: Row, out: Extracted, report: BatchReport, now: datetime
) -> None:
    """A page with a response: its state change, and its record or its rejection."""
    plan, result = page.plan, page.result
    assert result is not None
    if page.from_raw:
        fetched: Row = {"sitemap_lastmod": None, "last_seen_at": None}
    else:
        report.count(plan.language, "fetched")
        fetched = {
            "http_status": result.status,
            "last_fetched_at": now,
            "etag": result.etag or plan.etag,
            "last_modified": result.last_modified or plan.last_modified,
        }
    if result.redirected:
        fetched["redirected_to"] = result.final_url
    if result.not_modified:
        report.count(plan.language, "unchanged")
        out.state_updates[plan.path] = {**base_state, **fetched, "_keep": True}
        return
    update = out.state_updates[plan.path] = {**base_state, **fetched, "raw_path": page.raw_path}
    outcome = settle(page)
    if page.text is not None:
        encoding, source, suspect = page.text
        update.update(encoding=encoding, encoding_source=source, encoding_suspect=suspect)
        if suspect:
            report.count(plan.language, "encoding_suspect")
    if isinstance(outcome, Release):
        report.count(plan.language, "extracted")
        rec = outcome.to_dict()
        rec.update(path=plan.path, parser_version=PARSER_VERSION, analysis_version=ANALYSIS_VERSION)
        if page.analysis is not None:
            out.payloads[plan.path] = page.analysis
        out.records.append(rec)
    else:
        out.rejects.append(
            quarantine_entry(
                page, "extract", outcome.reason, str(outcome.error()), outcome.found_json()
            )
        )
    # Summed over pages, like "fetch": time spent parsing, in workers or here.
    report.timings["parse"] += page.parse_s


def extract_pages(
    pages: Sequence[Fetched], settings: Settings, report: BatchReport, *, now: datetime
) -> Extracted:
    """Every page's outcome and fetch-state change; counts and timings go to `report`."""
    out = Extracted()
    for page in pages:
        plan = page.plan
        report.timings["fetch"] += page.result.elapsed_s if page.result else 0.0
        if page.result is not None:
            report.slowest.append((page.result.elapsed_s, plan.url))
        base_state: Row = {
            "path": plan.path,
            "url": plan.url,
            "language": plan.language,
            "sitemap_lastmod": plan.sitemap_lastmod,
            "last_seen_at": now,
            "source": settings.source,
        }
        if page.error is not None:
            out.state_updates[plan.path] = _failed_fetch(page, base_state, report)
        else:
            _extract_one(page, base_state, out, report, now)
    return out
