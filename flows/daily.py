"""Daily incremental flow: pick up what is new or changed, politely and cheaply."""

from __future__ import annotations

from prefect import State, flow
from prefect.states import Cancelled

from flows.common import run_ingest, run_settings, superseded_by
from ingest.settings import Settings


@flow(name="daily", log_prints=True)
def daily(
    base_url: str | None = None,
    lake: str | None = None,
    languages: list[str] | None = None,
    settings: Settings | None = None,
    source: str | None = None,
) -> State:
    """Discover through sitemaps and listings; fetch only new, changed and due-for-recheck pages.

    `source`: the newsroom, a built-in source name or a source definition file (unset:
    the worker's INGEST_SOURCE, then interpol). `base_url`, `lake`, `languages`: unset, they
    come from the worker's INGEST_BASE_URL, INGEST_LAKE, INGEST_LANGUAGES, then the source
    (its base URL and languages) and data/lake.
    `settings`: a whole Settings built by the caller (the `ingest` CLI), instead of those.
    """
    newer = superseded_by()
    if newer is not None:
        return Cancelled(
            name="Skipped",
            message=f"skipped: the newer scheduled run {newer} "
            "is already due and catches up with this one",
        )
    return run_ingest(
        "daily",
        "daily",
        run_settings(settings, base_url=base_url, lake=lake, languages=languages, source=source),
    )
