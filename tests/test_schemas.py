from __future__ import annotations

import polars as pl
import pytest

from ingest import schemas as sc
from ingest import transform as tf
from ingest.errors import ValidationError
from tests.test_transform import family_records, structured


def releases() -> pl.DataFrame:
    return tf.release_rows(structured(family_records()))


def test_valid_rows_pass_untouched():
    good, bad = sc.split_valid(sc.ReleaseModel, releases(), "releases")
    assert good.height == 3 and bad.height == 0
    assert good.columns == list(sc.RELEASES)


def test_bad_rows_are_split_out_with_reasons():
    frame = releases().with_columns(
        pl.when(pl.col("language") == "fr")
        .then(pl.lit("xx"))
        .otherwise(pl.col("language"))
        .alias("language"),
        pl.when(pl.col("language") == "ar")
        .then(pl.lit("no"))
        .otherwise(pl.col("title"))
        .alias("title"),
    )
    good, bad = sc.split_valid(sc.ReleaseModel, frame, "releases")
    assert good["language"].to_list() == ["en"]
    reasons = dict(zip(bad["language"], bad["reason"], strict=True))
    assert "language:isin" in reasons["xx"]
    assert "title:str_length" in reasons["ar"]
    cases = dict(zip(bad["language"], bad["failure_cases"], strict=True))
    assert "got xx" in cases["xx"] and "got no" in cases["ar"]


def test_lazy_frames_are_collected_before_validation():
    # pandera's polars backend runs only schema checks on a LazyFrame by default; we
    # validate the collected frame, so data checks still reject rows.
    lazy = releases().lazy().with_columns(pl.lit(0, pl.Int32).alias("word_count"))
    good, bad = sc.split_valid(sc.ReleaseModel, lazy.collect(), "releases")
    assert good.height == 0 and bad.height == 3
    assert all("word_count" in r for r in bad["reason"])


def test_schema_level_break_refuses_the_batch():
    with pytest.raises(ValidationError, match="releases"):
        sc.split_valid(sc.ReleaseModel, releases().drop("title"), "releases")


def test_year_must_match_published_date():
    frame = releases().with_columns(pl.lit(1999, pl.Int32).alias("year"))
    good, bad = sc.split_valid(sc.ReleaseModel, frame, "releases")
    assert good.height == 0 and bad.height == 3
