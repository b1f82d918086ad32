"""The steps of a run, as plain functions the runner and the Prefect flows wire together.

    discover_releases ──> plan_fetches ──> cap_plans ──> for each batch (one unit, one commit):
        fetch_pages ──> land_pages ──> ... ──> finish (sitemap state, fetch log, run record)

    plan          candidates + fetch state + today ──> [PagePlan]          stages/plan.py
    fetch         [PagePlan] ──> [Fetched] (FetchResult | FetchError)      stages/fetching.py
    extract       [Fetched] ──> Extracted (Release | Rejection per page)   stages/extracting.py
    transform     Extracted ──> Structured (pure Polars frames)            stages/transforming.py
    validate      Structured ──> Validated (Pandera, collected frames)     stages/validating.py
    commit        Validated ──> Landing ──> one manifest swap              lake_writer/publish.py

Each stage is its own module (`ingest.stages`); the lake's merge rules (partition moves,
revisions, quarantine, fetch state, families, run records) belong to the lake writer
(`ingest.lake_writer`). This module only gathers the names callers use, so
`from ingest import pipeline` keeps working.
"""

from ingest.lake_writer import (
    EMPTIED_BODY_SHARE,
    FETCH_LOG_KEEP_DAYS,
    KEPT_FIELDS,
    Landing,
    load_pages_state,
    load_sitemap_state,
    new_run_id,
    publish,
    record_run,
    save_fetch_log,
    save_sitemap_state,
    utcnow,
)
from ingest.lake_writer.state import _read_pages_file
from ingest.stages.batch import BatchReport
from ingest.stages.extracting import Extracted, page_dates, settle
from ingest.stages.fetching import Fetched, FetchedPage, fetch_pages, page_status, pages_from_raw
from ingest.stages.landing import land_pages
from ingest.stages.plan import (
    RETRY_STATUSES,
    PagePlan,
    batches,
    cap_plans,
    discover_releases,
    plan_fetches,
)
from ingest.stages.transforming import Structured
from ingest.stages.validating import Validated

__all__ = [
    "EMPTIED_BODY_SHARE",
    "FETCH_LOG_KEEP_DAYS",
    "KEPT_FIELDS",
    "RETRY_STATUSES",
    "BatchReport",
    "Extracted",
    "Fetched",
    "FetchedPage",
    "Landing",
    "PagePlan",
    "Structured",
    "Validated",
    "_read_pages_file",
    "batches",
    "cap_plans",
    "discover_releases",
    "fetch_pages",
    "land_pages",
    "load_pages_state",
    "load_sitemap_state",
    "new_run_id",
    "page_dates",
    "page_status",
    "pages_from_raw",
    "plan_fetches",
    "publish",
    "record_run",
    "save_fetch_log",
    "save_sitemap_state",
    "settle",
    "utcnow",
]
