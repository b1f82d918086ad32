"""The shared body of both flows: the runner, with each step as a Prefect task."""

from __future__ import annotations

from datetime import date

from prefect import get_run_logger
from prefect.utilities.annotations import quote

from flows.tasks import discover_task, finish_run_task, ingest_batch_task
from ingest import runner
from ingest.settings import load_settings

PREFECT_STEPS = runner.Steps(
    discover=lambda fetcher, settings, mode, since, until: discover_task(
        quote(fetcher), settings, mode, since, until),
    batch=lambda plans, fetcher, settings, run_id, label: ingest_batch_task(
        quote(plans), quote(fetcher), settings, run_id, label),
    finish=lambda settings, run, discovery, result: finish_run_task(
        settings, run, quote(discovery), quote(result)),
)


def run_ingest(flow: str, mode: str, *, base_url: str | None, lake: str | None,
               languages: list[str] | str | None, since: date | None = None,
               until: date | None = None) -> dict:
    settings = load_settings(base_url=base_url, lake=lake, languages=languages)
    row = runner.run(settings, flow, mode, since=since, until=until, steps=PREFECT_STEPS,
                     logger=get_run_logger())
    row.pop("report", None)
    return row
