"""The lake on object storage: the plain runner into s3://, against moto's S3 server on
127.0.0.1 (started and stopped here), read back through the DuckDB views."""

from __future__ import annotations

import json
import time

import duckdb
import polars as pl
import pytest

from ingest import lake as lk
from ingest import runner, views
from ingest.errors import LeaseError
from ingest.settings import load_settings
from ingest.storage import ObjectLake, parse_lake
from newsrooms.interpol import NewsroomServer, NewsroomSite
from tests.moto_server import moto_s3

BUCKET = "press-lake"
# "undated" pages land: their date comes from the sitemap <lastmod> (date_source says so)
NOT_RELEASES = ("truncated-html", "listed-404")


@pytest.fixture(scope="module")
def s3(monkeypatch_module, tmp_path_factory):
    """moto's S3 server (its own process, so it does not compete with the pipeline for the
    GIL) on 127.0.0.1, a bucket, and the env a run reads its endpoint from."""
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with moto_s3(log, BUCKET, monkeypatch_module.setenv) as endpoint:
        monkeypatch_module.setenv("INGEST_S3_ENDPOINT_URL", endpoint)
        yield endpoint


@pytest.fixture(scope="module")
def newsroom():
    site = NewsroomSite()
    with NewsroomServer(site, max_seconds=300) as server:
        yield site, server


def settings_for(server: NewsroomServer, uri: str):
    import os

    return load_settings(
        base_url=server.base_url, lake=uri, env=dict(os.environ), requests_per_second=0
    )


@pytest.fixture(scope="module")
def landed(s3, newsroom):
    _site, server = newsroom
    settings = settings_for(server, f"s3://{BUCKET}/lake")
    t0 = time.perf_counter()
    row = runner.run(settings, "daily", "daily")
    print(f"first run into s3: {time.perf_counter() - t0:.1f} s")
    return settings, row


def expected_paths(site: NewsroomSite) -> set[str]:
    broken = site.broken_paths()
    return {
        e["url_path"]
        for e in site.expected_releases()
        if broken.get(e["url_path"]) not in NOT_RELEASES
    }


def q(target, sql: str) -> list[dict]:
    """Rows of `sql` over a lake (a fresh connection: views bound to its current snapshot)
    or over an open connection (one snapshot, no re-binding of the views)."""
    if isinstance(target, duckdb.DuckDBPyConnection):
        return target.sql(sql).pl().to_dicts()
    return views.run_query(target, sql).to_dicts()


def test_settings_parse_s3_uri(s3):
    lake = parse_lake("s3://bucket/some/prefix/", {"AWS_ENDPOINT_URL": "http://x:9000"})
    assert lake == ObjectLake("s3://bucket/some/prefix", "http://x:9000")
    assert str(lake) == "s3://bucket/some/prefix" and lake.key("a/b") == "some/prefix/a/b"
    assert (
        parse_lake(
            "s3://b/p", {"INGEST_S3_ENDPOINT_URL": "http://y", "AWS_ENDPOINT_URL": "http://x"}
        ).endpoint_url
        == "http://y"
    )


def test_first_run_lands_the_sites_releases_in_s3(landed, newsroom):
    site, _ = newsroom
    settings, row = landed
    assert isinstance(settings.lake, ObjectLake)
    expected = expected_paths(site)
    got = q(settings.lake, "SELECT path, title FROM releases")  # views.run_query
    assert {r["path"] for r in got} == expected
    assert row["new"] == len(expected) and row["status"] in ("completed", "partial")
    # The views read s3:// paths (no local file, no lake.duckdb for a remote lake).
    statements = " ".join(s for _, s in views.view_statements(settings.lake))
    assert f"s3://{BUCKET}/lake/releases/" in statements
    fs = settings.lake.fs
    assert not fs.exists(f"{BUCKET}/lake/{views.VIEWS_DB}")
    assert not fs.exists(f"{BUCKET}/lake/{lk.STAGING}")
    assert fs.exists(f"{BUCKET}/lake/{lk.MANIFEST}")
    manifest = lk.read_manifest(settings.lake)
    assert json.loads(fs.cat_file(f"{BUCKET}/lake/{lk.MANIFEST}"))["version"] == manifest.version
    assert not fs.exists(f"{BUCKET}/lake/{lk.LEASE}")  # released
    raw = fs.find(f"{BUCKET}/lake/raw")
    assert len(raw) >= len(expected)
    # Quarantine and runs are views like the others.
    con = views.connect(settings.lake)
    assert q(con, "SELECT count(*) AS n FROM quarantine")[0]["n"] > 0
    assert q(con, "SELECT run_id FROM ingest_runs")[0]["run_id"] == row["run_id"]


