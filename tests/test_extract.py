"""Golden pages: every tests/golden/pages/<name>.html against a hand-written expected JSON."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from ingest.errors import ExtractError, NotAReleaseError
from ingest.extract import PARSER_VERSION, Block, Release, extract_release

GOLDEN = Path(__file__).parent / "golden"
PAGES = sorted(p.stem for p in (GOLDEN / "pages").glob("*.html"))


def _expected(name: str) -> dict:
    return json.loads((GOLDEN / "expected" / f"{name}.json").read_text(encoding="utf-8"))


def test_every_page_has_an_expectation() -> None:
    assert len(PAGES) >= 13
    for name in PAGES:
        assert (GOLDEN / "expected" / f"{name}.json").exists(), name


@pytest.mark.parametrize("name", PAGES)
def test_golden_page(name: str) -> None:
    exp = _expected(name)
    html = (GOLDEN / "pages" / f"{name}.html").read_bytes()
    if "error" in exp:
        with pytest.raises(ExtractError) as info:
            extract_release(html, exp["url"])
        assert info.value.reason == exp["error"], str(info.value)
        if exp["error"] == "not_a_release":
            assert isinstance(info.value, NotAReleaseError)
        return
    got = extract_release(html, exp["url"]).to_dict()
    # field by field first, so a failure names the field
    for key in ("url", "language", "title", "subtitle", "published_date", "dateline"):
        assert got[key] == exp[key], key
    assert got["blocks"] == exp["blocks"]
    assert got["quotes"] == exp["quotes"]
    assert got["translations"] == exp["translations"]
    assert got == exp


def test_bytes_input_honours_meta_charset() -> None:
    html = (
        '<html lang="fr"><head><meta charset="windows-1252"></head><body><article>'
        '<h1>Saisie record à Lyon</h1><time datetime="2023-03-01">1er mars 2023</time>'
        "<p>LYON (France) – Les enquêteurs ont saisi une quantité record de produits "
        "contrefaits lors d'une opération menée en février, selon le communiqué.</p>"
        "</article></body></html>"
    ).encode("cp1252")
    rel = extract_release(html, "https://example.org/fr/actualites/2023/saisie-record")
    assert rel.title == "Saisie record à Lyon"
    assert rel.dateline == "LYON (France)"
    assert rel.blocks[0].text.startswith("Les enquêteurs ont saisi")
    assert rel.published_date == dt.date(2023, 3, 1)


def test_release_api_shape() -> None:
    assert PARSER_VERSION
    rel = Release(
        url="u",
        language="en",
        title="t",
        subtitle=None,
        published_date=dt.date(2024, 1, 2),
        dateline=None,
        blocks=(Block("paragraph", "a"), Block("heading", "b")),
        quotes=(),
        translations={},
    )
    assert rel.body_text == "a\n\nb"
    assert rel.to_dict()["published_date"] == "2024-01-02"
    assert rel.to_dict()["body_text"] == "a\n\nb"


def test_command_line_prints_json_or_fails() -> None:
    page = GOLDEN / "pages" / "ar-seed-heavy.html"
    url = _expected("ar-seed-heavy")["url"]
    ok = subprocess.run(
        [sys.executable, "-m", "ingest.extract", str(page), "--url", url],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["language"] == "ar"
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "ingest.extract",
            str(GOLDEN / "pages" / "listing-en.html"),
            "--url",
            "https://example.org/en/news",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode != 0
    assert bad.stderr.strip().count("\n") == 0 and "not_a_release" in bad.stderr
