"""Every worked query in sql/examples/ runs against the fixture lake and gives its answer."""

from __future__ import annotations

from pathlib import Path

import analysis_lake  # tests/ is on the path (rootdir conftest)
import pytest

from ingest.views import connect

EXAMPLES = Path(__file__).resolve().parents[1] / "sql" / "examples"


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    c = connect(analysis_lake.build(tmp_path_factory.mktemp("examples-lake")))
    yield c
    c.close()


def run(con, name: str) -> list[dict]:
    rel = con.sql((EXAMPLES / name).read_text(encoding="utf-8"))
    return [dict(zip(rel.columns, row, strict=True)) for row in rel.fetchall()]


def test_every_example_is_checked_here():
    checked = {n for n in globals() if n.startswith("test_0")}
    assert len(checked) == len(list(EXAMPLES.glob("*.sql")))


def test_01_countries_in_drug_trafficking_releases_by_year(con):
    rows = run(con, "01_countries_in_drug_trafficking_by_year.sql")
    y2024 = {r["country_code"]: r for r in rows if r["year"] == 2024}
    # the Jade Tide story: four languages, one story, and the countries it names
    assert {"BR", "CO", "ES"} <= set(y2024)
    assert y2024["BR"]["stories"] == 1 and y2024["BR"]["releases"] == 4
    y2023 = {r["country_code"] for r in rows if r["year"] == 2023}
    assert {"NZ", "AE"} <= y2023  # the seed: New Zealand's seizure, the dateline country


def test_02_arrests_and_seizures_per_operation(con):
    rows = {r["operation"]: r for r in run(con, "02_arrests_and_seizures_per_operation.sql")}
    jade = rows["jade tide"]
    assert jade["stories"] == 1 and jade["arrests"] == 320  # not 4 x 320
    assert jade["seized_kg"] == 12000 and jade["seized_usd"] == 3_000_000
    assert "جيد تايد" not in rows  # the Arabic version of the same story counts under it


def test_03_who_is_quoted(con):
    rows = run(con, "03_who_is_quoted.sql")
    urquiza = next(r for r in rows if r["name"] == "Valdecy Urquiza")
    assert urquiza["role"] == "Secretary General" and urquiza["organisation_code"] == "INTERPOL"
    assert set(urquiza["languages"]) >= {"en", "fr", "es"}
    assert "drug_trafficking" in urquiza["topics"]
    stock_ar = next(r for r in rows if r["name"] == "يورغن شتوك")
    assert stock_ar["role"] == "Secretary General"
    jetton = next(r for r in rows if r["name"] == "Neal Jetton")
    assert "cybercrime" in jetton["topics"]


def test_04_topics_per_month_by_language(con):
    rows = run(con, "04_topics_per_month_by_language.sql")
    march = next(
        r for r in rows if str(r["month"]) == "2024-03-01" and r["topic"] == "drug_trafficking"
    )
    assert (march["en"], march["fr"], march["es"], march["ar"]) >= (1, 1, 1, 1)
    assert march["stories"] <= march["en"] + march["fr"] + march["es"] + march["ar"]
    assert any(r["topic"] == "cybercrime" and str(r["month"]) == "2025-06-01" for r in rows)


def test_05_largest_seizures(con):
    rows = run(con, "05_largest_seizures.sql")
    assert rows == sorted(rows, key=lambda r: -r["mass_kg"])
    cocaine = [r for r in rows if r["item"] == "cocaine"]
    assert {(r["value"], r["unit"]) for r in cocaine} >= {(12.0, "t"), (3.2, "t")}
    assert any(r["text"] == "3,2 أطنان من الكوكايين" for r in cocaine)


def test_06_releases_per_month_by_language(con):
    rows = run(con, "06_releases_per_month_by_language.sql")
    total = con.sql("SELECT count(*) FROM releases").fetchall()[0][0]
    assert sum(r["releases"] for r in rows) == total
    assert {r["language"] for r in rows} == {"en", "fr", "es", "ar"}


def test_07_countries_with_their_words(con):
    rows = run(con, "07_countries_with_their_words.sql")
    assert rows and all(r["offsets_ok"] for r in rows)
    assert ("ar", "NZ", "نيوزيلندا") in {(r["language"], r["code"], r["text"]) for r in rows}
