"""Two newsrooms in one lake, through the source seam: the INTERPOL-like fixture (built-in
source `interpol`, sitemaps and listings) and the WordPress-like one (its own source file,
RSS/Atom feeds, no sitemap). Both land with their `source`; a second run of each fetches
nothing; neither source's state is touched by the other's runs, even where paths coincide."""

from __future__ import annotations

import shutil

import polars as pl
import pytest

from ingest import maintenance, pipeline, runner
from ingest.settings import load_settings
from ingest.views import connect
from newsrooms.interpol import NewsroomServer, NewsroomSite
from newsrooms.wordpress import SOURCE_FILE, WordPressSite

pytestmark = pytest.mark.integration  # real HTTP servers on 127.0.0.1


def rows(lake, sql: str) -> list[tuple]:
    con = connect(lake)
    try:
        return con.sql(sql).fetchall()
    finally:
        con.close()


def state_of(lake, source: str) -> pl.DataFrame:
    return pipeline.load_pages_state(lake, source=source).sort("path")


@pytest.fixture(scope="module")
def newsrooms():
    interpol, wordpress = NewsroomSite(), WordPressSite()
    with (
        NewsroomServer(interpol, max_seconds=600) as a,
        NewsroomServer(wordpress, max_seconds=600) as b,
    ):
        yield {"interpol": (interpol, a), "wordpress": (wordpress, b)}
        assert a.errors == [] and b.errors == []


@pytest.fixture(scope="module")
def lake(tmp_path_factory, newsrooms):
    """One lake; INTERPOL first, then the WordPress newsroom, each one daily run."""
    root = tmp_path_factory.mktemp("lake")
    _site, a = newsrooms["interpol"]
    _wp, b = newsrooms["wordpress"]
    settings = {
        "interpol": load_settings(base_url=a.base_url, lake=root, env={}),
        "wordpress": load_settings(source=str(SOURCE_FILE), base_url=b.base_url, lake=root, env={}),
    }
    first = {"interpol": runner.run(settings["interpol"], "daily", "daily")}
    before_wp = state_of(root, "interpol")
    b.clear_log()
    first["wordpress"] = runner.run(settings["wordpress"], "daily", "daily")
    return {
        "root": root,
        "settings": settings,
        "first": first,
        "wp_requests": b.requests,
        "interpol_state_before_wp": before_wp,
    }


def test_both_sources_land_with_their_source(lake, newsrooms):
    site, _ = newsrooms["interpol"]
    wp, _ = newsrooms["wordpress"]
    first = lake["first"]
    assert first["interpol"]["status"] == "completed"
    assert first["wordpress"]["status"] == "completed"
    assert first["wordpress"]["new"] == len(wp.expected_releases()) == 14
    assert first["wordpress"]["quarantined"] == 0
    counts = dict(rows(lake["root"], "SELECT source, count(*) FROM releases GROUP BY 1"))
    # (how many INTERPOL-like pages land is extraction's business: what its run landed)
    assert counts == {"interpol": first["interpol"]["new"], "nsca": 14}
    assert first["interpol"]["new"] >= len(site.expected_releases()) - 1
    landed = {
        (lang, path): title
        for lang, path, title in rows(
            lake["root"], "SELECT language, path, title FROM releases WHERE source = 'nsca'"
        )
    }
    assert landed == {(t["language"], t["url_path"]): t["title"] for t in wp.expected_releases()}
    # Every view that names pages says which source they belong to.
    assert (
        dict(
            rows(
                lake["root"],
                "SELECT source, count(*) FROM release_status WHERE status = 'ok' GROUP BY 1",
            )
        )["nsca"]
        == 14
    )
    assert dict(rows(lake["root"], "SELECT source, count(*) FROM ingest_runs GROUP BY 1")) == {
        "interpol": 1,
        "nsca": 1,
    }
    assert rows(lake["root"], "SELECT DISTINCT source FROM quarantine") == [("interpol",)]
    # Translations are families within the source: WordPress posts pair en and fr.
    fams = rows(
        lake["root"],
        "SELECT count(*) FROM (SELECT translation_key FROM releases "
        "WHERE source = 'nsca' GROUP BY 1 HAVING count(*) = 2)",
    )
    assert fams == [(6,)]


def test_the_wordpress_newsroom_was_found_through_its_feeds_alone(lake, newsrooms):
    wp, _ = newsrooms["wordpress"]
    paths = [p.split("?")[0] for _m, p, _s, _h in lake["wp_requests"]]
    assert not any("sitemap" in p for p in paths)
    feeds = [p for _m, p, _s, _h in lake["wp_requests"] if "/feed/" in p]
    assert feeds == [
        "/feed/",
        "/feed/?paged=2",
        "/feed/?paged=3",
        "/feed/?paged=4",
        "/fr/feed/atom/",
        "/fr/feed/atom/?paged=2",
        "/fr/feed/atom/?paged=3",
    ]
    # Each page was asked for once, in the form the site links it: no redirect.
    articles = [(p, s) for _m, p, s, _h in lake["wp_requests"] if wp.is_article_path(p)]
    assert sorted(articles) == sorted((t["href"], 200) for t in wp.expected_releases())
    # Feed dates are the lastmods: RSS pubDate (en), Atom updated (fr).
    lastmods = dict(
        rows(lake["root"], "SELECT path, sitemap_lastmod FROM pages WHERE source = 'nsca'")
    )
    for t in wp.expected_releases("fr"):
        assert lastmods[t["url_path"]] == t["modified"].isoformat(timespec="seconds")
    en = wp.expected_releases("en")[0]
    assert lastmods[en["url_path"]].startswith(en["published_date"].isoformat())


