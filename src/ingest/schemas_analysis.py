"""The analyst layer's datasets (ingest.analysis): dtypes and one Pandera model each.

One row per mention, quantity, attributed quote and topic evidence; start/end are character
offsets into the release field named by `field`. `ANALYSIS_TABLES` (dataset -> (dtypes,
model)) is how the pipeline validates them and the views read them; ingest.schemas
re-exports every name here.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from ingest.settings import LANGUAGES

_KEYS: dict[str, pl.DataType] = {
    "release_id": pl.String(),
    "language": pl.String(),
    "year": pl.Int32(),
}
MENTIONS: dict[str, pl.DataType] = {
    **_KEYS,
    "ordinal": pl.Int32(),
    "kind": pl.String(),
    "text": pl.String(),
    "code": pl.String(),
    "field": pl.String(),
    "start": pl.Int32(),
    "end": pl.Int32(),
    "form": pl.String(),
}
QUANTITIES: dict[str, pl.DataType] = {
    **_KEYS,
    "ordinal": pl.Int32(),
    "kind": pl.String(),
    "value": pl.Float64(),
    "unit": pl.String(),
    "item": pl.String(),
    "number": pl.String(),
    "text": pl.String(),
    "field": pl.String(),
    "start": pl.Int32(),
    "end": pl.Int32(),
    "qualifier": pl.String(),
}
SPEAKERS: dict[str, pl.DataType] = {
    **_KEYS,
    "quote_ordinal": pl.Int32(),
    "name": pl.String(),
    "role": pl.String(),
    "role_en": pl.String(),
    "organisation": pl.String(),
    "organisation_code": pl.String(),
    "attribution": pl.String(),
    "resolved_from": pl.String(),
}
TOPICS: dict[str, pl.DataType] = {
    **_KEYS,
    "topic": pl.String(),
    "score": pl.Float64(),
    "ordinal": pl.Int32(),
    "text": pl.String(),
    "field": pl.String(),
    "start": pl.Int32(),
    "end": pl.Int32(),
    "weight": pl.Float64(),
}
MENTION_KINDS = ["country", "place", "organisation", "operation", "person"]
FIELDS = ["title", "subtitle", "dateline", "body"]
ATTRIBUTIONS = ["before", "after", "around", "carried", "unknown"]


def _span_ok(data: pa.PolarsData) -> pl.LazyFrame:
    return data.lazyframe.select((pl.col("start") >= 0) & (pl.col("end") > pl.col("start")))


class MentionModel(pa.DataFrameModel):
    release_id: str
    language: str = pa.Field(isin=list(LANGUAGES))
    year: pl.Int32 = pa.Field(ge=1990, le=2100)
    ordinal: pl.Int32 = pa.Field(ge=0)
    kind: str = pa.Field(isin=MENTION_KINDS)
    text: str = pa.Field(str_length={"min_value": 1, "max_value": 300})
    code: str = pa.Field(nullable=True)
    field: str = pa.Field(isin=FIELDS)
    start: pl.Int32
    end: pl.Int32
    form: str = pa.Field(nullable=True)

    @pa.dataframe_check(name="span_in_order")
    def span_in_order(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return _span_ok(data)

    @pa.dataframe_check(name="country_code_is_iso_alpha2")
    def country_code(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            (pl.col("kind") != "country") | pl.col("code").str.contains(r"^[A-Z]{2}$")
        )

    @pa.dataframe_check(name="span_length_matches_text")
    def length(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            (pl.col("end") - pl.col("start")) == pl.col("text").str.len_chars()
        )

    class Config:
        strict = True
        unique = ["release_id", "ordinal"]


class QuantityModel(pa.DataFrameModel):
    release_id: str
    language: str = pa.Field(isin=list(LANGUAGES))
    year: pl.Int32 = pa.Field(ge=1990, le=2100)
    ordinal: pl.Int32 = pa.Field(ge=0)
    kind: str = pa.Field(str_matches=r"^[a-z_]+$")
    value: pl.Float64 = pa.Field(gt=0)
    unit: str = pa.Field(nullable=True, str_matches=r"^(?:t|kg|l|m3|units|[A-Z]{3})$")
    item: str = pa.Field(nullable=True)
    number: str = pa.Field(str_length={"min_value": 1})
    text: str = pa.Field(str_length={"min_value": 1, "max_value": 300})
    field: str = pa.Field(isin=FIELDS)
    start: pl.Int32
    end: pl.Int32
    qualifier: str = pa.Field(nullable=True)

    @pa.dataframe_check(name="span_in_order")
    def span_in_order(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return _span_ok(data)

    class Config:
        strict = True
        unique = ["release_id", "ordinal"]


class SpeakerModel(pa.DataFrameModel):
    release_id: str
    language: str = pa.Field(isin=list(LANGUAGES))
    year: pl.Int32 = pa.Field(ge=1990, le=2100)
    quote_ordinal: pl.Int32 = pa.Field(ge=0)
    name: str = pa.Field(nullable=True)
    role: str = pa.Field(nullable=True)
    role_en: str = pa.Field(nullable=True)
    organisation: str = pa.Field(nullable=True)
    organisation_code: str = pa.Field(nullable=True)
    attribution: str = pa.Field(isin=ATTRIBUTIONS)
    resolved_from: str = pa.Field(nullable=True)

    class Config:
        strict = True
        unique = ["release_id", "quote_ordinal"]


class TopicModel(pa.DataFrameModel):
    release_id: str
    language: str = pa.Field(isin=list(LANGUAGES))
    year: pl.Int32 = pa.Field(ge=1990, le=2100)
    topic: str = pa.Field(str_matches=r"^[a-z_]+$")
    score: pl.Float64 = pa.Field(gt=0)
    ordinal: pl.Int32 = pa.Field(ge=0)
    text: str = pa.Field(str_length={"min_value": 1})
    field: str = pa.Field(isin=FIELDS)
    start: pl.Int32
    end: pl.Int32
    weight: pl.Float64 = pa.Field(gt=0)

    @pa.dataframe_check(name="span_in_order")
    def span_in_order(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return _span_ok(data)

    class Config:
        strict = True
        unique = ["release_id", "ordinal"]


# dataset -> (dtypes, model), for the pipeline and the views
ANALYSIS_TABLES: dict[str, tuple[dict[str, pl.DataType], type[pa.DataFrameModel]]] = {
    "mentions": (MENTIONS, MentionModel),
    "quantities": (QUANTITIES, QuantityModel),
    "speakers": (SPEAKERS, SpeakerModel),
    "topics": (TOPICS, TopicModel),
}
