"""The land step on recorded pages: contracts, quarantine, idempotent units, moves."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import polars as pl
import pytest

from ingest import lake as lk
from ingest import pipeline
from ingest import schemas as sc
from ingest.fetch import FetchResult
from ingest.settings import load_settings
from ingest.views import connect

NOW = datetime(2026, 11, 29, 6, 30, tzinfo=UTC)
BASE = "https://www.interpol.int"


def page(
    path: str,
    date: str,
    title: str = "Operation Lionfish seizes 40 tonnes of drugs",
    body: str = "Police in 30 countries seized drugs worth USD 2 billion in a month.",
    language: str = "en",
) -> pipeline.FetchedPage:
    html = (
        f'<html lang="{language}"><head><title>{title}</title></head><body><article>'
        f'<h1>{title}</h1><time datetime="{date}">{date}</time>'
        f"<p>LYON, France – {body}</p><p>The operation ran in three regions and more "
        "than 200 people were arrested.</p></article></body></html>"
    ).encode()
    plan = pipeline.PagePlan(path=path, url=BASE + path, language=language, reason="new")
    res = FetchResult(
        url=plan.url,
        final_url=plan.url,
        status=200,
        body=html,
        headers={"etag": '"v1"'},
        fetched_at=NOW,
        elapsed_s=0.01,
    )
    return pipeline.FetchedPage(plan, result=res)


@pytest.fixture()
def settings(tmp_path):
    return load_settings(lake=tmp_path, base_url=BASE, env={})


def test_contract_failure_quarantines_the_whole_release(settings):
    good = page("/en/News-and-Events/News/2023/good", "2023-05-04")
    ancient = page("/en/News-and-Events/News/1985/old", "1985-05-04")  # year < 1990
    report = pipeline.land_pages([good, ancient], settings, run_id="r1", now=NOW)
    assert report.counts["new"] == 1 and report.counts["quarantined"] == 1
    con = connect(settings.lake)
    q = con.sql("SELECT stage, reason, detail FROM quarantine").fetchall()
    assert q[0][0] == "validate" and q[0][1] == "releases_contract"
    assert "year" in q[0][2] and "1985" in q[0][2]
    # Nothing of the rejected release landed: no row, no blocks, no quotes.
    assert con.sql("SELECT count(*) FROM releases").fetchall() == [(1,)]
    blocks = lk.read_table(
        settings.lake, lk.read_manifest(settings.lake), "release_blocks", sc.BLOCKS
    )
    assert blocks["release_id"].n_unique() == 1


def test_a_committed_unit_is_not_written_twice(settings):
    pages = [page("/en/News-and-Events/News/2023/a", "2023-05-04")]
    first = pipeline.land_pages(pages, settings, run_id="r1", now=NOW, unit="r1/batch-1")
    version = lk.read_manifest(settings.lake).version
    again = pipeline.land_pages(pages, settings, run_id="r1", now=NOW, unit="r1/batch-1")
    assert lk.read_manifest(settings.lake).version == version
    assert again.counts == first.counts


def test_date_edit_moves_the_release_between_partitions(settings):
    path = "/en/News-and-Events/News/2023/moving"
    pipeline.land_pages([page(path, "2023-12-31")], settings, run_id="r1", now=NOW)
    later = datetime(2026, 11, 30, tzinfo=UTC)
    report = pipeline.land_pages([page(path, "2024-01-02")], settings, run_id="r2", now=later)
    assert report.counts["updated"] == 1
    con = connect(settings.lake)
    assert con.sql("SELECT year, published_date::VARCHAR FROM releases").fetchall() == [
        (2024, "2024-01-02")
    ]
    revs = con.sql(
        "SELECT revision, status, changed, year FROM release_revisions ORDER BY revision"
    ).fetchall()
    assert revs == [(1, "superseded", ["created"], 2023), (2, "current", ["date"], 2024)]
    assert (
        con.sql("SELECT count(DISTINCT release_id), count(*) FROM release_blocks").fetchall()[0][0]
        == 1
    )


def test_fetch_failures_are_recorded_and_retried(settings):
    from ingest.errors import FetchError

    plan = pipeline.PagePlan(
        path="/en/News-and-Events/News/2023/down",
        url=BASE + "/en/News-and-Events/News/2023/down",
        language="en",
        reason="new",
    )
    report = pipeline.land_pages(
        [pipeline.FetchedPage(plan, error=FetchError(plan.url, "timed out", status=503))],
        settings,
        run_id="r1",
        now=NOW,
    )
    assert report.counts["failed"] == 1
    state = pipeline.load_pages_state(settings.lake)
    assert state.row(0, named=True)["status"] == "failed"
    plans = pipeline.plan_fetches({}, state, settings, mode="daily", today=NOW.date())
    assert [p.reason for p in plans] == ["retry"]


def test_redirects_are_recorded(settings):
    moved = page("/en/News-and-Events/News/2023/old-slug", "2023-05-04")
    assert moved.result is not None
    moved.result = FetchResult(
        url=moved.result.url,
        final_url=BASE + "/en/News-and-Events/News/2023/new-slug",
        status=200,
        body=moved.result.body,
        headers={},
        fetched_at=NOW,
        elapsed_s=0.01,
    )
    pipeline.land_pages([moved], settings, run_id="r1", now=NOW)
    status = connect(settings.lake).sql("SELECT redirected_to FROM release_status").fetchall()
    assert status == [(BASE + "/en/News-and-Events/News/2023/new-slug",)]


def test_release_revisions_are_checked_against_their_contract_before_they_land(settings):
    """A revisions file broken by anything (an older release of this code, a hand edit)
    is not carried forward: the publish that would rewrite it is refused whole."""
    from ingest.errors import ValidationError

    path = "/en/News-and-Events/News/2023/edited"
    pipeline.land_pages([page(path, "2023-05-04")], settings, run_id="r1", now=NOW)
    manifest = lk.read_manifest(settings.lake)
    key = lk.partition_key("en", 2023)
    revs = lk.read_data_file(
        settings.lake, manifest.file("release_revisions", key), sc.REVISIONS, key
    )
    broken = revs.with_columns(revision=pl.lit(0, pl.Int32))  # revisions count from 1
    rel = lk.write_data_file(settings.lake, "release_revisions", key, broken, manifest.version + 1)
    manifest = lk.commit(
        settings.lake, manifest, {"release_revisions": {key: rel}}, run_id="hand-edit"
    )
    edited = page(path, "2023-05-04", body="Police in 31 countries seized drugs worth more.")
    with pytest.raises(ValidationError, match="release_revisions"):
        pipeline.land_pages([edited], settings, run_id="r2", now=NOW)
    assert lk.read_manifest(settings.lake).version == manifest.version  # nothing landed


def undated(
    path: str, *, lastmod: str | None = None, last_modified: str | None = None
) -> pipeline.FetchedPage:
    """A release page that names no date anywhere (nor in its URL)."""
    html = (
        "<html lang='en'><head><title>Ivory seized</title></head><body><article>"
        "<h1>Ivory seized at the port</h1><p>MOMBASA, Kenya – Officers seized two tonnes "
        "of ivory hidden in a container of dried fish, the agency said.</p><p>Three "
        "people were arrested.</p></article></body></html>"
    ).encode()
    plan = pipeline.PagePlan(
        path=path, url=BASE + path, language="en", reason="new", sitemap_lastmod=lastmod
    )
    headers = {"last-modified": last_modified} if last_modified else {}
    res = FetchResult(
        url=plan.url,
        final_url=plan.url,
        status=200,
        body=html,
        headers=headers,
        fetched_at=NOW,
        elapsed_s=0.01,
    )
    return pipeline.FetchedPage(plan, result=res)


def test_last_resort_dates_are_the_sitemap_lastmod_then_http_last_modified(settings):
    pages = [
        undated(
            "/en/News-and-Events/News/2024/a",
            lastmod="2024-03-05T10:00:00+00:00",
            last_modified="Tue, 19 Nov 2019 08:00:00 GMT",
        ),
        undated("/en/News-and-Events/News/2024/b", last_modified="Tue, 19 Nov 2019 08:00:00 GMT"),
        undated("/en/News-and-Events/News/2024/c"),
    ]
    report = pipeline.land_pages(pages, settings, run_id="r1", now=NOW)
    assert report.counts["new"] == 2 and report.counts["quarantined"] == 1
    con = connect(settings.lake)
    got = {
        p: (str(d), s)
        for p, d, s in con.sql("SELECT path, published_date, date_source FROM releases").fetchall()
    }
    assert got == {
        "/en/News-and-Events/News/2024/a": ("2024-03-05", "sitemap_lastmod"),
        "/en/News-and-Events/News/2024/b": ("2019-11-19", "http_last_modified"),
    }
    ((reason, found),) = con.sql("SELECT reason, found FROM quarantine").fetchall()
    # the refused page keeps what was found on it
    assert reason == "no_date"
    found = json.loads(found)
    assert found["title"] == "Ivory seized at the port" and found["blocks"] == 2
    assert found["published_date"] is None and found["dateline"] == "MOMBASA, Kenya"
    methods = con.sql("SELECT DISTINCT extraction_method FROM releases").fetchall()
    assert methods == [("dom",)]
