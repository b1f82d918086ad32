"""`ingest report` renders in a real browser: headless Chromium draws every chart, with no
console error and no resource fetched (the file is self-contained)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import analysis_lake  # tests/ is on the path (rootdir conftest)
import polars as pl
import pytest

from ingest import pipeline
from ingest.cli import main
from ingest.fetch import FetchResult
from ingest.settings import load_settings

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Injected into a copy of the report (the report itself has no script): what the browser
# drew for each chart, errors, and any resource it tried to fetch.
CHECK = """<script>
window.__errors = [];
window.addEventListener('error', e => window.__errors.push(String(e.message)));
window.addEventListener('load', () => {
  const charts = [...document.querySelectorAll('figure.chart')].map(f => {
    const svg = f.querySelector('svg');
    const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
    const marks = svg ? svg.querySelectorAll('path, rect, line, text, circle').length : 0;
    return {id: f.dataset.chart, width: box.width, height: box.height, marks: marks};
  });
  const out = document.createElement('pre');
  out.id = 'check';
  out.textContent = JSON.stringify({charts: charts, errors: window.__errors,
    resources: performance.getEntriesByType('resource').map(r => r.name)});
  document.body.appendChild(out);
});
</script>"""


def chromium() -> str:
    exe = shutil.which("chromium") or (
        "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None
    )
    if exe is None:
        pytest.fail(
            "headless Chromium is missing: `make test` installs Debian's chromium "
            "(make chromium, as root), or `apt-get install chromium`; the report "
            "test renders the HTML in it and cannot run without"
        )
    return exe


def browser(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / f"chromium-profile-{len(list(tmp_path.iterdir()))}"
    profile.mkdir()
    return subprocess.run(
        [
            chromium(),
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            "--enable-logging=stderr",
            "--v=0",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("report")
    lake = analysis_lake.build(tmp / "lake")
    settings = load_settings(lake=lake, base_url=analysis_lake.BASE, env={})
    # a page that is not a release (quarantined) and a recorded run, for the health charts
    plan = pipeline.PagePlan(
        path="/en/News-and-Events/News/2024/broken",
        reason="new",
        url=analysis_lake.BASE + "/en/News-and-Events/News/2024/broken",
        language="en",
    )
    res = FetchResult(
        url=plan.url,
        final_url=plan.url,
        status=200,
        headers={},
        body=b"<html><body><p>nothing here</p></body></html>",
        fetched_at=analysis_lake.NOW,
        elapsed_s=0.0,
    )
    report = pipeline.land_pages(
        [pipeline.FetchedPage(plan, result=res)],
        settings,
        run_id="r2",
        now=analysis_lake.NOW,
        unit="r2/1",
    )
    pipeline.record_run(
        lake,
        run_id="r2",
        flow="daily",
        parameters={},
        started_at=analysis_lake.NOW,
        finished_at=analysis_lake.NOW + timedelta(seconds=3),
        discovered=1,
        report=report,
        requests=1,
    )
    out = tmp / "report.html"
    assert main(["report", "--lake", str(lake), "--out", str(out)]) == 0
    return out


def test_the_report_is_one_self_contained_file(report):
    text = report.read_text(encoding="utf-8")
    assert "<script" not in text.lower()
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", text)
    assert text.count('<figure class="chart"') == 9


def test_every_chart_draws_in_headless_chromium(report, tmp_path):
    page = tmp_path / "check.html"
    page.write_text(
        report.read_text(encoding="utf-8").replace("</head>", CHECK + "</head>"), encoding="utf-8"
    )
    run = browser(tmp_path, "--virtual-time-budget=10000", "--dump-dom", page.as_uri())
    m = re.search(r'<pre id="check">(.*?)</pre>', run.stdout, re.S)
    assert m, f"Chromium did not render the page: {run.stderr[-2000:]}"
    got = json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert got["errors"] == [] and got["resources"] == []
    assert len(got["charts"]) == 9
    for chart in got["charts"]:
        assert chart["width"] > 100 and chart["height"] > 40 and chart["marks"] > 5, chart
    console = [ln for ln in run.stderr.splitlines() if "CONSOLE" in ln]
    assert console == [], console


def test_a_screenshot_of_the_report(report, tmp_path):
    shot = tmp_path / "report.png"
    run = browser(tmp_path, "--window-size=1280,3300", f"--screenshot={shot}", report.as_uri())
    assert shot.exists() and shot.stat().st_size > 50_000, run.stderr[-2000:]
    # kept for a person to look at: the path is printed with -s
    print(f"report screenshot: {shot}")


def test_the_largest_seizures_count_each_story_once(report):
    from ingest import analyst_report
    from ingest.views import connect

    con = connect(report.parent / "lake")
    try:
        seizures = analyst_report._queries(con)["seizures"]
        per_version = con.sql(
            "SELECT count(*) FROM quantities q JOIN releases r USING (release_id) "
            "WHERE q.kind = 'seizure' AND q.mass_kg = 12000 AND q.item = 'cocaine'"
        ).fetchall()[0][0]
    finally:
        con.close()
    jade = seizures.filter((pl.col("item") == "cocaine") & (pl.col("mass_kg") == 12000))
    assert per_version == 4  # the Jade Tide story reports it in en, fr, es and ar
    assert jade.height == 1 and jade["languages"][0] == "en fr es ar"
    assert jade["versions"][0] == 4 and jade["language"][0] == "en"
    text = report.read_text(encoding="utf-8")
    assert text.count("cocaine · 2024") == text.count("cocaine · 2024-") >= 1
