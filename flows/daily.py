"""Daily incremental flow: pick up what is new or changed, politely and cheaply."""

from __future__ import annotations

from prefect import flow

from flows.common import run_ingest
from ingest.settings import DEFAULT_BASE_URL, DEFAULT_LAKE, LANGUAGES


@flow(name="daily", log_prints=True)
def daily(
    base_url: str = DEFAULT_BASE_URL,
    lake: str = DEFAULT_LAKE,
    languages: list[str] = list(LANGUAGES),  # noqa: B006 - Prefect parameter default
) -> dict:
    """Discover through sitemaps and listings; fetch only new, changed and due-for-recheck pages."""
    return run_ingest("daily", "daily", base_url=base_url, lake=lake, languages=languages)
