"""Backfill flow: fill a date range; pages already in the lake get only a conditional GET."""

from __future__ import annotations

from datetime import date

from prefect import State, flow
from prefect.task_runners import ThreadPoolTaskRunner

from flows.common import run_ingest, run_settings
from ingest.errors import ConfigError
from ingest.settings import Settings


@flow(name="backfill", log_prints=True, task_runner=ThreadPoolTaskRunner(max_workers=4))
def backfill(
    since: date,
    until: date,
    base_url: str | None = None,
    lake: str | None = None,
    languages: list[str] | None = None,
    parallel: int = 2,
    settings: Settings | None = None,
    source: str | None = None,
) -> State:
    """Ingest every release published between `since` and `until` (ISO dates, inclusive).

    The work is split into chunks (language x year, in batches) that run `parallel` at a
    time under a per-host concurrency limit; each is committed and retried on its own.
    `source`, `base_url`, `lake`, `languages` and `settings`: as for the daily flow.
    """
    if since > until:
        raise ConfigError(f"backfill since={since} is after until={until}")
    return run_ingest(
        "backfill",
        "backfill",
        run_settings(settings, base_url=base_url, lake=lake, languages=languages, source=source),
        since=since,
        until=until,
        parallel=parallel,
    )
