"""`ingest query` reads the lake's views and nothing else: every hostile statement is
refused with a one-line error, and the lake is byte-for-byte the same afterwards."""

from __future__ import annotations

import hashlib
import stat
from datetime import UTC, datetime

import duckdb
import pytest

from ingest import cli, pipeline, views
from ingest.errors import QueryError, QueryRefusedError
from ingest.fetch import FetchResult
from ingest.settings import load_settings

NOW = datetime(2026, 11, 29, 6, 30, tzinfo=UTC)
BASE = "https://www.interpol.int"


def page(path: str) -> pipeline.FetchedPage:
    html = (
        '<html lang="en"><head><title>Operation Lionfish seizes drugs</title></head><body>'
        '<article><h1>Operation Lionfish seizes drugs</h1><time datetime="2023-05-04">4 May'
        " 2023</time><p>LYON, France – Police in 30 countries seized drugs worth USD 2 "
        "billion in a month.</p><p>More than 200 people were arrested.</p></article>"
        "</body></html>"
    ).encode()
    plan = pipeline.PagePlan(path=path, url=BASE + path, language="en", reason="new")
    res = FetchResult(
        url=plan.url,
        final_url=plan.url,
        status=200,
        body=html,
        headers={},
        fetched_at=NOW,
        elapsed_s=0.01,
    )
    return pipeline.FetchedPage(plan, result=res)


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    root = tmp_path_factory.mktemp("lake")
    settings = load_settings(lake=root, base_url=BASE, env={})
    pipeline.land_pages([page("/en/News-and-Events/News/2023/a")], settings, run_id="r1", now=NOW)
    views.build_views_db(root)
    return root


def fingerprint(root) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_selects_over_the_views_work(lake):
    assert views.run_query(lake, "SELECT count(*) AS n FROM releases").to_dicts() == [{"n": 1}]
    assert (
        views.run_query(lake, "WITH x AS (SELECT title FROM releases) SELECT * FROM x").height == 1
    )
    assert views.run_query(lake, "FROM search_releases('lionfish')").height == 1
    assert views.run_query(lake, "SELECT * FROM fetch_log").height == 0


@pytest.mark.parametrize(
    ("sql", "why"),
    [
        ("COPY (SELECT 1) TO '{lake}/manifest.json'", "not COPY"),
        ("COPY releases TO '/tmp/stolen.csv'", "not COPY"),
        ("ATTACH '{lake}/other.duckdb' AS o", "not ATTACH"),
        ("INSTALL httpfs", "not LOAD"),  # DuckDB parses INSTALL as a LOAD statement
        ("LOAD httpfs", "not LOAD"),
        ("CREATE TABLE t AS SELECT 1", "not CREATE"),
        ("CREATE OR REPLACE VIEW releases AS SELECT 1", "not CREATE"),
        ("DROP VIEW releases", "not DROP"),
        ("SET enable_external_access = true", "not SET"),
        ("PRAGMA enable_profiling", "not PRAGMA"),
        ("EXPLAIN ANALYZE COPY (SELECT 1) TO '/tmp/x.csv'", "not EXPLAIN"),
        ("SELECT 1; COPY (SELECT 1) TO '/tmp/x.csv'", "one statement per query, got 2"),
        ("SELECT * FROM read_csv('/etc/passwd')", "may read the lake's views only"),
        ("SELECT * FROM read_text('/proc/self/environ')", "may read the lake's views only"),
        ("SELECT * FROM read_blob('{lake}/manifest.json')", "may read the lake's views only"),
        ("SELECT * FROM read_json('{lake}/manifest.json')", "may read the lake's views only"),
        ("SELECT * FROM glob('/etc/*')", "may read the lake's views only"),
        ("SELECT * FROM read_parquet('{lake}/**/*.parquet')", "may read the lake's views only"),
    ],
)
def test_hostile_statements_are_refused_in_one_line_and_change_nothing(lake, sql, why):
    before = fingerprint(lake)
    with pytest.raises(QueryRefusedError, match=why) as err:
        views.run_query(lake, sql.format(lake=lake))
    assert "\n" not in str(err.value)
    assert fingerprint(lake) == before


def test_the_cli_answers_a_refused_query_with_one_line(lake, capsys):
    before = fingerprint(lake)
    code = cli.main(["query", f"COPY (SELECT 1) TO '{lake}/manifest.json'", "--lake", str(lake)])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and err.startswith("error: only a read-only")
    assert fingerprint(lake) == before


def test_a_bad_query_is_a_query_error_not_a_crash(lake):
    with pytest.raises(QueryError, match="query"):
        views.run_query(lake, "SELEC nonsense")
    with pytest.raises(QueryError, match="does not exist"):
        views.run_query(lake, "SELECT * FROM no_such_view")


def test_the_views_file_is_read_only_on_disk_and_opens_read_only(lake):
    path = lake / views.VIEWS_DB
    assert not path.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    con = duckdb.connect(str(path), read_only=True)
    try:
        assert con.sql("SELECT count(*) FROM releases").fetchall() == [(1,)]
        with pytest.raises(duckdb.Error):
            con.execute("CREATE TABLE t AS SELECT 1")
    finally:
        con.close()
    views.build_views_db(lake)  # a later commit can still replace it
    assert path.exists()


def test_views_survive_a_file_written_before_a_column_existed(tmp_path):
    """An upgraded lake: its fetch-state file predates the encoding columns; the views read
    them as NULL until the next commit rewrites the file."""
    import polars as pl

    from ingest import lake as lk

    settings = load_settings(lake=tmp_path, base_url=BASE, env={})
    pipeline.land_pages([page("/en/News-and-Events/News/2023/a")], settings, run_id="r1", now=NOW)
    old = tmp_path / lk.read_manifest(tmp_path).file("pages")
    pl.read_parquet(old).drop("encoding", "encoding_source", "encoding_suspect").write_parquet(old)
    got = views.run_query(tmp_path, "SELECT title, encoding_suspect FROM releases").to_dicts()
    assert got == [{"title": "Operation Lionfish seizes drugs", "encoding_suspect": None}]
