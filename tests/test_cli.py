"""The `ingest` command line as users run it: a subprocess, exit codes, stdout/stderr."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden"
REPO = Path(__file__).resolve().parents[1]
URLS = {
    "en": "https://www.interpol.int/en/News-and-Events/News/2023/x",
    "fr": "https://www.interpol.int/fr/Actualites-et-evenements/Actualites/2023/x",
    "es": "https://www.interpol.int/es/Noticias-y-acontecimientos/Noticias/2023/x",
    "ar": "https://www.interpol.int/ar/1/1/2023/x",
}


def ingest(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ingest.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


@pytest.mark.parametrize(
    "name", ["ar-seed-heavy", "fr-drupal", "es-semantic-jsonld", "en-wordpress"]
)
def test_parse_prints_the_contract_as_json(name):
    expected = json.loads((GOLDEN / "expected" / f"{name}.json").read_text(encoding="utf-8"))
    done = ingest("parse", str(GOLDEN / "pages" / f"{name}.html"), "--url", expected["url"])
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert set(got) == {
        "url",
        "language",
        "title",
        "subtitle",
        "published_date",
        "dateline",
        "blocks",
        "quotes",
        "translations",
        "body_text",
        "extraction_method",
        "date_source",
    }
    assert got == expected
    assert got["body_text"] == "\n\n".join(b["text"] for b in got["blocks"])


@pytest.mark.parametrize("name", ["listing-en", "error-404-fr", "undated-es"])
def test_parse_refuses_non_releases_with_one_line(name):
    done = ingest("parse", str(GOLDEN / "pages" / f"{name}.html"), "--url", URLS["en"])
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and done.stderr.startswith("error:")
    # what was found on the refused page, with the reason, for the person who asked
    refused = json.loads(done.stdout)
    assert refused["reason"] in done.stderr and set(refused) == {"reason", "detail", "found"}
    if name == "undated-es":
        assert refused["reason"] == "no_date"
        assert refused["found"]["title"] == (
            "Refuerzo de la cooperación en materia de ciberseguridad"
        )
        assert refused["found"]["published_date"] is None and refused["found"]["blocks"] == 2


def test_parse_missing_file_is_a_clear_error(tmp_path):
    done = ingest("parse", str(tmp_path / "nope.html"), "--url", URLS["en"])
    assert done.returncode == 1 and "cannot read" in done.stderr


# slow: one `ingest` process per command it tries (9-12 s), make test only
@pytest.mark.slow
def test_init_makes_a_valid_empty_lake_with_every_view(tmp_path):
    lake = tmp_path / "new" / "lake"
    done = ingest("init", "--lake", str(lake))
    assert done.returncode == 0, done.stderr
    assert (lake / "manifest.json").is_file() and (lake / "lake.duckdb").is_file()
    for view in (
        "releases",
        "release_blocks",
        "quotes",
        "quarantine",
        "ingest_runs",
        "release_revisions",
        "release_status",
        "release_families",
        "pages",
        "sitemaps",
    ):
        done = ingest(
            "query", f"SELECT count(*) AS n FROM {view}", "--lake", str(lake), "--format", "json"
        )
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout) == [{"n": 0}]
    again = ingest("init", "--lake", str(lake))  # an existing lake is left as it is
    assert again.returncode == 0 and "version 1" in again.stdout


def _one_line_error(done: subprocess.CompletedProcess[str], *words: str) -> None:
    assert done.returncode == 1, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    for word in words:
        assert word in lines[0], lines[0]


# slow: one `ingest` process per command it tries (9-12 s), make test only
@pytest.mark.slow
def test_wrong_lake_paths_are_one_line_errors_and_create_nothing(tmp_path):
    missing = tmp_path / "no-such-lake"
    for command in (
        ["query", "SELECT count(*) FROM releases"],
        ["replay"],
        ["reprocess"],
        ["views"],
    ):
        done = ingest(*command, "--lake", str(missing))
        _one_line_error(done, "no lake at", str(missing), "--lake")
        assert done.stdout == ""
        assert not missing.exists(), command
    empty = tmp_path / "empty"
    empty.mkdir()
    _one_line_error(ingest("query", "SELECT 1", "--lake", str(empty)), "no lake yet", "ingest init")
    assert list(empty.iterdir()) == []
    a_file = tmp_path / "notes.txt"
    a_file.write_text("not a lake")
    for command in (
        ["run"],
        ["backfill", "--since", "2024-01-01", "--until", "2024-01-31"],
        ["query", "SELECT 1"],
        ["init"],
    ):
        _one_line_error(ingest(*command, "--lake", str(a_file)), "is a file", str(a_file))
    assert a_file.read_text() == "not a lake"
    home_like = tmp_path / "home"
    home_like.mkdir()
    (home_like / "thesis.tex").write_text("x")
    _one_line_error(ingest("run", "--lake", str(home_like)), "is not a lake", "thesis.tex")
    assert sorted(p.name for p in home_like.iterdir()) == ["thesis.tex"]


def test_bad_options_are_refused(tmp_path):
    done = ingest("backfill", "--since", "2024-13-01", "--until", "2024-01-01")
    assert done.returncode == 2 and "ISO date" in done.stderr
    done = ingest("run", "--languages", "en,de", "--lake", str(tmp_path))
    assert done.returncode == 1 and "unknown language" in done.stderr


DUCKDB = Path(sys.executable).parent / "duckdb"  # the duckdb-cli package's command


def _small_lake(lake: Path) -> None:
    from datetime import UTC, datetime

    from ingest import pipeline, views
    from ingest.fetch import FetchResult
    from ingest.settings import load_settings

    settings = load_settings(lake=lake, env={})
    now = datetime(2026, 11, 29, 6, 30, tzinfo=UTC)
    pages = []
    for lang, path in (("en", URLS["en"]), ("fr", URLS["fr"])):
        title = "Operation Lionfish seizes 40 tonnes of drugs worth millions"
        html = (
            f'<html lang="{lang}"><head><title>{title}</title></head><body><article>'
            f'<h1>{title}</h1><time datetime="2023-05-04">2023-05-04</time><p>LYON, '
            "France – Police in 30 countries seized drugs worth USD 2 billion.</p>"
            "<p>More than 200 people were arrested during Operation Lionfish.</p>"
            "</article></body></html>"
        ).encode()
        plan = pipeline.PagePlan(
            path=path.split("interpol.int", 1)[1], url=path, language=lang, reason="new"
        )
        res = FetchResult(
            url=path,
            final_url=path,
            status=200,
            body=html,
            headers={},
            fetched_at=now,
            elapsed_s=0.01,
        )
        pages.append(pipeline.FetchedPage(plan, result=res))
    report = pipeline.land_pages(pages, settings, run_id="r1", now=now)
    assert report.counts["new"] == 2
    views.build_views_db(lake)


VIEW_QUERY = (
    "SELECT (SELECT count(*) FROM releases), (SELECT count(*) FROM release_blocks), "
    "(SELECT count(*) FROM release_revisions), (SELECT count(*) FROM pages), "
    "(SELECT count(*) FROM release_families), (SELECT count(*) FROM release_places), "
    "(SELECT count(*) FROM search_releases('lionfish'))"
)


def _duckdb_cli(db: Path, sql: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(DUCKDB), "-readonly", "-csv", "-noheader", str(db), "-c", sql],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
    )


def test_the_projects_duckdb_cli_opens_lake_duckdb_from_anywhere(tmp_path):
    lake = tmp_path / "lake"
    _small_lake(lake)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = _duckdb_cli(lake / "lake.duckdb", VIEW_QUERY, cwd=elsewhere)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "2,4,2,2,2,2,2"


def test_a_moved_lake_works_after_ingest_views(tmp_path):
    lake = tmp_path / "lake"
    _small_lake(lake)
    moved = tmp_path / "moved" / "lake"
    moved.parent.mkdir()
    shutil.move(lake, moved)
    # Before the documented command, DuckDB names the files it cannot find.
    stale = _duckdb_cli(moved / "lake.duckdb", "SELECT count(*) FROM releases", cwd=tmp_path)
    assert stale.returncode != 0 and str(lake) in stale.stderr
    done = ingest("views", "--lake", str(moved))
    assert done.returncode == 0, done.stderr
    ok = _duckdb_cli(moved / "lake.duckdb", VIEW_QUERY, cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip() == "2,4,2,2,2,2,2"
    # `ingest query` needs nothing: it builds its views from the manifest wherever it is.
    q = ingest(
        "query", "SELECT count(*) AS n FROM releases", "--lake", str(moved), "--format", "csv"
    )
    assert q.returncode == 0 and q.stdout.splitlines() == ["n", "2"]


@pytest.mark.slow  # runs make (and, on a fresh checkout, the install)
def test_make_clean_leaves_a_valid_empty_lake(tmp_path):
    lake = tmp_path / "lake"
    _small_lake(lake)
    (lake / "README.md").write_text("kept")
    done = subprocess.run(
        ["make", "-s", "-C", str(REPO), "clean", f"LAKE={lake}"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert not (lake / "releases").exists() and not (lake / "raw").exists()
    assert (lake / "README.md").read_text() == "kept"
    q = ingest(
        "query",
        "SELECT (SELECT count(*) FROM releases) + (SELECT count(*) FROM pages) AS n",
        "--lake",
        str(lake),
        "--format",
        "csv",
    )
    assert q.returncode == 0, q.stderr
    assert q.stdout.splitlines() == ["n", "0"]
    cli = _duckdb_cli(lake / "lake.duckdb", VIEW_QUERY, cwd=tmp_path)
    assert cli.returncode == 0 and cli.stdout.strip() == "0,0,0,0,0,0,0", cli.stderr
