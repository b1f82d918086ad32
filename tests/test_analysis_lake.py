"""The analyst layer in the lake: the seed release's done items, offsets, contracts,
reprocess after an analysis version change. Real pipeline, real Parquet, real DuckDB."""

from __future__ import annotations

import json
from pathlib import Path

import analysis_lake  # tests/ is on the path (rootdir conftest)
import pytest

from ingest import lake as lk
from ingest import maintenance, pipeline
from ingest.stages import extracting
from ingest.views import connect

SEED_TITLE = json.loads(
    (analysis_lake.GOLDEN / "expected" / "ar-seed-heavy.json").read_text(encoding="utf-8")
)["title"]


@pytest.fixture(scope="module")
def lake(tmp_path_factory) -> Path:
    return analysis_lake.build(tmp_path_factory.mktemp("analysis-lake"))


@pytest.fixture(scope="module")
def con(lake):
    c = connect(lake)
    yield c
    c.close()


def seed_ids(con) -> list[str]:
    rows = con.execute("SELECT release_id FROM releases WHERE title = ?", [SEED_TITLE])
    ids = [r[0] for r in rows.fetchall()]
    assert ids, "the seed golden page did not land"
    return ids


def test_the_seed_dateline_is_abu_dhabi_in_ae(con):
    for rid in seed_ids(con):
        got = con.execute(
            "SELECT place, country_code FROM release_places WHERE release_id = ?", [rid]
        ).fetchall()
        assert got == [("أبوظبي", "AE")]


def test_the_seed_names_new_zealand_and_the_emirates_with_offsets(con):
    for rid in seed_ids(con):
        rows = con.execute(
            'SELECT m.code, m.text, m.start, m."end", r.body_text '
            "FROM mentions m JOIN releases r USING (release_id) "
            "WHERE m.release_id = ? AND m.kind = 'country'",
            [rid],
        ).fetchall()
        by_code = {}
        for code, text, start, end, body in rows:
            assert body[start:end] == text
            by_code.setdefault(code, []).append(text)
        assert "نيوزيلندا" in by_code["NZ"]
        # the Emirates are named in the dateline only ("أبوظبي (الإمارات العربية المتحدة)"),
        # which stays in the first paragraph as printed: a body mention with body offsets
        assert "الإمارات العربية المتحدة" in by_code["AE"]
        # ... and the dateline field's own mentions index releases.dateline
        dateline = con.execute(
            'SELECT m.kind, m.code, m.text, m.start, m."end", r.dateline FROM field_mentions m '
            "JOIN releases r USING (release_id) WHERE m.release_id = ? AND m.field = 'dateline'",
            [rid],
        ).fetchall()
        assert all(d[5][d[3] : d[4]] == d[2] for d in dateline)
        assert ("country", "AE", "الإمارات العربية المتحدة") in {d[:3] for d in dateline}
        assert ("place", "AE", "أبوظبي") in {d[:3] for d in dateline}


def test_the_seed_quantities(con):
    for rid in seed_ids(con):
        got = con.execute(
            "SELECT kind, value, unit, item, number FROM quantities WHERE release_id = ?", [rid]
        ).fetchall()
        assert ("seizure", 3.2, "t", "cocaine", "3,2") in got
        assert ("officials", 150.0, None, None, "150") in got
        assert ("countries", 42.0, None, None, "42") in got
        assert not any(v == 3.0 for _k, v, *_ in got)  # ثلاثة أيام is a duration


def test_both_seed_quotes_are_attributed_to_secretary_general_stock(con):
    for rid in seed_ids(con):
        got = con.execute(
            "SELECT quote_ordinal, name, role, role_en, organisation_code, "
            "quote FROM speakers WHERE release_id = ? ORDER BY quote_ordinal",
            [rid],
        ).fetchall()
        assert [g[:5] for g in got] == [
            (0, "يورغن شتوك", "الأمين العام", "Secretary General", "INTERPOL"),
            (1, "يورغن شتوك", "الأمين العام", "Secretary General", "INTERPOL"),
        ]
        assert all(g[5] for g in got)  # linked to the quotes table


def test_the_seed_topics(con):
    for rid in seed_ids(con):
        got = {
            t
            for (t,) in con.execute(
                "SELECT topic FROM topics WHERE release_id = ?", [rid]
            ).fetchall()
        }
        assert {"drug_trafficking", "cybercrime", "terrorism", "human_trafficking"} <= got


