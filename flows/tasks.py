"""Prefect tasks: the runner's steps with retries, logs and the run report artifact.

Tasks are coarse (one discovery, one per batch of pages, one finish), never one per page:
each task run costs ~15 ms on the client and ~85 ms on the server. Arguments that Prefect
would otherwise walk (fetchers, plan lists, reports) are wrapped in `quote()` by the caller.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from ingest import report, runner
from ingest.discover import Discovery
from ingest.fetch import Fetcher
from ingest.runner import RunRow
from ingest.settings import Settings
from ingest.stages.batch import BatchReport
from ingest.stages.plan import PagePlan


# I/O tasks must never be served from Prefect's cache: a cached fetch would silently
# skip the day's work (STACK_NOTES pitfall 6).
@task(name="discover", retries=2, retry_delay_seconds=[5, 30], cache_policy=NO_CACHE)
def discover_task(
    fetcher: Fetcher, settings: Settings, mode: str, since: date | None, until: date | None
) -> Discovery:
    found = runner.discover_step(fetcher, settings, mode, since, until)
    log = get_run_logger()
    log.info(
        "discovered %d release URLs from %d sitemap/listing pages",
        len(found.candidates),
        found.pages_seen,
    )
    for url, problem in found.problems[:20]:
        log.warning("%s: %s", url, problem)
    return found


class Work:
    """A unit's pages and its fetcher, as one task argument.

    A plain class on purpose: Prefect does not walk it (walking thousands of plans costs
    seconds), and it pickles as is for task runners in other processes (Dask), where
    `quote()` wrappers did not survive.
    """

    __slots__ = ("fetcher", "plans")

    def __init__(self, plans: Sequence[PagePlan], fetcher: Fetcher) -> None:
        self.plans = list(plans)
        self.fetcher = fetcher


@task(
    name="ingest-batch",
    retries=2,
    retry_delay_seconds=[10, 60],
    cache_policy=NO_CACHE,
    task_run_name="ingest-{label}",
)
def ingest_batch_task(work: Work, settings: Settings, run_id: str, label: str) -> BatchReport:
    """Safe to retry: a unit that did commit is found in the manifest and not written twice."""
    plans = work.plans
    result = runner.batch_step(plans, work.fetcher, settings, run_id, label)
    c = result.counts
    get_run_logger().info(
        "%s: %d pages, new %d, updated %d, unchanged %d, quarantined %d, failed %d",
        label,
        len(plans),
        c["new"],
        c["updated"],
        c["unchanged"],
        c["quarantined"],
        c["failed"] + c["gone"],
    )
    return result


@task(name="finish-run", retries=2, retry_delay_seconds=[2, 10], cache_policy=NO_CACHE)
def finish_run_task(
    settings: Settings, run: RunRow, discovery: Discovery | None, result: BatchReport
) -> RunRow:
    row = runner.finish_step(settings, run, discovery, result)
    create_markdown_artifact(
        key=f"{row['flow']}-run-report",
        markdown=report.markdown(row, result, settings),
        description=f"{row['flow']} run {row['run_id']}",
    )
    return row
