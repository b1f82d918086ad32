"""Decoding by precedence: BOM, HTTP header, <meta>, detection; suspect text flagged."""

from __future__ import annotations

import pytest

from ingest import encoding
from ingest.encoding import decode_html

FR = "<p>L'opération menée à Lyon a été un succès : déjà 40 arrestations.</p>"


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (b"\xef\xbb\xbf<p>caf\xc3\xa9</p>", "text/html; charset=windows-1252", ("utf-8", "bom")),
        ("\ufeff<p>café</p>".encode("utf-16-le"), None, ("utf-16-le", "bom")),
        (FR.encode("cp1252"), "text/html; charset=windows-1252", ("cp1252", "http-header")),
        (FR.encode("cp1252"), "text/html; charset=ISO-8859-1", ("cp1252", "http-header")),
        (
            ('<meta charset="windows-1256">' + "<p>الشرطة في ثلاثين بلدا</p>").encode("cp1256"),
            "text/html",
            ("cp1256", "meta"),
        ),
        (
            (
                '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-15">' + FR
            ).encode("iso-8859-15"),
            None,
            ("iso8859-15", "meta"),
        ),
        (FR.encode("cp1252"), None, ("cp1252", "detected")),
        (FR.encode("utf-8"), None, ("utf-8", "detected")),
        (b"<p>plain ascii</p>", None, ("utf-8", "default")),
    ],
)
def test_precedence(body, content_type, expected):
    d = decode_html(body, content_type)
    assert (d.encoding, d.source) == expected
    assert not d.suspect
    text = d.markup if isinstance(d.markup, str) else d.markup.decode("utf-8")
    assert "\ufffd" not in text


def test_the_header_beats_a_meta_that_disagrees():
    body = ('<meta charset="utf-8">' + FR).encode("cp1252")
    d = decode_html(body, "text/html; charset=windows-1252")
    assert d.source == "http-header" and isinstance(d.markup, str) and "opération" in d.markup


def test_a_lying_charset_is_detected_and_flagged():
    d = decode_html(FR.encode("cp1252"), "text/html; charset=utf-8")
    assert d.encoding == "cp1252" and d.suspect and "opération" in d.markup


def test_broken_bytes_in_utf8_are_replaced_and_flagged():
    body = FR.encode("utf-8").replace("é".encode(), b"\xe9", 1)
    d = decode_html(body, "text/html; charset=utf-8")
    assert d.encoding == "utf-8" and d.suspect and d.replacements == 1
    assert d.markup.count("\ufffd") == 1


def test_valid_utf8_goes_on_as_bytes():
    body = FR.encode("utf-8")
    assert decode_html(body, "text/html; charset=utf-8").markup is body


def test_unknown_labels_fall_through_to_the_next_rule():
    assert encoding.codec_name("x-no-such-charset") is None
    d = decode_html(FR.encode("cp1252"), "text/html; charset=x-no-such-charset")
    assert d.source == "detected" and d.encoding == "cp1252"


def test_detection_looks_where_the_text_stops_being_ascii():
    """A page whose first 64 KiB are ASCII markup and scripts still gets detected."""
    body = (
        "<html><head><script>"
        + "var x = 1;\n" * 8000
        + "</script></head><body>"
        + FR * 3
        + "</body></html>"
    ).encode("cp1252")
    assert body[:65536].isascii()
    d = decode_html(body)
    assert (d.encoding, d.source) == ("cp1252", "detected") and "opération" in d.markup