def test_every_offset_points_at_its_text(con):
    for table in ("field_mentions", "topic_evidence"):
        bad = con.sql(
            f"SELECT count(*) FROM {table} t JOIN releases r USING (release_id) WHERE "
            "substr(CASE t.field WHEN 'body' THEN r.body_text WHEN 'title' THEN r.title "
            "WHEN 'subtitle' THEN r.subtitle ELSE r.dateline END, t.start + 1, "
            't."end" - t.start) IS DISTINCT FROM t.text'
        ).fetchall()[0][0]
        total = con.sql(f"SELECT count(*) FROM {table}").fetchall()[0][0]
        assert total > 0 and bad == 0, table


def test_every_mention_and_quantity_indexes_body_text(con):
    """The issue's contract, in Python: body_text[start:end] == text for every row."""
    fields = {r[0] for r in con.sql("SELECT DISTINCT field FROM field_mentions").fetchall()}
    assert {"body", "dateline", "title"} <= fields  # there are others to keep out
    for view in ("mentions", "quantities"):
        rows = con.sql(
            f'SELECT v.text, v.start, v."end", r.body_text FROM {view} v '
            "JOIN releases r USING (release_id)"
        ).fetchall()
        assert len(rows) > 20, view
        bad = [(t, s, e) for t, s, e, body in rows if body is None or body[s:e] != t]
        assert not bad, (view, bad[:5])
        # and the view has every such row there is: none of the body is left out
        n_body = con.sql(
            f"SELECT count(*) FROM field_{view} WHERE field = 'body'"
            if view == "mentions"
            else "SELECT count(*) FROM quantities"
        ).fetchall()[0][0]
        assert n_body == len(rows)


def test_the_views_have_the_columns_the_issue_lists(con):
    want = {
        "mentions": {"release_id", "kind", "text", "code", "start", "end"},
        "quantities": {"release_id", "kind", "value", "unit", "item", "text", "start", "end"},
        "speakers": {"release_id", "quote_ordinal", "name", "role", "organisation"},
        "topics": {"release_id", "topic", "evidence"},
        "release_places": {"country_code"},
        "people": {"name", "role", "quotes", "said"},
        "country_by_year": {"year", "country_code", "stories"},
        "topic_by_month": {"month", "topic", "stories", "en", "fr", "es", "ar"},
    }
    for view, cols in want.items():
        got = {r[0] for r in con.sql(f"DESCRIBE {view}").fetchall()}
        assert cols <= got, (view, cols - got)
    assert con.sql("SELECT typeof(value) FROM quantities LIMIT 1").fetchall() == [("DOUBLE",)]


def test_a_story_in_four_languages_counts_once(con):
    got = con.sql(
        "SELECT stories, releases FROM country_by_year WHERE year = 2024 AND country_code = 'BR'"
    ).fetchall()
    assert got == [(1, 4)]


def test_analysis_tables_commit_with_their_releases(lake):
    manifest = lk.read_manifest(lake)
    for table in ("mentions", "quantities", "speakers", "topics"):
        assert set(manifest.partitions(table)) <= set(manifest.partitions("releases"))
        assert manifest.partitions(table), table


def test_a_new_analysis_version_re_runs_on_reprocess(tmp_path, monkeypatch):
    lake = analysis_lake.build(tmp_path)
    # reprocess needs raw pages: keep them as the fetch step would have
    for page in analysis_lake.pages():
        lk.store_raw(lake, "interpol", page.plan.path, page.result.body)
    monkeypatch.setenv("INGEST_PARSE_WORKERS", "0")
    state = pipeline.load_pages_state(lake)
    rows = state.with_columns(
        state["path"]
        .map_elements(lambda p: lk.raw_relpath("interpol", p), return_dtype=state["path"].dtype)
        .alias("raw_path")
    )
    from ingest import schemas as sc

    rel = lk.write_data_file(lake, "pages", "", sc.PageStateModel.validate(rows), 99)
    lk.commit(lake, lk.read_manifest(lake), {"pages": {"": rel}}, run_id="raw")
    same = maintenance.reprocess(lake)
    assert same["reparsed"] == 0  # nothing changed: nothing rewritten
    monkeypatch.setattr(extracting, "ANALYSIS_VERSION", "9.9.9-test")
    again = maintenance.reprocess(lake)
    assert again["reparsed"] == len(analysis_lake.pages())
    con = connect(lake)
    try:
        assert con.sql("SELECT DISTINCT analysis_version FROM releases").fetchall() == [
            ("9.9.9-test",)
        ]
        assert con.sql("SELECT count(*) FROM mentions").fetchall()[0][0] > 0
    finally:
        con.close()
