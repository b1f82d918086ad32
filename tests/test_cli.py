"""The `ingest` command line as users run it: a subprocess, exit codes, stdout/stderr."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden"
URLS = {
    "en": "https://www.interpol.int/en/News-and-Events/News/2023/x",
    "fr": "https://www.interpol.int/fr/Actualites-et-evenements/Actualites/2023/x",
    "es": "https://www.interpol.int/es/Noticias-y-acontecimientos/Noticias/2023/x",
    "ar": "https://www.interpol.int/ar/1/1/2023/x",
}


def ingest(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ingest.cli", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=120)


@pytest.mark.parametrize("name", ["ar-seed-heavy", "fr-drupal", "es-semantic-jsonld",
                                  "en-wordpress"])
def test_parse_prints_the_contract_as_json(name):
    expected = json.loads((GOLDEN / "expected" / f"{name}.json").read_text(encoding="utf-8"))
    done = ingest("parse", str(GOLDEN / "pages" / f"{name}.html"), "--url", expected["url"])
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert set(got) == {"url", "language", "title", "subtitle", "published_date", "dateline",
                        "blocks", "quotes", "translations", "body_text", "extraction_method",
                        "date_source"}
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
        assert refused["found"]["title"] == ("Refuerzo de la cooperación en materia de "
                                             "ciberseguridad")
        assert refused["found"]["published_date"] is None and refused["found"]["blocks"] == 2


def test_parse_missing_file_is_a_clear_error(tmp_path):
    done = ingest("parse", str(tmp_path / "nope.html"), "--url", URLS["en"])
    assert done.returncode == 1 and "cannot read" in done.stderr


def test_query_on_an_empty_lake_has_every_view(tmp_path):
    for view in ("releases", "release_blocks", "quotes", "quarantine", "ingest_runs",
                 "release_revisions", "release_status", "release_families"):
        done = ingest("query", f"SELECT count(*) AS n FROM {view}", "--lake", str(tmp_path),
                      "--format", "json")
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout) == [{"n": 0}]


def test_bad_options_are_refused(tmp_path):
    done = ingest("backfill", "--since", "2024-13-01", "--until", "2024-01-01")
    assert done.returncode == 2 and "ISO date" in done.stderr
    done = ingest("run", "--languages", "en,de", "--lake", str(tmp_path))
    assert done.returncode == 1 and "unknown language" in done.stderr
