"""Prefect tasks: thin wrappers that put retries and logging around `ingest.pipeline` steps.

Tasks are coarse (one per discovery, one per batch of pages), never one per page: each
task run costs ~15 ms on the client and ~85 ms on the server.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from ingest import pipeline, report, views
from ingest.discover import Discovery
from ingest.fetch import Fetcher
from ingest.pipeline import BatchReport, PagePlan
from ingest.settings import Settings


# I/O tasks must never be served from Prefect's cache: a cached fetch would silently
# skip the day's work (STACK_NOTES pitfall 6).
@task(name="discover", retries=2, retry_delay_seconds=[5, 30], cache_policy=NO_CACHE)
def discover_task(fetcher: Fetcher, settings: Settings, mode: str,
                  since: date | None, until: date | None) -> Discovery:
    found = pipeline.discover_releases(fetcher, settings, mode=mode, since=since, until=until)
    log = get_run_logger()
    log.info("discovered %d release URLs from %d sitemap/listing pages",
             len(found.candidates), found.pages_seen)
    for url, problem in found.problems[:20]:
        log.warning("%s: %s", url, problem)
    return found


@task(name="ingest-batch", retries=2, retry_delay_seconds=[10, 60], cache_policy=NO_CACHE)
def ingest_batch_task(plans: Sequence[PagePlan], fetcher: Fetcher, settings: Settings,
                      run_id: str, label: str) -> BatchReport:
    """Fetch, extract, validate and publish one batch as one commit.

    Safe to retry: the commit records the unit `<run id>/<label>`, and a retry after an
    ambiguous failure finds it and writes nothing twice.
    """
    log = get_run_logger()
    pages = pipeline.fetch_pages(plans, fetcher, settings)
    result = pipeline.land_pages(pages, settings, run_id=run_id, now=pipeline.utcnow(),
                                 unit=f"{run_id}/{label}")
    c = result.counts
    log.info("%s: %d pages, new %d, updated %d, unchanged %d, quarantined %d, failed %d",
             label, len(plans), c["new"], c["updated"], c["unchanged"], c["quarantined"],
             c["failed"] + c["gone"])
    return result


@task(name="finish-run", retries=2, retry_delay_seconds=[2, 10], cache_policy=NO_CACHE)
def finish_run_task(settings: Settings, run: dict, discovery: Discovery | None,
                    result: BatchReport) -> dict:
    """Record the run, rebuild the views, publish the run report as an artifact."""
    if discovery is not None and run.get("error") is None:
        pipeline.save_sitemap_state(settings.lake, discovery.sitemap_lastmods,
                                    run_id=run["run_id"])
    row = pipeline.record_run(settings.lake, report=result, **run)
    views.build_views_db(settings.lake)
    create_markdown_artifact(key=f"{row['flow']}-run-report",
                             markdown=report.markdown(row, result, settings),
                             description=f"{row['flow']} run {row['run_id']}")
    return row
