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
    assert len(PAGES) >= 18
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


_AR_PAGE = (
    '<html lang="ar"><head><meta charset="utf-8"><title>عملية</title></head><body><article>'
    "<h1>الإنتربول يضبط شحنة مخدرات</h1><time datetime=\"2023-03-01\">1 مارس 2023</time>"
    "<p>ليون (فرنسا) – ضبط المحققون كمية قياسية من المخدرات خلال عملية نفذت في شباط/فبراير "
    "في عشرين بلدا.</p></article></body></html>"
)


def test_utf8_bytes_str_and_bom_extract_alike() -> None:
    url = "https://example.org/ar/news/2023/x"
    want = extract_release(_AR_PAGE, url).to_dict()
    assert extract_release(_AR_PAGE.encode(), url).to_dict() == want
    assert extract_release(b"\xef\xbb\xbf" + _AR_PAGE.encode(), url).to_dict() == want


def test_invalid_utf8_bytes_are_replaced_not_fatal() -> None:
    page = _AR_PAGE.encode().replace("كمية".encode(), b"\xff\xfe\xc3")
    rel = extract_release(page, "https://example.org/ar/news/2023/x")
    assert "\ufffd" in rel.blocks[0].text and rel.title == "الإنتربول يضبط شحنة مخدرات"


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


def test_rate_limited_or_server_error_page_is_not_a_release() -> None:
    for status in (429, 500, 503):
        html = (
            f"<!DOCTYPE html><html><head><title>{status}</title></head><body>"
            f"<h1>{status}</h1><p>The page could not be served.</p></body></html>"
        )
        with pytest.raises(NotAReleaseError):
            extract_release(html, "https://example.org/en/news/2024/some-release")


def test_no_h1_title_from_prefixed_title_tag_and_date_after_standfirst() -> None:
    body = (
        "<p>GENEVA, Switzerland – Investigators from twelve countries met this week to agree "
        "on a shared approach to tracing cryptocurrency used by fraud networks.</p>"
        "<p>The meeting ended with a plan to train 300 officers over the next two years.</p>"
    )
    html = (
        "<html lang='en'><head><title>Press Centre - Investigators agree on plan to trace "
        "fraud proceeds</title></head><body><div class='a'><a href='/'>Home</a></div>"
        "<div class='b'><div class='c'>Investigators agree on plan to trace fraud proceeds</div>"
        "<div class='d'>Officers will share tracing tools and train together</div>"
        "<div class='e'>3 July 2024</div>"
        f"<div class='f'>{body}</div></div></body></html>"
    )
    rel = extract_release(html, "https://example.org/en/news/2024/fraud-proceeds")
    assert rel.title == "Investigators agree on plan to trace fraud proceeds"
    assert rel.subtitle == "Officers will share tracing tools and train together"
    assert rel.published_date == dt.date(2024, 7, 3)
    assert rel.dateline == "GENEVA, Switzerland"
    assert [b.text[:14] for b in rel.blocks] == ["Investigators ", "The meeting en"]


def test_image_box_text_is_a_caption_not_body() -> None:
    html = (
        "<html lang='en'><body><h1>Ivory seized at the port</h1><div>5 May 2024</div>"
        "<div class='t'><p>MOMBASA, Kenya – Officers seized two tonnes of ivory hidden in a "
        "container of dried fish bound for South-East Asia, the agency said.</p>"
        "<div class='x'><img src='a.jpg'><span>Tusks laid out on the quay.</span></div>"
        "<p>Three people were arrested and will appear in court next week.</p></div>"
        "</body></html>"
    )
    rel = extract_release(html, "https://example.org/en/news/2024/ivory")
    assert [b.text[:5] for b in rel.blocks] == ["Offic", "Three"]


@pytest.mark.parametrize("title", ["429 arrested in global operation against online fraud",
                                   "404 fugitives located during Operation Lionfish",
                                   "500 kilos of cocaine seized in Rotterdam port"])
def test_a_number_opening_a_title_is_not_an_error_page(title):
    html = (f'<html lang="en"><head><title>{title} | INTERPOL</title></head><body><article>'
            f'<h1>{title}</h1><time datetime="2024-03-05">5 March 2024</time>'
            "<p>LYON, France – Police in 40 countries acted together during a month-long "
            "operation, INTERPOL said on Tuesday.</p></article></body></html>")
    release = extract_release(html, "https://www.interpol.int/en/News-and-Events/News/2024/x")
    assert release.title == title and release.dateline == "LYON, France"


@pytest.mark.parametrize("heading", ["404", "Error 404", "404 - Page not found", "Erreur 500",
                                     "Página no encontrada", "الصفحة غير موجودة"])
def test_error_headings_are_not_releases(heading):
    html = (f"<html><head><title>{heading}</title></head><body><h1>{heading}</h1>"
            "<p>Sorry, we could not find what you asked for. Go back to the home page.</p>"
            "</body></html>")
    with pytest.raises(NotAReleaseError):
        extract_release(html, "https://www.interpol.int/en/x")
