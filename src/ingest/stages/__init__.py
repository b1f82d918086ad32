"""The stages of a run, one module each, with typed hand-offs:

    plan.py          candidates + fetch state ──plan_fetches──> [PagePlan]
    fetching.py      [PagePlan] ──fetch_pages | pages_from_raw──> [Fetched]
    extracting.py    [Fetched] ──extract_pages──> Extracted (records | quarantine entries,
                                                  fetch-state changes)
    transforming.py  Extracted ──transform_records (pure Polars)──> Structured
    validating.py    Structured ──validate_frames (Pandera, collected)──> Validated
    landing.py       land_pages: extract -> transform -> validate -> lake_writer.publish
                     (commit, under the writer lock)
    batch.py         BatchReport: what a batch did (counts, timings, rejections)

The runner (ingest.runner) and the flows wire these together; nothing here imports them.
"""
