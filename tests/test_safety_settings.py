"""Safety limits are settings: defaults, INGEST_* overrides, and bad values refused in one line."""

from __future__ import annotations

import pytest

from ingest import cli, runner
from ingest.errors import ConfigError
from ingest.settings import load_settings


def test_defaults_are_bounded():
    s = load_settings(env={})
    assert s.max_body_bytes == 10 << 20 and s.max_decoded_bytes == 20 << 20
    assert s.total_timeout == 60 and s.max_redirects == 5 and s.crawl_delay_max == 30
    assert s.max_urls_per_sitemap == 50_000 and s.max_planned_fetches == 50_000


def test_every_limit_reads_its_environment_variable():
    env = {
        "INGEST_MAX_BODY_BYTES": "1024",
        "INGEST_TOTAL_TIMEOUT": "2.5",
        "INGEST_MAX_SITEMAP_DEPTH": "1",
        "INGEST_ALLOWED_HOSTS": "cdn.example:8443, b.example",
        "INGEST_ALLOW_PRIVATE_ADDRESSES": "true",
        "INGEST_RETRY_AFTER_BUDGET": "10",
    }
    s = load_settings(env=env)
    assert (s.max_body_bytes, s.total_timeout, s.max_sitemap_depth) == (1024, 2.5, 1)
    assert s.allowed_hosts == ("cdn.example:8443", "b.example") and s.allow_private_addresses
    assert s.retry_after_budget == 10


def test_a_base_url_with_credentials_is_refused():
    with pytest.raises(ConfigError, match="must not carry credentials"):
        load_settings(base_url="https://user:secret@www.interpol.int", env={})


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"INGEST_REQUESTS_PER_SECOND": "-1"}, "requests_per_second=-1.0 is invalid"),
        ({"INGEST_REQUESTS_PER_SECOND": "nan"}, "requests_per_second=nan is invalid"),
        ({"INGEST_MAX_BODY_BYTES": "0"}, "max_body_bytes=0 is invalid"),
        ({"INGEST_MAX_REDIRECTS": "2.5"}, "max_redirects=2.5 is invalid"),
        ({"INGEST_TOTAL_TIMEOUT": "soon"}, "INGEST_TOTAL_TIMEOUT='soon' is not a number"),
        ({"INGEST_ALLOWED_HOSTS": "http://x/"}, "is not 'host' or 'host:port'"),
    ],
)
def test_bad_values_are_one_line_config_errors(env, message):
    with pytest.raises(ConfigError, match=message) as err:
        load_settings(env=env)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "--rate", "-1"], "argument --rate: '-1' must be a finite number >= 0"),
        (["run", "--rate", "fast"], "argument --rate: 'fast' is not a number"),
        (
            ["backfill", "--since", "2020-01-01", "--until", "2020-12-31", "--parallel", "0"],
            "argument --parallel: '0' must be at least 1",
        ),
        (
            ["backfill", "--since", "2020-01-01", "--until", "2020-12-31", "--parallel", "x"],
            "argument --parallel: 'x' is not a whole number",
        ),
    ],
)
def test_bad_arguments_are_refused_before_anything_runs(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 2
    assert capsys.readouterr().err.strip().splitlines()[-1].endswith(message)


def test_parallel_below_one_is_refused_by_the_runner_too(tmp_path):
    with pytest.raises(ConfigError, match="parallel=0 is invalid"):
        runner.run(load_settings(lake=tmp_path, env={}), "backfill", "backfill", parallel=0)
