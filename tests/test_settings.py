from __future__ import annotations

import pytest

from ingest.errors import ConfigError
from ingest.settings import LANGUAGES, load_settings, parse_languages


def test_polite_by_default_but_not_to_our_own_mirror(tmp_path):
    assert load_settings(lake=tmp_path, env={}).requests_per_second == 1.0
    assert load_settings(base_url="https://www.interpol.int", lake=tmp_path,
                         env={}).requests_per_second == 1.0
    mirror = load_settings(base_url="http://127.0.0.1:8080/", lake=tmp_path, env={})
    assert mirror.requests_per_second == 0.0 and mirror.base_url == "http://127.0.0.1:8080"
    explicit = load_settings(base_url="http://localhost:1", lake=tmp_path,
                             env={"INGEST_REQUESTS_PER_SECOND": "2"})
    assert explicit.requests_per_second == 2.0


def test_languages_and_urls_are_checked(tmp_path):
    assert parse_languages(None) == LANGUAGES
    assert parse_languages("AR, en,ar") == ("ar", "en")
    with pytest.raises(ConfigError, match="unknown language"):
        parse_languages("en,de")
    with pytest.raises(ConfigError, match="absolute http"):
        load_settings(base_url="www.interpol.int", lake=tmp_path, env={})
    with pytest.raises(ConfigError, match="not a number"):
        load_settings(lake=tmp_path, env={"INGEST_REQUESTS_PER_SECOND": "fast"})
