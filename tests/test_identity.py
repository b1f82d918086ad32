"""One page, one identity: URL paths are normalised once (RFC 3986 6.2.2), years are ASCII."""

from __future__ import annotations

import pytest

from ingest.discover import Classifier, url_path
from ingest.settings import load_settings

EN = "/en/News-and-Events/News/2023/operation-x"


@pytest.mark.parametrize(
    "url",
    [
        f"https://www.interpol.int{EN}",
        f"https://WWW.INTERPOL.INT{EN}/",
        "https://www.interpol.int/en/News-and-Events/News/2023/operation%2Dx",
        "https://www.interpol.int/%65n/News-and-Events/News/2023/operation-x",
        "https://www.interpol.int/en/./News-and-Events/News/../News/2023/operation-x",
        f"http://127.0.0.1:8080{EN}?utm_source=x#top",
    ],
)
def test_spellings_of_one_page_have_one_identity(url):
    assert url_path(url) == EN


def test_escapes_are_upper_cased_and_non_ascii_is_percent_encoded():
    assert url_path("/ar/1/1/2023/%d8%a7%d9%84") == "/ar/1/1/2023/%D8%A7%D9%84"
    assert url_path("/ar/1/1/2023/ال") == "/ar/1/1/2023/%D8%A7%D9%84"
    assert url_path("/a/%2f/b") == "/a/%2F/b"  # a reserved escape stays escaped


def test_case_and_empty_segments_are_kept():
    assert url_path("/en/News/2023/X") != url_path("/en/News/2023/x")
    assert url_path("/a//b") == "/a//b"
    assert url_path("/../../a") == "/a"


def test_a_year_in_non_ascii_digits_is_not_a_release_year():
    classify = Classifier(load_settings(env={}))
    assert classify(f"https://www.interpol.int{EN}")[2] == 2023
    assert classify("https://www.interpol.int/en/News-and-Events/News/٢٠٢٣/operation-x") is None
    assert classify("https://www.interpol.int/en/News-and-Events/News/２０２３/operation-x") is None
