from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.errors import ConfigError
from ingest.settings import LANGUAGES, Settings, load_settings, parse_languages


def test_polite_by_default_but_not_to_our_own_mirror(tmp_path):
    assert load_settings(lake=tmp_path, env={}).requests_per_second == 1.0
    assert (
        load_settings(
            base_url="https://www.interpol.int", lake=tmp_path, env={}
        ).requests_per_second
        == 1.0
    )
    mirror = load_settings(base_url="http://127.0.0.1:8080/", lake=tmp_path, env={})
    assert mirror.requests_per_second == 0.0 and mirror.base_url == "http://127.0.0.1:8080"
    explicit = load_settings(
        base_url="http://localhost:1", lake=tmp_path, env={"INGEST_REQUESTS_PER_SECOND": "2"}
    )
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


def test_every_tunable_is_a_setting_and_the_environment_is_read_by_the_loader_only(tmp_path):
    env = {
        "INGEST_PARSE_WORKERS": "0",
        "INGEST_FETCH_THREADS": "3",
        "INGEST_PARTITION_THREADS": "2",
        "INGEST_MAX_PARALLEL_PER_HOST": "1",
        "INGEST_RECHECK_AFTER_DAYS": "2, 5",
        "INGEST_BATCH_SIZE": "50",
        "INGEST_RESPECT_ROBOTS": "false",
        "INGEST_REQUESTS_PER_SECOND": "0.5",
        "INGEST_LAKE": str(tmp_path / "lake"),
        "INGEST_LANGUAGES": "fr",
        "INGEST_BASE_URL": "https://mirror.example.org/",
    }
    s = load_settings(env=env)
    assert (
        s.parse_workers,
        s.workers,
        s.fetch_threads,
        s.partition_threads,
        s.max_parallel_per_host,
    ) == (0, 0, 3, 2, 1)
    assert s.recheck_after_days == (2, 5) and s.recheck_window_days == 10
    assert (s.batch_size, s.respect_robots, s.requests_per_second) == (50, False, 0.5)
    assert (s.lake, s.languages, s.base_url) == (
        tmp_path / "lake",
        ("fr",),
        "https://mirror.example.org",
    )
    # Explicit values (flags, flow parameters) win over the environment.
    flags = load_settings(
        env=env,
        lake=tmp_path / "other",
        languages="en,ar",
        base_url="http://127.0.0.1:8080",
        requests_per_second=0.0,
        batch_size=7,
    )
    assert (flags.lake, flags.languages, flags.base_url) == (
        tmp_path / "other",
        ("en", "ar"),
        "http://127.0.0.1:8080",
    )
    assert (flags.requests_per_second, flags.batch_size, flags.fetch_threads) == (0.0, 7, 3)
    # Nothing set: the defaults; an empty variable counts as unset.
    plain = load_settings(env={"INGEST_BATCH_SIZE": ""})
    assert (plain.batch_size, plain.parse_workers, plain.recheck_after_days) == (500, None, (1, 7))
    assert plain.lake == (Path.cwd() / "data" / "lake")


def test_bad_settings_are_refused_with_the_name_of_what_to_fix(tmp_path):
    with pytest.raises(ConfigError, match="INGEST_PARSE_WORKERS='many' is not a number"):
        load_settings(lake=tmp_path, env={"INGEST_PARSE_WORKERS": "many"})
    with pytest.raises(ConfigError, match="INGEST_RESPECT_ROBOTS='perhaps' is not true or"):
        load_settings(lake=tmp_path, env={"INGEST_RESPECT_ROBOTS": "perhaps"})
    with pytest.raises(ConfigError, match="batch_size=0 is invalid"):
        load_settings(lake=tmp_path, env={"INGEST_BATCH_SIZE": "0"})
    with pytest.raises(ConfigError, match="unknown setting"):
        load_settings(lake=tmp_path, env={}, parse_wrokers=2)
    with pytest.raises(ConfigError, match="fetch_threads=0 is out of range"):
        Settings(fetch_threads=0)
    with pytest.raises(ConfigError, match="mangled URI"):
        Settings(lake=Path("s3://bucket/prefix"))


def test_settings_round_trip_through_a_flow_parameters_json(tmp_path):
    """What Prefect does to a flow parameter: JSON for the API (jsonable_encoder), then
    pydantic validation back into the annotated type when a worker runs the flow."""
    from fastapi.encoders import jsonable_encoder
    from pydantic import TypeAdapter

    adapter = TypeAdapter(Settings)
    local = load_settings(
        lake=tmp_path, env={}, languages="fr,ar", parse_workers=0, recheck_after_days=(2, 9)
    )
    s3 = load_settings(
        lake="s3://bucket/prefix",
        base_url="http://127.0.0.1:9",
        env={"INGEST_S3_ENDPOINT_URL": "http://127.0.0.1:9000"},
    )
    for settings in (local, s3):
        as_json = json.loads(json.dumps(jsonable_encoder(settings)))
        back = adapter.validate_python(as_json)
        assert back == settings and type(back.lake) is type(settings.lake)
    assert as_json["lake"] == {"uri": "s3://bucket/prefix", "endpoint_url": "http://127.0.0.1:9000"}
    # Validation runs on the way in too.
    with pytest.raises(ConfigError, match="batch_size"):
        adapter.validate_python({**as_json, "batch_size": 0})
