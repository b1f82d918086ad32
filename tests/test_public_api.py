"""Guards the public interface other code and users depend on: renaming any of these is a
breaking change and must be deliberate."""

from __future__ import annotations

import dataclasses
import inspect

import ingest.extract as extract
import ingest.schemas as schemas
from flows.backfill import backfill
from flows.daily import daily
from ingest import cli, errors


def test_extract_api():
    assert isinstance(extract.PARSER_VERSION, str)
    assert list(inspect.signature(extract.extract_release).parameters) == ["html", "url"]
    fields = [f.name for f in dataclasses.fields(extract.Release)]
    assert fields == [
        "url",
        "language",
        "title",
        "subtitle",
        "published_date",
        "dateline",
        "blocks",
        "quotes",
        "translations",
        "extraction_method",
        "date_source",
    ]
    # extraction separated from acceptance: every field found, then the contract
    assert list(inspect.signature(extract.extract).parameters)[:2] == ["html", "url"]
    assert list(inspect.signature(extract.extract_fields).parameters)[:2] == ["html", "url"]
    assert [f.name for f in dataclasses.fields(extract.Rejection)] == [
        "url",
        "reason",
        "detail",
        "found",
    ]


def test_flow_parameters():
    assert {"base_url", "lake", "languages"} <= set(daily.parameters.properties)
    assert {"base_url", "lake", "languages", "since", "until"} <= set(
        backfill.parameters.properties
    )
    assert set(backfill.parameters.required) == {"since", "until"}
    assert daily.name == "daily" and backfill.name == "backfill"


def test_cli_commands():
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert {"parse", "run", "backfill", "query", "replay", "reprocess", "views", "init"} <= set(
        sub.choices
    )
    # The demo serves fixture newsrooms: it is `make demo` (newsrooms.demo), not the product.
    assert "demo" not in sub.choices


def test_view_columns_contract():
    assert list(schemas.RELEASES)[:3] == ["release_id", "source", "language"]
    for col in (
        "release_id",
        "source",
        "language",
        "url",
        "title",
        "subtitle",
        "published_date",
        "year",
        "dateline",
        "body_text",
        "word_count",
        "translation_key",
        "content_hash",
        "first_seen_at",
    ):
        assert col in schemas.RELEASES


def test_error_tree():
    assert issubclass(errors.NotAReleaseError, errors.ExtractError)
    assert issubclass(errors.GoneError, errors.FetchError)
    assert issubclass(errors.LeaseError, errors.LakeError)
    for name in (
        "ConfigError",
        "FetchError",
        "ExtractError",
        "ValidationError",
        "LakeError",
        "QueryError",
    ):
        assert issubclass(getattr(errors, name), errors.IngestError)
