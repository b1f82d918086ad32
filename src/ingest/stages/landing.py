"""Landing one batch: the extract, transform and validate stages, then the commit.

    [Fetched] ──extract──> Extracted ──transform──> Structured ──validate──> Validated
              ──lake_writer.publish (writer lock, one manifest swap)──> lake

The fetch state of every page commits with the rows it describes, so a run that dies
never advances state past data it did not land.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import datetime

from ingest import lake as lk
from ingest.lake_writer import Landing, publish
from ingest.polars_engine import in_memory_engine
from ingest.settings import Settings
from ingest.stages.batch import BatchReport
from ingest.stages.extracting import extract_pages
from ingest.stages.fetching import Fetched
from ingest.stages.transforming import transform_records
from ingest.stages.validating import validate_frames


def land_pages(
    pages: Sequence[Fetched],
    settings: Settings,
    *,
    run_id: str,
    now: datetime,
    unit: str | None = None,
    fetch_log: Sequence[Mapping[str, object]] = (),
) -> BatchReport:
    """Extract, structure, validate and publish one batch; returns what happened.

    `unit` names this unit of work (run id + batch): if a manifest already records it, a
    retry writes nothing again. `fetch_log` rows (every request made for the batch) commit
    with it.
    """
    with in_memory_engine():
        return _land(pages, settings, run_id=run_id, now=now, unit=unit, fetch_log=fetch_log)


def _land(
    pages: Sequence[Fetched],
    settings: Settings,
    *,
    run_id: str,
    now: datetime,
    unit: str | None,
    fetch_log: Sequence[Mapping[str, object]],
) -> BatchReport:
    report = BatchReport()
    t0 = time.perf_counter()
    extracted = extract_pages(pages, settings, report, now=now)
    structured = transform_records(
        extracted, source=settings.source, run_id=run_id, now=now, report=report
    )
    by_path = {p.plan.path: p for p in pages}
    valid = validate_frames(structured, by_path, extracted.rejects, report)
    batch = Landing(
        releases=valid.releases,
        blocks=valid.blocks,
        quotes=valid.quotes,
        analysis=valid.analysis,
        rejects=extracted.rejects,
        state_updates=extracted.state_updates,
        alternates={p.plan.path: p.plan.alternates for p in pages if p.plan.alternates},
        fetch_log=fetch_log,
    )
    tw = time.perf_counter()
    with lk.writer_lock(settings.lake):
        publish(settings, batch, report, run_id=run_id, now=now, unit=unit)
    report.timings["write"] += time.perf_counter() - tw
    report.timings["land_total"] += time.perf_counter() - t0
    return report
