"""The whole pipeline through the real Prefect flows, against the fixture newsroom served
over real HTTP on 127.0.0.1, into a real lake read back through the DuckDB views."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from flows.backfill import backfill
from flows.daily import daily
from ingest import lake as lk
from ingest import pipeline
from ingest.views import run_query
from newsrooms.interpol import NewsroomServer, NewsroomSite

LANGS = ["en", "fr", "es", "ar"]


@pytest.fixture(scope="module")
def newsroom():
    site = NewsroomSite()
    with NewsroomServer(site, max_seconds=900) as server:
        yield site, server


@pytest.fixture(scope="module")
def lake(tmp_path_factory, prefect, newsroom, monkeypatch_module):
    """A lake after one daily run over the whole fixture newsroom."""
    _site, server = newsroom
    root = tmp_path_factory.mktemp("lake")
    monkeypatch_module.setenv("INGEST_REQUESTS_PER_SECOND", "0")
    row = daily(base_url=server.base_url, lake=str(root), languages=LANGS)
    return root, row


# "undated" pages land: their date comes from the sitemap <lastmod> (date_source says so)
NOT_RELEASES = ("truncated-html", "listed-404")


def expected_releases(site: NewsroomSite) -> list[dict]:
    broken = site.broken_paths()
    return [e for e in site.expected_releases() if broken.get(e["url_path"]) not in NOT_RELEASES]


def q(lake: Path, sql: str) -> list[dict]:
    return run_query(lake, sql).to_dicts()


def article_fetches(server: NewsroomServer) -> list[str]:
    return [path for _, path, status, _ in server.article_requests()]


def test_first_run_lands_exactly_the_sites_releases(lake, newsroom):
    site, _ = newsroom
    root, row = lake
    expected = {e["url_path"]: e for e in expected_releases(site)}
    got = {r["path"]: r for r in q(root, "SELECT * FROM releases")}
    assert set(got) == set(expected)
    for path, e in expected.items():
        r = got[path]
        want_date = e["published_date"] or e["lastmod"].date()  # undated: the sitemap's date
        assert (r["language"], r["title"], r["published_date"]) == (
            e["language"],
            e["title"],
            want_date,
        ), path
        assert r["date_source"] == (
            "sitemap_lastmod" if e["published_date"] is None else r["date_source"]
        ), path
        assert r["subtitle"] == e["subtitle"], path
        assert r["dateline"] == e["dateline"], path
    assert row["status"] in ("completed", "partial")
    assert row["new"] == len(expected)


def test_translations_share_a_key_per_family(lake, newsroom):
    site, _ = newsroom
    root, _ = lake
    rows = q(root, "SELECT path, translation_key FROM releases")
    family_of = {e["url_path"]: e["family"] for e in expected_releases(site)}
    keys_per_family: dict[str, set[str]] = {}
    for r in rows:
        keys_per_family.setdefault(family_of[r["path"]], set()).add(r["translation_key"])
    assert all(len(keys) == 1 for keys in keys_per_family.values())
    assert len({next(iter(k)) for k in keys_per_family.values()}) == len(keys_per_family)


def test_broken_pages_are_quarantined_with_a_reason(lake, newsroom):
    site, _ = newsroom
    root, _ = lake
    quarantined = {
        r["url"].split("127.0.0.1:", 1)[1].split("/", 1)[1]: r
        for r in q(root, "SELECT * FROM quarantine")
    }
    broken = site.broken_paths()
    for path, why in broken.items():
        key = path.lstrip("/")
        if why == "undated":  # dated by its sitemap <lastmod>, a last resort: not refused
            assert key not in quarantined
        elif why == "truncated-html":
            assert key in quarantined
    # The fetch state, read by the library: `ingest query` reads the views only (issue 11).
    status = {r["path"]: r for r in pipeline.load_pages_state(root).to_dicts()}
    gone = [p for p, why in broken.items() if why == "listed-404"]
    assert all(status[p]["status"] == "gone" for p in gone)


def test_blocks_and_quotes_views(lake, newsroom):
    site, _ = newsroom
    root, _ = lake
    kinds = Counter(r["kind"] for r in q(root, "SELECT kind FROM release_blocks"))
    assert set(kinds) <= {"paragraph", "heading", "list_item"} and kinds["paragraph"] > 40
    # body_text is exactly the blocks in order.
    mismatched = q(
        root,
        """
        SELECT r.release_id FROM releases r JOIN (
            SELECT release_id, string_agg(text, chr(10) || chr(10) ORDER BY ordinal) AS body
            FROM release_blocks GROUP BY release_id) b USING (release_id)
        WHERE r.body_text <> b.body""",
    )
    assert mismatched == []
    speakers = {r["speaker"] for r in q(root, "SELECT speaker FROM quotes")}
    expected_names = {s for e in expected_releases(site) for s in e["quote_speakers"]}
    assert any(any(name in (sp or "") for sp in speakers) for name in expected_names)


def test_ingest_runs_records_the_run(lake):
    root, row = lake
    runs = q(root, "SELECT * FROM ingest_runs")
    assert runs[0]["run_id"] == row["run_id"] and runs[0]["flow"] == "daily"
    assert json.loads(runs[0]["parameters"])["languages"] == LANGS
    assert runs[0]["finished_at"] >= runs[0]["started_at"]
    assert runs[0]["discovered"] >= runs[0]["new"] > 0


def test_second_run_fetches_no_article_page(lake, newsroom):
    _site, server = newsroom
    root, _ = lake
    before = q(root, "SELECT release_id, content_hash, updated_at FROM releases ORDER BY 1")
    server.clear_log()
    row = daily(base_url=server.base_url, lake=str(root), languages=LANGS)
    assert article_fetches(server) == []
    assert row["fetched"] == 0 and row["new"] == 0 and row["updated"] == 0
    after = q(root, "SELECT release_id, content_hash, updated_at FROM releases ORDER BY 1")
    assert after == before


def test_edited_release_is_updated_in_place_and_only_it_is_refetched(lake, newsroom):
    site, server = newsroom
    root, _ = lake
    target = next(e for e in expected_releases(site) if e["language"] == "fr")
    path = target["url_path"]
    count_before = q(root, "SELECT count(*) AS n FROM releases")[0]["n"]
    old = q(root, f"SELECT * FROM releases WHERE path = '{path}'")[0]
    site.edit_release(path)
    server.clear_log()
    row = daily(base_url=server.base_url, lake=str(root), languages=LANGS)
    assert article_fetches(server) == [path]
    assert row["updated"] == 1 and row["new"] == 0
    assert q(root, "SELECT count(*) AS n FROM releases")[0]["n"] == count_before
    new = q(root, f"SELECT * FROM releases WHERE path = '{path}'")[0]
    assert new["release_id"] == old["release_id"]
    assert new["content_hash"] != old["content_hash"]
    assert new["first_seen_at"] == old["first_seen_at"]
    revs = q(
        root,
        f"SELECT * FROM release_revisions WHERE release_id = '{old['release_id']}' "
        "ORDER BY revision",
    )
    assert [r["revision"] for r in revs] == [1, 2]
    assert revs[0]["status"] == "superseded" and revs[0]["valid_to"] is not None
    assert revs[1]["status"] == "current" and revs[1]["valid_to"] is None
    assert revs[1]["changed"] != ["created"]


def test_backfill_revalidates_with_conditional_gets_and_marks_gone(lake, newsroom):
    site, server = newsroom
    root, _ = lake
    victim = next(e for e in expected_releases(site) if e["language"] == "es")
    site.remove_release(victim["url_path"], status=410)
    server.clear_log()
    row = backfill(
        since=date(2019, 1, 1),
        until=date(2026, 12, 31),
        base_url=server.base_url,
        lake=str(root),
        languages=LANGS,
    )
    statuses = Counter(status for _, _, status, _ in server.article_requests())
    # Known pages get conditional GETs: 304 unless their chrome changed (the removal
    # changes related-news boxes), and then the content hash shows nothing changed.
    assert statuses[304] > statuses[200]
    assert row["gone"] >= 1 and row["new"] == 0 and row["updated"] == 0
    paths = {r["path"] for r in q(root, "SELECT path FROM releases")}
    assert victim["url_path"] not in paths
    gone = q(root, f"SELECT status FROM release_status WHERE url LIKE '%{victim['url_path']}'")
    assert gone == [{"status": "gone"}]
    rev = q(
        root,
        "SELECT r.status FROM release_revisions r JOIN release_status s USING "
        f"(release_id) WHERE s.url LIKE '%{victim['url_path']}'",
    )
    assert [r["status"] for r in rev] == ["gone"]


def test_each_release_once_and_one_file_per_partition(lake):
    root, _ = lake
    dupes = q(root, "SELECT release_id, count(*) n FROM releases GROUP BY 1 HAVING n > 1")
    assert dupes == []
    manifest = lk.read_manifest(root)
    for table in ("releases", "release_blocks", "quotes"):
        keys = manifest.partitions(table)
        assert len(keys) == len(set(keys)) > 0


def test_cli_query_formats_from_another_directory(lake, tmp_path):
    root, _ = lake
    cmd = [
        sys.executable,
        "-m",
        "ingest.cli",
        "query",
        "SELECT language, count(*) AS n FROM releases GROUP BY 1 ORDER BY 1",
        "--lake",
        str(root),
    ]
    out = subprocess.run(
        [*cmd, "--format", "json"], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout
    data = json.loads(out)
    assert [d["language"] for d in data] == sorted(d["language"] for d in data)
    assert all(isinstance(d["n"], int) for d in data)
    csv = subprocess.run(
        [*cmd, "--format", "csv"], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout
    assert csv.splitlines()[0] == "language,n"
    bad = subprocess.run(
        [sys.executable, "-m", "ingest.cli", "query", "SELECT nope", "--lake", str(root)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 1 and bad.stderr.startswith("error: query failed")
    # The persisted views database opens from anywhere too.
    import duckdb

    con = duckdb.connect(str(root / "lake.duckdb"), read_only=True)
    assert con.sql("SELECT count(*) FROM releases").fetchall()[0][0] > 0
    con.close()


def content(lake: Path) -> dict:
    """Everything a release says, without run ids and timestamps."""
    return {
        "releases": q(
            lake,
            "SELECT release_id, language, url, title, subtitle, published_date,"
            " year, dateline, body_text, word_count, translation_key, "
            "content_hash FROM releases ORDER BY release_id",
        ),
        "blocks": q(lake, "SELECT * FROM release_blocks ORDER BY release_id, ordinal"),
        "quotes": q(lake, "SELECT * FROM quotes ORDER BY release_id, ordinal"),
        "quarantine": q(lake, "SELECT path, stage, reason FROM quarantine ORDER BY path"),
    }


def test_parallel_chunked_backfill_equals_sequential(prefect, tmp_path, monkeypatch):
    from ingest import runner
    from ingest.settings import load_settings

    monkeypatch.setenv("INGEST_REQUESTS_PER_SECOND", "0")
    monkeypatch.setenv("INGEST_BATCH_SIZE", "15")  # many units, so chunks really overlap
    site = NewsroomSite(seed=3, families=30, page_kb=10)
    with NewsroomServer(site, max_seconds=600) as server:
        parallel = backfill(
            since=date(2019, 1, 1),
            until=date(2026, 12, 31),
            base_url=server.base_url,
            lake=str(tmp_path / "par"),
            languages=LANGS,
            parallel=3,
        )
        site.reset_flaky()
        settings = load_settings(
            base_url=server.base_url, lake=tmp_path / "seq", env={}, requests_per_second=0
        )
        sequential = runner.run(
            settings,
            "backfill",
            "backfill",
            since=date(2019, 1, 1),
            until=date(2026, 12, 31),
            parallel=1,
        )
    assert parallel["new"] == sequential["new"] > 100
    par, seq = content(tmp_path / "par"), content(tmp_path / "seq")
    # Same host on both runs, so URLs match too: the two lakes say exactly the same.
    assert par == seq
