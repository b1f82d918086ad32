"""The typed hand-offs between stages: a PagePlan carries the year the runner chunks by,
and the library CLI starts flows only through the launcher the orchestrator hands it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import polars as pl
import pytest

from ingest import cli, runner
from ingest import schemas as sc
from ingest.discover import Candidate
from ingest.settings import load_settings
from ingest.stages.plan import PagePlan, plan_fetches

BASE = "https://www.interpol.int"
NEWS = "/en/News-and-Events/News"


@pytest.fixture()
def settings(tmp_path):
    return load_settings(lake=tmp_path, base_url=BASE, env={})


def _state(rows: list[dict]) -> pl.DataFrame:
    full = [{**{c: None for c in sc.PAGES}, **r} for r in rows]
    return pl.DataFrame(full, schema=sc.PAGES)


def test_plans_carry_the_year_of_discovery_or_of_the_url(settings):
    # A feed may date a URL that has no year: discovery's year wins for a candidate.
    candidates = {
        f"{NEWS}/2021/a": Candidate(f"{NEWS}/2021/a", "en", 2021),
        f"{NEWS}/b": Candidate(f"{NEWS}/b", "en", 2019),
    }
    known = _state(
        [
            {
                "path": f"{NEWS}/2018/c",
                "url": BASE + f"{NEWS}/2018/c",
                "language": "en",
                "status": "ok",
                "published_date": date(2018, 3, 1),
                "source": settings.source,
            }
        ]
    )
    plans = plan_fetches(candidates, known, settings, mode="backfill", today=date(2024, 1, 1))
    years = {p.path: p.year for p in plans}
    assert years == {f"{NEWS}/2021/a": 2021, f"{NEWS}/b": 2019, f"{NEWS}/2018/c": 2018}


def test_units_are_chunked_by_the_plans_year_without_reading_urls(settings):
    plans = [
        PagePlan(path="/x/1", url="http://elsewhere/x/1", language="en", reason="new", year=2020),
        PagePlan(path="/x/2", url="http://elsewhere/x/2", language="en", reason="new", year=2021),
        PagePlan(path="/x/3", url="http://elsewhere/x/3", language="fr", reason="new"),
    ]
    units = runner.plan_units(plans, settings)
    assert [c for u in units for c in u.chunks] == ["en-2020", "en-2021", "fr-other"]


def test_units_are_full_and_name_every_chunk_they_hold(settings):
    """Chunks of 7 pages into units of 5: each unit but the last is full, a chunk goes on
    in the next unit, every page is in exactly one unit, in chunk order."""
    plans = [
        PagePlan(path=f"/{lang}/{year}/{i}", url="u", language=lang, reason="new", year=year)
        for lang in ("en", "fr")
        for year in (2020, 2021)
        for i in range(7)
    ]
    units = runner.plan_units(plans, replace(settings, batch_size=5))
    assert [len(u.plans) for u in units] == [5, 5, 5, 5, 5, 3]
    assert [p.path for u in units for p in u.plans] == [p.path for p in plans]
    assert units[1].chunks == ("en-2020", "en-2021")
    for unit in units:
        assert {f"{p.language}-{p.year}" for p in unit.plans} == set(unit.chunks)


def test_the_library_cli_starts_flows_only_through_a_launcher(tmp_path, capsys):
    argv = ["run", "--base-url", "http://127.0.0.1:9", "--lake", str(tmp_path / "lake")]
    assert cli.main(argv) == cli.EXIT_ERROR
    assert "--engine plain" in capsys.readouterr().err
    seen = []

    def launch(flow, settings, **params):
        seen.append((flow, settings.base_url, params))
        return (
            {"run_id": "r", "flow": flow, "status": "completed"}
            | dict.fromkeys(
                ("discovered", "fetched", "new", "updated", "unchanged", "quarantined", "failed"),
                0,
            )
            | {"gone": 0, "requests": 0}
        )

    assert cli.main(argv, launch=launch) == 0
    back = ["backfill", "--since", "2020-01-01", "--until", "2020-12-31", *argv[1:]]
    assert cli.main(back, launch=launch) == 0
    assert seen[0] == ("daily", "http://127.0.0.1:9", {})
    assert seen[1][0] == "backfill" and seen[1][2]["since"] == date(2020, 1, 1)
