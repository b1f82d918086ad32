"""`make bench` keeps working: its smoke mode runs every phase end to end (real fixture server
process, real worker process, real lake and DuckDB) and writes the results and the table.
Timings are not asserted here: they are measurements, read in bench/RESULTS.md."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.timeout(400)
def test_quick_bench_measures_every_target(tmp_path):
    out, table = tmp_path / "latest.json", tmp_path / "RESULTS.md"
    proc = subprocess.run(
        [sys.executable, "-m", "bench.run", "--quick", "--out", str(out), "--markdown", str(table)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=380,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    res = json.loads(out.read_text())
    names = [t["target"] for t in res["targets"]]
    for part in (
        "parse <= 3x",
        "trafilatura",
        "backfill >= 150",
        "peak RSS",
        "daily, nothing new: 0 article",
        "articles = new + edited",
        "live file",
        "analyst query",
    ):
        assert any(part in n for n in names), part
    # Behaviour, not speed: what the runs did must hold on any machine.
    main = res["main_backfill"]
    assert main["status"] == "completed" and main["fetched"] >= 1000
    assert res["daily_nothing_new"]["server"]["by_kind"].get("article", 0) == 0
    d1 = res["daily_after_next_day"]
    assert d1["server"]["by_kind"]["article"] == 4 * d1["new_families"] + d1["edits"]
    assert res["year"]["after_gc"]["live_files_per_partition_max"] == 1
    assert res["accuracy"]["archive_sample"]["ours_lake"]["date"] == 1.0
    assert "| target | measured | verdict |" in table.read_text()