def test_second_run_fetches_no_article(landed, newsroom):
    _site, server = newsroom
    settings, _ = landed
    before = q(settings.lake, "SELECT release_id, content_hash FROM releases ORDER BY 1")
    server.clear_log()
    row = runner.run(settings, "daily", "daily")
    assert server.article_requests() == []
    assert row["fetched"] == 0 and row["new"] == 0
    assert q(settings.lake, "SELECT release_id, content_hash FROM releases ORDER BY 1") == before


def test_edit_updates_in_place(landed, newsroom):
    site, server = newsroom
    settings, _ = landed
    path = sorted(expected_paths(site))[0]
    con = views.connect(settings.lake)
    old = q(con, f"SELECT * FROM releases WHERE path = '{path}'")[0]
    count = q(con, "SELECT count(*) AS n FROM releases")[0]["n"]
    site.edit_release(path)
    server.clear_log()
    row = runner.run(settings, "daily", "daily")
    assert [p for _, p, _, _ in server.article_requests()] == [path]
    assert row["updated"] == 1 and row["new"] == 0
    con = views.connect(settings.lake)
    assert q(con, "SELECT count(*) AS n FROM releases")[0]["n"] == count
    new = q(con, f"SELECT * FROM releases WHERE path = '{path}'")[0]
    assert new["release_id"] == old["release_id"] and new["content_hash"] != old["content_hash"]
    revs = q(
        con,
        "SELECT revision FROM release_revisions "
        f"WHERE release_id = '{old['release_id']}' ORDER BY revision",
    )
    assert [r["revision"] for r in revs] == [1, 2]


def test_cli_query_reads_the_s3_lake(landed, capsys):
    from ingest import cli

    settings, _ = landed
    assert (
        cli.main(
            [
                "query",
                "SELECT count(*) AS n FROM releases",
                "--lake",
                str(settings.lake),
                "--format",
                "json",
            ]
        )
        == 0
    )
    n = json.loads(capsys.readouterr().out)[0]["n"]
    assert (
        n
        == len(
            lk.read_table(
                settings.lake,
                lk.read_manifest(settings.lake),
                "releases",
                {"release_id": pl.String},
            )
        )
        > 0
    )


def test_replay_reads_the_raw_zone_in_s3(landed):
    from ingest import maintenance

    settings, _ = landed
    con = views.connect(settings.lake)
    quarantined = q(con, "SELECT count(*) AS n FROM quarantine")[0]["n"]
    row = maintenance.replay(settings.lake)  # re-parses raw pages from s3, fetches nothing
    assert row["pages"] == quarantined > 0 and row["requests"] == 0
    assert (
        q(views.connect(settings.lake), "SELECT count(*) AS n FROM quarantine")[0]["n"]
        == quarantined
    )  # still broken with the same parser


def frame(ids: list[str]) -> pl.DataFrame:
    return pl.DataFrame(
        {"release_id": ids, "language": ["en"] * len(ids), "year": [2023] * len(ids)},
        schema={"release_id": pl.String, "language": pl.String, "year": pl.Int32},
    )


