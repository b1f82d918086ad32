"""The lake's state per source: two sources landing the same path keep two releases and two
state rows (and the views join them right); a lake written before state carried its source
reads as `interpol` and is not duplicated by the next commit."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import polars as pl

from ingest import lake as lk
from ingest import pipeline, views
from ingest.fetch import FetchResult
from ingest.settings import load_settings

NOW = datetime(2026, 11, 29, 6, 30, tzinfo=UTC)
PATH = "/en/News-and-Events/News/2023/shared"


def page(
    base: str, path: str = PATH, title: str = "Operation Lionfish seizes drugs", body: bool = True
) -> pipeline.FetchedPage:
    content = (
        (
            "<p>LYON, France – Police in 30 countries seized drugs worth USD 2 billion in "
            "a month.</p><p>More than 200 people were arrested.</p>"
        )
        if body
        else ""
    )
    html = (
        f'<html lang="en"><head><title>{title}</title></head><body><article><h1>{title}'
        f'</h1><time datetime="2023-05-04">4 May 2023</time>{content}</article>'
        "</body></html>"
    ).encode()
    plan = pipeline.PagePlan(path=path, url=base + path, language="en", reason="new")
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


def test_two_sources_landing_the_same_path_keep_apart(tmp_path):
    interpol = load_settings(lake=tmp_path, base_url="https://www.interpol.int", env={})
    other = dataclasses.replace(
        interpol, source="mirror-newsroom", base_url="https://mirror.example"
    )
    pipeline.land_pages([page(interpol.base_url)], interpol, run_id="r1", now=NOW)
    pipeline.land_pages(
        [page(other.base_url, title="Another newsroom's story")], other, run_id="r2", now=NOW
    )
    # A page refused by extraction, in the other source only, at the same path.
    pipeline.land_pages([page(other.base_url, body=False)], other, run_id="r3", now=NOW)
    state = pipeline.load_pages_state(tmp_path).sort("source")
    assert state.select("source", "path", "status").rows() == [
        ("interpol", PATH, "ok"),
        ("mirror-newsroom", PATH, "quarantined"),
    ]
    assert state["release_id"].n_unique() == 2
    got = views.run_query(
        tmp_path,
        "SELECT source, title, last_seen_at IS NOT NULL AS seen FROM releases ORDER BY source",
    ).rows()
    assert got == [
        ("interpol", "Operation Lionfish seizes drugs", True),
        ("mirror-newsroom", "Another newsroom's story", True),
    ]
    assert views.run_query(tmp_path, "SELECT source, reason FROM quarantine").rows() == [
        ("mirror-newsroom", "no_body")
    ]
    # The interpol page is still ok: the other source's rejection did not reach it.
    assert views.run_query(
        tmp_path, "SELECT source, status FROM release_status ORDER BY 1"
    ).rows() == [("interpol", "ok"), ("mirror-newsroom", "quarantined")]


def test_a_lake_from_before_sources_reads_as_interpol_and_is_not_duplicated(tmp_path):
    settings = load_settings(lake=tmp_path, base_url="https://www.interpol.int", env={})
    pipeline.land_pages(
        [
            page(settings.base_url),
            page(settings.base_url, "/en/News-and-Events/News/2023/bad", body=False),
        ],
        settings,
        run_id="r1",
        now=NOW,
    )
    manifest = lk.read_manifest(tmp_path)
    for table in ("pages", "quarantine"):
        old = tmp_path / manifest.file(table)
        pl.read_parquet(old).drop("source").write_parquet(old)
    pipeline._read_pages_file.cache_clear()
    assert pipeline.load_pages_state(tmp_path)["source"].to_list() == ["interpol"] * 2
    # The next commit of the same pages keeps one row each, now with its source stored.
    pipeline.land_pages(
        [page(settings.base_url, title="Operation Lionfish seizes drugs")],
        settings,
        run_id="r2",
        now=NOW,
    )
    pipeline.land_pages(
        [page(settings.base_url, "/en/News-and-Events/News/2023/bad", body=False)],
        settings,
        run_id="r3",
        now=NOW,
    )
    manifest = lk.read_manifest(tmp_path)
    stored = pl.read_parquet(tmp_path / manifest.file("pages"))
    assert stored.select("source", "path").sort("path").rows() == [
        ("interpol", "/en/News-and-Events/News/2023/bad"),
        ("interpol", PATH),
    ]
    quarantine = pl.read_parquet(tmp_path / manifest.file("quarantine"))
    assert quarantine.select("source", "attempts").rows() == [("interpol", 2)]