def test_a_second_run_of_each_fetches_nothing_and_leaves_the_other_alone(lake, newsrooms):
    root, settings = lake["root"], lake["settings"]
    # The WordPress run did not touch a single INTERPOL state row.
    assert state_of(root, "interpol").equals(lake["interpol_state_before_wp"])
    wp_state = state_of(root, "nsca")
    for name in ("interpol", "wordpress"):
        _site, srv = newsrooms[name]
        srv.clear_log()
        again = runner.run(settings[name], "daily", "daily")
        assert (again["status"], again["fetched"], again["new"]) == ("completed", 0, 0)
        assert srv.article_requests() == []
    wp_requests = [p for _m, p, _s, _h in newsrooms["wordpress"][1].requests]
    assert wp_requests == ["/robots.txt", "/feed/", "/fr/feed/atom/"]
    assert state_of(root, "nsca").drop("last_seen_at").equals(wp_state.drop("last_seen_at"))


def test_an_edit_on_one_source_refetches_that_page_only(lake, newsrooms):
    root, settings = lake["root"], lake["settings"]
    wp, srv = newsrooms["wordpress"]
    target = wp.expected_releases("fr")[1]
    wp.edit_post(target["url_path"])
    interpol_before = state_of(root, "interpol")
    srv.clear_log()
    row = runner.run(settings["wordpress"], "daily", "daily")
    assert (row["fetched"], row["updated"], row["new"]) == (1, 1, 0)
    assert [p for _m, p, _s, _h in srv.article_requests()] == [target["href"]]
    body = rows(root, f"SELECT body_text FROM releases WHERE path = '{target['url_path']}'")
    assert "Mise à jour" in body[0][0]
    assert state_of(root, "interpol").equals(interpol_before)


def test_reprocess_and_replay_work_on_one_source(lake):
    root, settings = lake["root"], lake["settings"]
    interpol_before = state_of(root, "interpol")
    ids_before = rows(root, "SELECT source, release_id FROM releases ORDER BY 2")
    row = maintenance.reprocess(settings["wordpress"])
    assert row["pages"] == 14 and row["status"] == "completed"
    assert rows(root, "SELECT source, release_id FROM releases ORDER BY 2") == ids_before
    assert state_of(root, "interpol").equals(interpol_before)
    # Replay takes this source's quarantine only: the INTERPOL fixture's broken pages stay.
    quarantined = rows(root, "SELECT count(*) FROM quarantine")
    assert maintenance.replay(settings["wordpress"])["pages"] == 0
    assert rows(root, "SELECT count(*) FROM quarantine") == quarantined


def test_two_sources_with_the_same_paths_never_collide(lake, newsrooms, tmp_path):
    """A second source definition for the same site (a mirror under another id): every
    path coincides, yet each source keeps its own releases and state."""
    root = lake["root"]
    _wp, srv = newsrooms["wordpress"]
    mirror = tmp_path / "mirror.toml"
    mirror.write_text(
        SOURCE_FILE.read_text(encoding="utf-8").replace('id = "nsca"', 'id = "nsca-mirror"'),
        encoding="utf-8",
    )
    settings = load_settings(source=str(mirror), base_url=srv.base_url, lake=root, env={})
    nsca_before = state_of(root, "nsca")
    first = runner.run(settings, "daily", "daily")
    assert (first["status"], first["new"]) == ("completed", 14)
    assert state_of(root, "nsca").equals(nsca_before)
    both = rows(
        root,
        "SELECT count(*), count(DISTINCT release_id), count(DISTINCT path) "
        "FROM releases WHERE source IN ('nsca', 'nsca-mirror')",
    )
    assert both == [(28, 28, 14)]
    assert rows(root, "SELECT count(*) FROM pages WHERE source IN ('nsca', 'nsca-mirror')") == [
        (28,)
    ]
    # Translation families stay within each source: six en+fr stories in each.
    fams = rows(
        root,
        "SELECT source, count(*) FROM (SELECT source, translation_key FROM "
        "releases WHERE source IN ('nsca', 'nsca-mirror') GROUP BY ALL HAVING "
        "count(*) = 2) GROUP BY 1 ORDER BY 1",
    )
    assert fams == [("nsca", 6), ("nsca-mirror", 6)]
    shared = rows(
        root,
        "SELECT count(*) FROM releases a JOIN releases b USING "
        "(translation_key) WHERE a.source = 'nsca' AND b.source = 'nsca-mirror'",
    )
    assert shared == [(0,)]
    again = runner.run(settings, "daily", "daily")
    assert (again["fetched"], again["new"]) == (0, 0)
    raw = sorted(p.name for p in (root / "raw").iterdir())
    assert raw == ["interpol", "nsca", "nsca-mirror"]
    shutil.rmtree(tmp_path, ignore_errors=True)


@pytest.mark.slow
def test_the_daily_flow_takes_a_source_file_as_its_parameter(prefect, newsrooms, tmp_path):
    """What a deployment run does with `-p source=...`: the flow builds the Settings on the
    worker from its parameters."""
    from flows.daily import daily

    _wp, srv = newsrooms["wordpress"]
    row = daily(source=str(SOURCE_FILE), base_url=srv.base_url, lake=str(tmp_path))
    assert row["status"] == "completed" and row["new"] == len(_wp.expected_releases())
    assert rows(tmp_path, "SELECT DISTINCT source FROM releases") == [("nsca",)]
