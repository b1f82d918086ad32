"""Sources as data: a newsroom is a TOML definition; INTERPOL is the built-in one; a file
selects any other; every mistake in a file is one line naming the file and the key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest import cli
from ingest.discover import classify
from ingest.errors import ConfigError, SourceError
from ingest.settings import Settings, load_settings
from ingest.source import builtin_names, load_source, parse_source

REPO = Path(__file__).resolve().parents[1]
WORDPRESS = REPO / "newsrooms" / "wordpress" / "source.toml"

GOOD = """\
id = "harbour-customs"
name = "Harbour Customs press office"
base_url = "https://news.harbour-customs.example"
allowed_hosts = ["cdn.harbour-customs.example"]

[discovery]
sitemaps = []
feed_page_param = "paged"

[politeness]
requests_per_second = 0.5

[languages.en]
article = '^/(?P<year>\\d{4})/(?P<month>\\d{2})/(?P<day>\\d{2})/(?P<slug>[^/]+)$'
feeds = ["/feed/"]

[languages.fr]
article = '^/fr/(?P<year>\\d{4})/(?P<month>\\d{2})/(?P<day>\\d{2})/(?P<slug>[^/]+)$'
listings = ["/fr/"]
feeds = ["/fr/feed/atom/"]
"""


def write(tmp_path: Path, text: str, name: str = "source.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_interpol_is_a_built_in_source_and_the_default():
    assert "interpol" in builtin_names()
    src = load_source("interpol")
    assert (src.id, src.base_url, src.languages) == (
        "interpol",
        "https://www.interpol.int",
        ("en", "fr", "es", "ar"),
    )
    assert src.sitemap_paths == ("/sitemap.xml",) and src.requests_per_second == 1.0
    assert src.listing_paths["ar"] == ("/ar/1/1", "/ar/News")
    # Settings() and load_settings() with no source follow it, from the file, not code.
    default = Settings()
    loaded = load_settings(env={})
    assert default.source == loaded.source == "interpol"
    assert default.article_patterns == loaded.article_patterns == src.article_patterns
    assert loaded.source_file.startswith("built-in interpol")
    assert classify(
        "https://www.interpol.int/fr/Actualites-et-evenements/Actualites/2023/x", loaded
    ) == ("fr", 2023)


def test_a_source_file_gives_the_run_its_newsroom(tmp_path):
    path = write(tmp_path, GOOD)
    s = load_settings(source=str(path), lake=tmp_path / "lake", env={})
    assert s.source == "harbour-customs" and s.source_name == "Harbour Customs press office"
    assert s.base_url == "https://news.harbour-customs.example"
    assert s.languages == ("en", "fr") and s.source_file == str(path.resolve())
    assert s.sitemap_paths == () and s.feed_page_param == "paged"
    assert s.feed_paths == {"en": ("/feed/",), "fr": ("/fr/feed/atom/",)}
    assert s.listing_paths == {"en": (), "fr": ("/fr/",)}
    assert s.allowed_hosts == ("cdn.harbour-customs.example",)
    assert s.requests_per_second == 0.5
    assert classify("https://x/fr/2024/03/05/saisie-record", s) == ("fr", 2024)
    assert classify("https://x/2024/03/05/record-seizure/", s) == ("en", 2024)
    assert classify("https://x/fr/", s) is None


def test_flags_and_environment_win_over_the_file_and_a_mirror_runs_unpaced(tmp_path):
    path = write(tmp_path, GOOD)
    env = {"INGEST_SOURCE": str(path), "INGEST_LANGUAGES": "fr"}
    s = load_settings(lake=tmp_path, env=env)
    assert s.source == "harbour-customs" and s.languages == ("fr",)
    assert s.requests_per_second == 0.5
    mirror = load_settings(lake=tmp_path, env=env, base_url="http://127.0.0.1:8080")
    assert mirror.base_url == "http://127.0.0.1:8080" and mirror.requests_per_second == 0
    paced = load_settings(lake=tmp_path, env={**env, "INGEST_REQUESTS_PER_SECOND": "2"})
    assert paced.requests_per_second == 2
    # A flag names the source over INGEST_SOURCE.
    assert (
        load_settings(lake=tmp_path, env=env, source="interpol", languages="ar").source
        == "interpol"
    )
    with pytest.raises(
        ConfigError,
        match=r"\['es'\] of source harbour-customs: choose from "
        r"en,fr",
    ):
        load_settings(lake=tmp_path, env={}, source=str(path), languages="es")


def test_a_source_round_trips_as_a_flow_parameter(tmp_path):
    from fastapi.encoders import jsonable_encoder
    from pydantic import TypeAdapter

    s = load_settings(source=str(write(tmp_path, GOOD)), lake=tmp_path, env={})
    as_json = json.loads(json.dumps(jsonable_encoder(s)))
    assert as_json["source"] == "harbour-customs"
    assert TypeAdapter(Settings).validate_python(as_json) == s


def test_the_flows_take_a_source_parameter():
    from flows.backfill import backfill
    from flows.daily import daily

    assert "source" in daily.parameters.properties
    assert "source" in backfill.parameters.properties


def test_the_wordpress_fixture_has_its_own_source_file_outside_the_product():
    src = load_source(WORDPRESS)
    assert src.sitemap_paths == () and all(src.feed_paths[lang] for lang in src.languages)
    assert len(src.languages) >= 2
    assert src.id not in builtin_names()


BROKEN = [
    (
        'id = "x"\nbase_url = "https://h"\n[languages.en]\narticle = "^/a/(?P<year>\\\\d{4})/x$"'
        '\n[discovery]\nsitemap = ["/s.xml"]\n',
        "discovery.sitemap: unknown key (did you mean 'sitemaps'?)",
    ),
    ('base_url = "https://h"\n[languages.en]\narticle = "^/a$"\n', "id: missing"),
    (
        'id = "Big Id"\nbase_url = "https://h"\n[languages.en]\narticle = "^/a$"\n',
        "id: 'Big Id' must be lower-case",
    ),
    (
        'id = "x"\nbase_url = "ftp://h"\n[languages.en]\narticle = "^/a$"\n',
        "base_url: 'ftp://h' must be an absolute http(s) URL",
    ),
    (
        'id = "x"\nbase_url = "https://h/news"\n[languages.en]\narticle = "^/a$"\n',
        "base_url: 'https://h/news' must be the site's root",
    ),
    ('id = "x"\nbase_url = "https://h"\n', "languages: missing"),
    (
        'id = "x"\nbase_url = "https://h"\n[languages.de]\narticle = "^/a$"\n',
        "languages.de: 'de' is not a language the lake extracts",
    ),
    (
        'id = "x"\nbase_url = "https://h"\n[languages.en]\nlistings = ["/n"]\n',
        "languages.en.article: missing",
    ),
    (
        'id = "x"\nbase_url = "https://h"\n[languages.en]\narticle = "^/(?P<year>\\\\d{4}"\n',
        "languages.en.article: not a valid regular expression",
    ),
    (
        'id = "x"\nbase_url = "https://h"\n[languages.en]\narticle = "^/.*"\n',
        "languages.en.article: matches '/'",
    ),
    (
        'id = "x"\nbase_url = "https://h"\n[languages.en]\narticle = "^/news"\n'
        'listings = ["/news"]\n',
        "languages.en.listings[0]: '/news' matches this language's",
    ),
    (
        'id = "x"\nbase_url = "https://h"\n[languages.en]\narticle = "^/a/.+$"\n'
        'feeds = ["feed.xml"]\n',
        "languages.en.feeds[0]: 'feed.xml' must be a path",
    ),
    (
        'id = "x"\nbase_url = "https://h"\n[languages.en]\narticle = "^/a/.+$"\nfeeds = "/f"\n',
        "languages.en.feeds: must be a list of strings",
    ),
    (
        'id = "x"\nbase_url = "https://h"\n[politeness]\nrequests_per_second = -1\n'
        '[languages.en]\narticle = "^/a/.+$"\n',
        "politeness.requests_per_second: must be a number >= 0",
    ),
    (
        'id = "x"\nbase_url = "https://h"\n[discovery]\nfeed_page_param = "a b"\n'
        '[languages.en]\narticle = "^/a/.+$"\n',
        "discovery.feed_page_param: 'a b' must be",
    ),
    (
        'id = "x"\nbase_url = "https://h"\nallowed_hosts = ["h/x"]\n[languages.en]\n'
        'article = "^/a/.+$"\n',
        "allowed_hosts[0]: 'h/x' is not",
    ),
    ('id = "x"\nbase_url = "https://h"\nlanguages = ["en"]\n', "languages: must be a table"),
    ('id = "x"\nbase_url = https://h\n', "not valid TOML: Invalid value (at line 2"),
]


@pytest.mark.parametrize(("text", "expected"), BROKEN)
def test_every_mistake_is_one_line_naming_the_file_and_the_key(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(SourceError) as caught:
        load_source(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"source definition {path.resolve()}: ")
    assert expected in message


def test_a_missing_file_or_an_unknown_name_says_what_to_give(tmp_path):
    with pytest.raises(
        SourceError,
        match=r"no such file: give the path of a source "
        r"definition \(\.toml\) or a built-in name",
    ):
        load_source(tmp_path / "nope.toml")
    with pytest.raises(
        SourceError,
        match=r"no built-in source of that name \(did you mean "
        r"'interpol'\?\): choose one of interpol",
    ):
        load_source("interpl")
    with pytest.raises(SourceError, match="not UTF-8"):
        parse_source(b"id = '\xff'", "x.toml")


def test_cli_checks_and_shows_a_source(tmp_path, capsys):
    path = write(tmp_path, GOOD)
    assert cli.main(["source", str(path)]) == 0
    out = capsys.readouterr().out
    assert "source harbour-customs (Harbour Customs press office)" in out and ": OK" in out
    assert "/fr/feed/atom/" in out and "?paged=N" in out
    assert cli.main(["source"]) == 0
    assert "interpol: INTERPOL newsroom" in capsys.readouterr().out
    bad = write(tmp_path, GOOD.replace('feeds = ["/feed/"]', 'feed = ["/feed/"]'), "b.toml")
    assert cli.main(["source", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "languages.en.feed: unknown key (did you mean 'feeds'?)" in err
    assert cli.main(["run", "--source", str(bad), "--lake", str(tmp_path / "l")]) == 1
    assert "languages.en.feed" in capsys.readouterr().err
    assert not (tmp_path / "l").exists()


@pytest.mark.integration
def test_a_missing_listing_names_the_key_to_change_in_the_source_file(tmp_path):
    from ingest.discover import discover
    from ingest.fetch import Fetcher, build_session
    from tests.httpfake import ScriptedServer

    path = write(
        tmp_path,
        'id = "x"\nbase_url = "https://h"\n[discovery]\nsitemaps = []\n'
        '[languages.en]\narticle = "^/news/(?P<year>\\\\d{4})/[^/]+$"\n'
        'listings = ["/news"]\n',
    )
    with ScriptedServer({"/robots.txt": [(200, {}, b"User-agent: *\nAllow: /\n")]}) as srv:
        s = load_settings(source=str(path), base_url=srv.base_url, lake=tmp_path, env={})
        found = discover(Fetcher(build_session(s), s), s)
    ((url, problem),) = found.problems
    assert url == srv.base_url + "/news"
    assert problem == (
        "listing page not found (HTTP 404); skipped - adjust "
        f"`languages.en.listings` in the source definition {path.resolve()}"
    )


def test_a_deployment_run_takes_the_source_from_its_parameter_or_the_worker(tmp_path, monkeypatch):
    """flows.common.run_settings is what a deployment's flow run calls on the worker."""
    from flows.common import run_settings

    path = write(tmp_path, GOOD)
    monkeypatch.setenv("INGEST_LAKE", str(tmp_path / "lake"))
    assert run_settings(None, base_url=None, lake=None, languages=None).source == "interpol"
    monkeypatch.setenv("INGEST_SOURCE", str(path))
    worker = run_settings(None, base_url=None, lake=None, languages=None)
    assert (worker.source, worker.languages) == ("harbour-customs", ("en", "fr"))
    assert run_settings(
        None, base_url=None, lake=None, languages=["fr"], source="interpol"
    ).languages == ("fr",)
    with pytest.raises(ConfigError, match="give either settings or source, not both"):
        run_settings(worker, base_url=None, lake=None, languages=None, source="interpol")
