from __future__ import annotations

from ingest.pipeline import BatchReport
from ingest.report import markdown
from ingest.settings import load_settings


def test_run_report_has_counts_per_language_reasons_failures_and_partitions(tmp_path):
    result = BatchReport()
    result.count("ar", "discovered", 3)
    result.count("ar", "new", 2)
    result.count("fr", "quarantined")
    result.quarantined.append({"url": "http://h/fr/x", "stage": "extract", "reason": "no_date"})
    result.failures.append({"url": "http://h/en/y", "reason": "HTTP 503 after retries"})
    result.slowest.append((1.25, "http://h/ar/z"))
    result.partitions.add("language=ar/year=2023")
    row = {
        "run_id": "r1",
        "flow": "daily",
        "status": "partial",
        "discovered": 3,
        "new": 2,
        "quarantined": 1,
        "failed": 1,
    }
    text = markdown(row, result, load_settings(lake=tmp_path, env={}))
    assert "# daily run `r1`: partial" in text
    assert "| ar | 3 | 0 | 2 |" in text
    assert "| extract | no_date | 1 |" in text
    assert "http://h/en/y: HTTP 503 after retries" in text
    assert "| 1.250 | http://h/ar/z |" in text
    assert "releases/language=ar/year=2023" in text