def test_commit_cas_refuses_a_stale_commit(s3):
    lake = parse_lake(f"s3://{BUCKET}/cas", {"INGEST_S3_ENDPOINT_URL": s3})
    key = lk.partition_key("en", 2023)
    base = lk.read_manifest(lake)
    assert base.version == 0
    rel = lk.write_data_file(lake, "releases", key, frame(["a"]), 1)
    first = lk.commit(lake, base, {"releases": {key: rel}}, run_id="first")
    assert first.version == 1
    # A writer that read version 0 and commits late is refused by the version check ...
    with pytest.raises(LeaseError):
        lk.commit(lake, base, {"releases": {key: None}}, run_id="stale")
    # ... and, racing past it (it read "version 0" just before "first" committed), by the
    # create-only PUT of _manifests/00000001.json itself.
    with pytest.raises(LeaseError, match="another writer"):
        lk._commit_remote(lake, base, lk.Manifest(version=1, files={}, run_id="stale"))
    assert lk.read_manifest(lake) == first
    got = lk.read_data_file(lake, first.file("releases", key), {"release_id": pl.String}, key)
    assert got["release_id"].to_list() == ["a"]
    # A retry of our own commit whose answer was lost is recognised as ours.
    again = lk._commit_remote(lake, base, first)
    assert again == first and lk.read_manifest(lake).version == 1


def test_lease_excludes_then_expires_after_its_holder_dies(s3):
    lake = parse_lake(f"s3://{BUCKET}/lease", {"INGEST_S3_ENDPOINT_URL": s3})
    with lk.writer_lock(lake):
        assert lake.get_versioned(lk.LEASE) is not None
        with pytest.raises(LeaseError), lk.writer_lock(lake, timeout_s=0.3):
            pass
    assert lake.get_versioned(lk.LEASE) is None
    # A holder killed while holding: its lease object stays, with an expiry 1 s ahead.
    dead = json.dumps(
        {"holder": "dead-host:1:x", "ttl_s": 1.0, "expires_at": time.time() + 1.0}
    ).encode()
    assert lake.create(lk.LEASE, dead) is not None
    t0 = time.monotonic()
    with lk.writer_lock(lake, timeout_s=10) as _:
        waited = time.monotonic() - t0
        holder = json.loads(lake.get(lk.LEASE))["holder"]
        assert holder != "dead-host:1:x"
    assert 0.5 < waited < 5
    # Renewal keeps a live holder's lease; a waiter sees it renewed, not expired.
    with lk.lease(lake, ttl_s=0.6) as me:
        time.sleep(1.0)
        body = json.loads(lake.get(lk.LEASE))
        assert body["holder"] == me and body["expires_at"] > time.time()
        with pytest.raises(LeaseError), lk.writer_lock(lake, timeout_s=0.5):
            pass


def test_garbage_collection_on_s3(s3):
    lake = parse_lake(f"s3://{BUCKET}/gc", {"INGEST_S3_ENDPOINT_URL": s3})
    key = lk.partition_key("en", 2023)
    for i in range(lk.KEEP_MANIFESTS + 2):
        base = lk.read_manifest(lake)
        rel = lk.write_data_file(lake, "releases", key, frame([str(i)]), base.version + 1)
        lk.commit(lake, base, {"releases": {key: rel}}, run_id=f"r{i}")
    orphan = lk.write_data_file(lake, "releases", key, frame(["x"]), 99)
    assert lk.collect_garbage(lake, grace_s=0) == 3  # the orphan and 2 superseded versions
    left = {rel for rel, _ in lake.listing("releases")}
    assert orphan not in left and lk.read_manifest(lake).file("releases", key) in left
    assert len(lake.listing(lk.MANIFEST_HISTORY)) == lk.KEEP_MANIFESTS
    assert lk.read_manifest(lake).version == lk.KEEP_MANIFESTS + 2
    assert lk.sweep_staging(lake) == 0
