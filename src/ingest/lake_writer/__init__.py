"""The lake writer: the one owner of the lake's merge rules and its record tables.

    publish.py   one validated batch (`Landing`) -> one commit: idempotent units, new /
                 updated / re-parsed / gone releases, emptied fields held back, partition
                 moves, revisions, quarantine, fetch state, fetch log (rules drawn there)
    families.py  translation links and families, resolved per source
    state.py     the fetch state: `pages` (read here, written only by publish) and `sitemaps`
    records.py   `fetch_log` outside batches, `ingest_runs`, run ids and the step clock

`lake.py` below it handles files and the manifest (atomic commit, writer lock, GC); the
stages above it (ingest.stages) never write the lake but through this package.
"""

from ingest.lake_writer.publish import EMPTIED_BODY_SHARE, KEPT_FIELDS, Landing, publish
from ingest.lake_writer.records import (
    FETCH_LOG_KEEP_DAYS,
    new_run_id,
    record_run,
    save_fetch_log,
    upsert_small_table,
    utcnow,
)
from ingest.lake_writer.state import (
    load_pages_state,
    load_sitemap_state,
    save_sitemap_state,
)

__all__ = [
    "EMPTIED_BODY_SHARE",
    "FETCH_LOG_KEEP_DAYS",
    "KEPT_FIELDS",
    "Landing",
    "load_pages_state",
    "load_sitemap_state",
    "new_run_id",
    "publish",
    "record_run",
    "save_fetch_log",
    "save_sitemap_state",
    "upsert_small_table",
    "utcnow",
]
