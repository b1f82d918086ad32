"""Lake integrity under faults: SIGKILL at many points, overlapping runs, concurrent writers.

Runs are real processes (`ingest run --engine plain`) against the fixture newsroom over real
HTTP on 127.0.0.1; the lake is read back through the DuckDB views. Fault points are reached
by watching the lake's files, not by patching our code.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from ingest import lake as lk
from ingest import schemas as sc
from ingest import views
from newsrooms.interpol import NewsroomServer, NewsroomSite

REPO = Path(__file__).resolve().parents[1]


def start_run(base_url: str, lake: Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "INGEST_REQUESTS_PER_SECOND": "0"}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ingest.cli",
            *(extra or ("run",)),
            "--engine",
            "plain",
            "--base-url",
            base_url,
            "--lake",
            str(lake),
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(proc: subprocess.Popen, timeout: float = 240) -> str:
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode in (0, 3), err[-2000:]
    return out


def snapshot(lake: Path) -> dict:
    """What a reader sees, plus the consistency of the committed files themselves."""
    manifest = lk.read_manifest(lake)
    con = views.connect(lake, manifest)
    rendered = " ".join(s for _, s in views.view_statements(lake, manifest))
    assert lk.STAGING not in rendered  # the views never name a staging file
    releases = con.sql("SELECT release_id, content_hash FROM releases ORDER BY 1").fetchall()
    ids = {r for r, _ in releases}
    blocks = lk.read_table(lake, manifest, "release_blocks", sc.BLOCKS)
    revisions = lk.read_table(lake, manifest, "release_revisions", sc.REVISIONS)
    raw_releases = lk.read_table(lake, manifest, "releases", sc.RELEASES)
    # Each committed release is whole: its blocks and its current revision came with it.
    assert raw_releases["release_id"].is_unique().all()
    assert set(blocks["release_id"].unique()) == set(raw_releases["release_id"])
    current = revisions.filter(pl.col("status") == "current")
    assert current["release_id"].is_unique().all()
    assert set(current["release_id"]) <= set(raw_releases["release_id"])
    return {
        "releases": releases,
        "n_blocks": blocks.filter(pl.col("release_id").is_in(list(ids))).height,
        "revisions": sorted(revisions.select("release_id", "revision", "status").rows()),
        "quarantine": sorted(con.sql("SELECT path, reason FROM quarantine").fetchall()),
    }


@pytest.fixture()
def newsroom():
    site = NewsroomSite(seed=11, families=40, page_kb=20)
    with NewsroomServer(site, max_seconds=600) as server:
        yield site, server


def wait_for(cond, proc: subprocess.Popen, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if cond():
            return True
        time.sleep(0.002)
    return False


def raw_count(lake: Path) -> int:
    return sum(1 for _ in (lake / "raw").rglob("*.gz")) if (lake / "raw").exists() else 0


def staging_has_data(lake: Path) -> bool:
    staging = lake / lk.STAGING
    return staging.exists() and any(f.suffix == ".parquet" for f in staging.iterdir())


def describe(state: dict, before: dict, after: dict) -> str:
    out = []
    for ref_name, ref in (("before", before), ("after", after)):
        diffs = {
            k: (
                len(set(map(str, state[k])) ^ set(map(str, ref[k])))
                if isinstance(state[k], list)
                else (state[k], ref[k])
            )
            for k in state
            if state[k] != ref[k]
        }
        out.append(f"vs {ref_name}: {diffs}")
    return "; ".join(out)


def test_sigkill_at_many_points_leaves_before_or_after(tmp_path, newsroom):
    site, server = newsroom
    # The reference: the same newsroom on its own server, a first run, a "next day" (new
    # releases, edits), a second run, never interrupted.
    ref_site = NewsroomSite(seed=11, families=40, page_kb=20)
    ref_lake = tmp_path / "ref"
    with NewsroomServer(ref_site, max_seconds=600) as ref_server:
        finish(start_run(ref_server.base_url, ref_lake))
        ref_site.next_day(new=3, edits=4)
        finish(start_run(ref_server.base_url, ref_lake))
    after = snapshot(ref_lake)

    lake = tmp_path / "lake"
    finish(start_run(server.base_url, lake))
    before = snapshot(lake)
    saved = tmp_path / "saved"
    shutil.copytree(lake, saved)
    site.next_day(new=3, edits=4)
    assert after != before

    # Each kill starts from the same lake (the first run's) and the same newsroom state.
    fault_points: list[tuple[str, object]] = [
        ("at start", lambda: True),
        ("during fetch", lambda: raw_count(lake) > raw_before + 3),
        ("after fetch, in extract/transform", lambda: raw_count(lake) >= raw_before + 10),
        ("during publish", lambda: staging_has_data(lake)),
        *[(f"after {d}s", d) for d in (0.6, 0.9, 1.2, 1.3, 1.4, 1.6, 2.0)],
    ]
    raw_before = raw_count(saved)
    outcomes = []
    for name, when in fault_points:
        shutil.rmtree(lake)
        shutil.copytree(saved, lake)
        proc = start_run(server.base_url, lake)
        if callable(when):
            hit = wait_for(when, proc)
        else:
            time.sleep(when)
            hit = proc.poll() is None
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        state = snapshot(lake)
        assert state in (before, after), (
            f"in-between lake after a kill {name}: {describe(state, before, after)}"
        )
        outcomes.append((name, hit, "after" if state == after else "before"))
        # The next run completes the work: the lake equals the uninterrupted reference,
        # and the killed writer's staging leftovers are gone.
        finish(start_run(server.base_url, lake))
        assert snapshot(lake) == after, name
        assert not any((lake / lk.STAGING).iterdir())
    print("kill outcomes:", outcomes)
    hits = {name: hit for name, hit, _ in outcomes}
    assert hits["during fetch"], outcomes
    assert "before" in {o for _, _, o in outcomes}, outcomes


def test_daily_and_backfill_overlapping_land_each_release_once(tmp_path, newsroom):
    site, server = newsroom
    lake = tmp_path / "lake"
    daily = start_run(server.base_url, lake)
    back = start_run(
        server.base_url,
        lake,
        "backfill",
        "--since",
        "2019-01-01",
        "--until",
        date.today().isoformat(),
    )
    finish(daily)
    finish(back)
    state = snapshot(lake)
    # undated pages land too, dated by their sitemap <lastmod>
    expected = {e["url_path"] for e in site.expected_releases()}
    broken = site.broken_paths()
    expected -= {p for p, why in broken.items() if why in ("truncated-html", "listed-404")}
    assert len(state["releases"]) == len(expected)
    assert len({r for r, _ in state["releases"]}) == len(state["releases"])
    runs = views.connect(lake).sql("SELECT flow, status FROM ingest_runs").fetchall()
    assert sorted(f for f, _ in runs) == ["backfill", "daily"]


def _write_family(lake: str, fid_offset: int, language: str) -> None:
    """One writer: land pages of one language (its own partitions) from rendered HTML."""
    from ingest import pipeline
    from ingest.fetch import FetchResult
    from ingest.settings import load_settings

    site = NewsroomSite(seed=5, families=40, page_kb=5)
    settings = load_settings(lake=lake, base_url="http://127.0.0.1:9", env={})
    now = pipeline.utcnow()
    pages = []
    for e in site.expected_releases(language):
        if not e["published_date"] or e["published_date"].year % 8 != fid_offset % 8:
            continue
        html = site.render_article(e["url_path"]).encode()
        plan = pipeline.PagePlan(
            path=e["url_path"],
            url="http://127.0.0.1:9" + e["url_path"],
            language=language,
            reason="new",
        )
        res = FetchResult(
            url=plan.url,
            final_url=plan.url,
            status=200,
            body=html,
            headers={},
            fetched_at=now,
            elapsed_s=0.0,
        )
        pages.append(pipeline.FetchedPage(plan, result=res))
    pipeline.land_pages(pages, settings, run_id=f"writer-{fid_offset}-{language}", now=now)


def test_eight_concurrent_writers_to_disjoint_partitions(tmp_path):
    import multiprocessing as mp

    ctx = mp.get_context("spawn")  # polars and fork do not mix (STACK_NOTES pitfall 14)
    jobs = [(i, lang) for i, lang in enumerate(["en", "fr", "es", "ar"] * 2)]
    procs = [ctx.Process(target=_write_family, args=(str(tmp_path), i, lang)) for i, lang in jobs]
    for p in procs:
        p.start()
    for p in procs:
        p.join(240)
        assert p.exitcode == 0
    manifest = lk.read_manifest(tmp_path)
    releases = lk.read_table(tmp_path, manifest, "releases", sc.RELEASES)
    assert releases.height == releases["release_id"].n_unique() > 0
    writers = set(releases["run_id"])
    assert len(writers) == 8  # every writer's rows survived the others' commits
    assert manifest.version >= 8
