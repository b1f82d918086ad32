"""Dataset contracts: the Polars dtypes of every table and one Pandera model per dataset.

Frames are validated collected (pandera's polars backend only runs data checks on eager
frames by default) just before they land; rows that fail go to quarantine with the
failing column and check as their reason.
"""

from __future__ import annotations

import functools

import pandera.polars as pa
import polars as pl
from pandera.errors import SchemaError, SchemaErrors

from ingest import schemas_analysis as _analysis
from ingest.errors import ValidationError
from ingest.extract import DATE_SOURCES, EXTRACTION_METHODS
from ingest.settings import LANGUAGES

UTC_TS = pl.Datetime("us", "UTC")

# The analyst layer's datasets live in schemas_analysis; named here too, so every dataset
# is found in this module.
ANALYSIS_TABLES = _analysis.ANALYSIS_TABLES
ATTRIBUTIONS = _analysis.ATTRIBUTIONS
FIELDS = _analysis.FIELDS
MENTION_KINDS = _analysis.MENTION_KINDS
MENTIONS = _analysis.MENTIONS
QUANTITIES = _analysis.QUANTITIES
SPEAKERS = _analysis.SPEAKERS
TOPICS = _analysis.TOPICS
MentionModel = _analysis.MentionModel
QuantityModel = _analysis.QuantityModel
SpeakerModel = _analysis.SpeakerModel
TopicModel = _analysis.TopicModel

RELEASES: dict[str, pl.DataType] = {
    "release_id": pl.String(),
    "source": pl.String(),
    "language": pl.String(),
    "url": pl.String(),
    "path": pl.String(),
    "title": pl.String(),
    "subtitle": pl.String(),
    "published_date": pl.Date(),
    "year": pl.Int32(),
    "dateline": pl.String(),
    "body_text": pl.String(),
    "word_count": pl.Int32(),
    "translation_key": pl.String(),
    "translations": pl.String(),
    "content_hash": pl.String(),
    "parser_version": pl.String(),
    "first_seen_at": UTC_TS,
    "updated_at": UTC_TS,
    "run_id": pl.String(),
    # which path produced the body (extract.EXTRACTION_METHODS) and where the date was read
    # (extract.DATE_SOURCES); NULL in files written before parser 2.0
    "extraction_method": pl.String(),
    "date_source": pl.String(),
    "analysis_version": pl.String(),
}
BLOCKS: dict[str, pl.DataType] = {
    "release_id": pl.String(),
    "language": pl.String(),
    "year": pl.Int32(),
    "ordinal": pl.Int32(),
    "kind": pl.String(),
    "text": pl.String(),
}
QUOTES: dict[str, pl.DataType] = {
    "release_id": pl.String(),
    "language": pl.String(),
    "year": pl.Int32(),
    "ordinal": pl.Int32(),
    "text": pl.String(),
    "speaker": pl.String(),
}
REVISIONS: dict[str, pl.DataType] = {
    "release_id": pl.String(),
    "language": pl.String(),
    "year": pl.Int32(),
    "revision": pl.Int32(),
    "content_hash": pl.String(),
    "valid_from": UTC_TS,
    "valid_to": UTC_TS,
    "status": pl.String(),
    "changed": pl.String(),
    "title": pl.String(),
    "subtitle": pl.String(),
    "published_date": pl.Date(),
    "dateline": pl.String(),
    "body_text": pl.String(),
    "parser_version": pl.String(),
    "run_id": pl.String(),
}
QUARANTINE: dict[str, pl.DataType] = {
    "url": pl.String(),
    "path": pl.String(),
    "language": pl.String(),
    "stage": pl.String(),
    "reason": pl.String(),
    "detail": pl.String(),
    "raw_path": pl.String(),
    "parser_version": pl.String(),
    "run_id": pl.String(),
    "first_seen_at": UTC_TS,
    "seen_at": UTC_TS,
    "attempts": pl.Int32(),
    # what extraction did find on a refused page (JSON: title, date, body excerpt, ...)
    "found": pl.String(),
    "source": pl.String(),  # the source definition the page belongs to (with path: the key)
}
INGEST_RUNS: dict[str, pl.DataType] = {
    "run_id": pl.String(),
    "flow": pl.String(),
    "parameters": pl.String(),
    "started_at": UTC_TS,
    "finished_at": UTC_TS,
    "status": pl.String(),
    "discovered": pl.Int64(),
    "fetched": pl.Int64(),
    "new": pl.Int64(),
    "updated": pl.Int64(),
    "unchanged": pl.Int64(),
    "quarantined": pl.Int64(),
    "failed": pl.Int64(),
    "gone": pl.Int64(),
    "requests": pl.Int64(),
    "error": pl.String(),
    "warnings": pl.String(),  # caps reached, refused redirects, paused hosts (one per line)
    "source": pl.String(),  # the source the run followed
}
PAGES: dict[str, pl.DataType] = {
    "path": pl.String(),
    "url": pl.String(),
    "language": pl.String(),
    "release_id": pl.String(),
    "status": pl.String(),
    "http_status": pl.Int32(),
    "etag": pl.String(),
    "last_modified": pl.String(),
    "sitemap_lastmod": pl.String(),
    "content_hash": pl.String(),
    "published_date": pl.Date(),
    "first_seen_at": UTC_TS,
    "last_fetched_at": UTC_TS,
    "last_seen_at": UTC_TS,
    "last_error": pl.String(),
    "raw_path": pl.String(),
    "revision": pl.Int32(),
    "redirected_to": pl.String(),
    "parser_version": pl.String(),
    "analysis_version": pl.String(),
    # How the last body was decoded (ingest.encoding): codec, rule that chose it, and
    # whether the text held replacement characters or the declared charset did not fit.
    "encoding": pl.String(),
    "encoding_source": pl.String(),
    "encoding_suspect": pl.Boolean(),
    # The source definition the page belongs to: (source, path) is a page's key, so two
    # newsrooms in one lake never share state even where their paths coincide.
    "source": pl.String(),
}
# `languages`: the run languages (comma-separated, sorted) that the last read of a child
# sitemap covered; what a read yields depends on them (articles are classified by language).
SITEMAPS: dict[str, pl.DataType] = {
    "path": pl.String(),
    "lastmod": pl.String(),
    "languages": pl.String(),
    "source": pl.String(),
}
# Rows written before state carried its source belong to the only source a lake had then
# (Settings.source was fixed to "interpol"); reads fill it in, so keys stay whole.
LEGACY_SOURCE = "interpol"


def with_source(frame: pl.DataFrame) -> pl.DataFrame:
    """A state frame (pages, quarantine, sitemaps) with every row's source filled in."""
    return frame.with_columns(pl.col("source").fill_null(LEGACY_SOURCE))


def of_source(source: str) -> pl.Expr:
    """Rows of one source (the filter that keeps one source's run off another's state)."""
    return pl.col("source").fill_null(LEGACY_SOURCE) == source


# One row per HTTP request (or per refusal that made none): what we did to the host.
FETCH_LOG: dict[str, pl.DataType] = {
    "run_id": pl.String(),
    "requested_at": UTC_TS,
    "url": pl.String(),
    "hop_url": pl.String(),
    "host": pl.String(),
    "kind": pl.String(),
    "attempt": pl.Int32(),
    "status": pl.Int32(),
    "outcome": pl.String(),
    "bytes": pl.Int64(),
    "decoded_bytes": pl.Int64(),
    "elapsed_s": pl.Float64(),
    "wait_s": pl.Float64(),
    "robots": pl.String(),
    "redirect_chain": pl.String(),
    "error": pl.String(),
}
# Translation links seen on landed pages (`page`: hreflang and switcher links) and in the
# sitemaps (`sitemap`: xhtml:link), and the families resolved from all of them.
LINKS: dict[str, pl.DataType] = {
    "source_path": pl.String(),
    "source_language": pl.String(),
    "target_path": pl.String(),
    "target_language": pl.String(),
    "signal": pl.String(),
}
FAMILIES: dict[str, pl.DataType] = {
    "release_id": pl.String(),
    "path": pl.String(),
    "language": pl.String(),
    "translation_key": pl.String(),
}
LINK_SIGNALS = ["page", "sitemap"]


STAGES = ["discover", "fetch", "extract", "validate", "publish"]
PAGE_STATUSES = [
    "ok",
    "quarantined",
    "failed",
    "gone",
    "disallowed",
    "refused_redirect",
    "robots_unavailable",
]
ENCODING_SOURCES = ["bom", "http-header", "meta", "detected", "default"]
FETCH_KINDS = ["page", "sitemap", "listing", "robots", "feed"]
FETCH_OUTCOMES = [
    "ok",
    "not_modified",
    "redirect",
    "retry",
    "gone",
    "error_status",
    "refused_redirect",
    "disallowed",
    "robots_unavailable",
    "paused",
    "too_large",
    "deadline",
    "error",
]
RUN_STATUSES = ["running", "completed", "partial", "failed"]
REVISION_STATUSES = ["current", "superseded", "gone"]
BLOCK_KINDS = ["paragraph", "heading", "list_item"]


class ReleaseModel(pa.DataFrameModel):
    release_id: str = pa.Field(str_length={"min_value": 16, "max_value": 16})
    source: str
    language: str = pa.Field(isin=list(LANGUAGES))
    url: str = pa.Field(str_matches=r"^https?://")
    path: str = pa.Field(str_startswith="/")
    title: str = pa.Field(str_length={"min_value": 3, "max_value": 1000})
    subtitle: str = pa.Field(nullable=True)
    published_date: pl.Date = pa.Field()
    year: pl.Int32 = pa.Field(ge=1990, le=2100)
    dateline: str = pa.Field(nullable=True, str_length={"max_value": 200})
    body_text: str = pa.Field(str_length={"min_value": 1})
    word_count: pl.Int32 = pa.Field(ge=1)
    translation_key: str = pa.Field(str_length={"min_value": 16, "max_value": 16})
    translations: str
    content_hash: str = pa.Field(str_length={"min_value": 64, "max_value": 64})
    parser_version: str
    first_seen_at: UTC_TS  # type: ignore[valid-type]
    updated_at: UTC_TS  # type: ignore[valid-type]
    run_id: str
    extraction_method: str = pa.Field(isin=list(EXTRACTION_METHODS))
    date_source: str = pa.Field(isin=list(DATE_SOURCES))
    analysis_version: str = pa.Field(nullable=True)

    @pa.dataframe_check(name="year_matches_published_date")
    def year_matches(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("published_date").dt.year() == pl.col("year"))

    class Config:
        strict = True
        unique = ["release_id"]


class BlockModel(pa.DataFrameModel):
    release_id: str
    language: str = pa.Field(isin=list(LANGUAGES))
    year: pl.Int32 = pa.Field(ge=1990, le=2100)
    ordinal: pl.Int32 = pa.Field(ge=0)
    kind: str = pa.Field(isin=BLOCK_KINDS)
    text: str = pa.Field(str_length={"min_value": 1})

    class Config:
        strict = True
        unique = ["release_id", "ordinal"]


class QuoteModel(pa.DataFrameModel):
    release_id: str
    language: str = pa.Field(isin=list(LANGUAGES))
    year: pl.Int32 = pa.Field(ge=1990, le=2100)
    ordinal: pl.Int32 = pa.Field(ge=0)
    text: str = pa.Field(str_length={"min_value": 1})
    speaker: str = pa.Field(nullable=True)

    class Config:
        strict = True
        unique = ["release_id", "ordinal"]


class QuarantineModel(pa.DataFrameModel):
    url: str
    path: str
    language: str = pa.Field(nullable=True)
    stage: str = pa.Field(isin=STAGES)
    reason: str = pa.Field(str_length={"min_value": 1})
    detail: str = pa.Field(nullable=True)
    raw_path: str = pa.Field(nullable=True)
    parser_version: str = pa.Field(nullable=True)
    run_id: str
    first_seen_at: UTC_TS  # type: ignore[valid-type]
    seen_at: UTC_TS  # type: ignore[valid-type]
    attempts: pl.Int32 = pa.Field(ge=1)
    found: str = pa.Field(nullable=True)
    source: str

    class Config:
        strict = True
        unique = ["source", "path"]


class IngestRunModel(pa.DataFrameModel):
    run_id: str
    flow: str
    parameters: str
    started_at: UTC_TS  # type: ignore[valid-type]
    finished_at: UTC_TS = pa.Field(nullable=True)  # type: ignore[valid-type]
    status: str = pa.Field(isin=RUN_STATUSES)
    discovered: pl.Int64 = pa.Field(ge=0)
    fetched: pl.Int64 = pa.Field(ge=0)
    new: pl.Int64 = pa.Field(ge=0)
    updated: pl.Int64 = pa.Field(ge=0)
    unchanged: pl.Int64 = pa.Field(ge=0)
    quarantined: pl.Int64 = pa.Field(ge=0)
    failed: pl.Int64 = pa.Field(ge=0)
    gone: pl.Int64 = pa.Field(ge=0)
    requests: pl.Int64 = pa.Field(ge=0)
    error: str = pa.Field(nullable=True)
    warnings: str = pa.Field(nullable=True)
    source: str = pa.Field(nullable=True)

    class Config:
        strict = True
        unique = ["run_id"]


class PageStateModel(pa.DataFrameModel):
    path: str = pa.Field(str_startswith="/")
    url: str
    language: str = pa.Field(isin=list(LANGUAGES))
    release_id: str = pa.Field(nullable=True)
    status: str = pa.Field(isin=PAGE_STATUSES)
    http_status: pl.Int32 = pa.Field(nullable=True)
    etag: str = pa.Field(nullable=True)
    last_modified: str = pa.Field(nullable=True)
    sitemap_lastmod: str = pa.Field(nullable=True)
    content_hash: str = pa.Field(nullable=True)
    published_date: pl.Date = pa.Field(nullable=True)
    first_seen_at: UTC_TS  # type: ignore[valid-type]
    last_fetched_at: UTC_TS = pa.Field(nullable=True)  # type: ignore[valid-type]
    last_seen_at: UTC_TS = pa.Field(nullable=True)  # type: ignore[valid-type]
    last_error: str = pa.Field(nullable=True)
    raw_path: str = pa.Field(nullable=True)
    revision: pl.Int32 = pa.Field(nullable=True, ge=1)
    redirected_to: str = pa.Field(nullable=True)
    parser_version: str = pa.Field(nullable=True)
    encoding: str = pa.Field(nullable=True)
    encoding_source: str = pa.Field(nullable=True, isin=ENCODING_SOURCES)
    encoding_suspect: pl.Boolean = pa.Field(nullable=True)
    analysis_version: str = pa.Field(nullable=True)
    source: str

    class Config:
        strict = True
        unique = ["source", "path"]


class FetchLogModel(pa.DataFrameModel):
    run_id: str
    requested_at: UTC_TS  # type: ignore[valid-type]
    url: str
    hop_url: str
    host: str
    kind: str = pa.Field(isin=FETCH_KINDS)
    attempt: pl.Int32 = pa.Field(ge=0)
    status: pl.Int32 = pa.Field(nullable=True, ge=100, le=999)
    outcome: str = pa.Field(isin=FETCH_OUTCOMES)
    bytes: pl.Int64 = pa.Field(ge=0)
    decoded_bytes: pl.Int64 = pa.Field(ge=0)
    elapsed_s: pl.Float64 = pa.Field(ge=0)
    wait_s: pl.Float64 = pa.Field(ge=0)
    robots: str = pa.Field(nullable=True)
    redirect_chain: str = pa.Field(nullable=True)
    error: str = pa.Field(nullable=True)

    class Config:
        strict = True


class RevisionModel(pa.DataFrameModel):
    release_id: str
    language: str = pa.Field(isin=list(LANGUAGES))
    year: pl.Int32 = pa.Field(ge=1990, le=2100)
    revision: pl.Int32 = pa.Field(ge=1)
    content_hash: str = pa.Field(str_length={"min_value": 64, "max_value": 64})
    valid_from: UTC_TS  # type: ignore[valid-type]
    valid_to: UTC_TS = pa.Field(nullable=True)  # type: ignore[valid-type]
    status: str = pa.Field(isin=REVISION_STATUSES)
    changed: str
    title: str
    subtitle: str = pa.Field(nullable=True)
    published_date: pl.Date
    dateline: str = pa.Field(nullable=True)
    body_text: str
    parser_version: str
    run_id: str

    @pa.dataframe_check(name="current_is_open")
    def current_is_open(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            (pl.col("status") == "current") == pl.col("valid_to").is_null()
        )

    class Config:
        strict = True
        unique = ["release_id", "revision"]


def check_whole(model: type[pa.DataFrameModel], frame: pl.DataFrame, dataset: str) -> pl.DataFrame:
    """Validate a frame our own merge rules built (no page to quarantine): any failing row
    means the code is wrong, so the batch is refused with ValidationError."""
    try:
        return model.validate(frame, lazy=True)
    except SchemaErrors as exc:
        cases = exc.failure_cases.select("column", "check").unique().head(5)
        detail = "; ".join(f"{c}:{k}" for c, k in cases.iter_rows())
        raise ValidationError(dataset, detail) from exc


class LinkModel(pa.DataFrameModel):
    source_path: str = pa.Field(str_startswith="/")
    source_language: str
    target_path: str = pa.Field(str_startswith="/")
    target_language: str = pa.Field(str_length={"min_value": 2, "max_value": 3})
    signal: str = pa.Field(isin=LINK_SIGNALS)

    class Config:
        strict = True
        unique = ["source_path", "target_path", "target_language", "signal"]


class FamilyModel(pa.DataFrameModel):
    release_id: str = pa.Field(str_length={"min_value": 16, "max_value": 16})
    path: str = pa.Field(str_startswith="/")
    language: str
    translation_key: str = pa.Field(str_length={"min_value": 16, "max_value": 16})

    class Config:
        strict = True
        unique = ["release_id"]


@functools.cache
def _indexed_schema(model: type[pa.DataFrameModel]) -> pa.DataFrameSchema:
    """The model's schema plus the `_row` index split_valid adds (built once per model:
    add_columns deep-copies the schema, 5 ms a call)."""
    return model.to_schema().add_columns({"_row": pa.Column(pl.UInt32)})


def split_valid(
    model: type[pa.DataFrameModel], frame: pl.DataFrame, dataset: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(rows that pass, rejected rows with `reason` and `failure_cases` columns).

    Schema-level breaks raise.

    A schema-level failure (missing column, wrong dtype) means our own transform is broken,
    not the page: the whole batch is refused with ValidationError rather than quarantined.
    """
    indexed = frame.with_row_index("_row")
    schema = _indexed_schema(model)
    try:
        good = schema.validate(indexed, lazy=True)
        return good.drop("_row"), indexed.clear().with_columns(
            pl.lit("").alias("reason"), pl.lit("").alias("failure_cases")
        )
    except SchemaErrors as exc:
        cases = exc.failure_cases
    except SchemaError as exc:  # pragma: no cover - lazy=True raises SchemaErrors
        raise ValidationError(dataset, str(exc)) from exc
    if cases["index"].null_count():
        detail = "; ".join(
            f"{r['column']}:{r['check']}"
            for r in cases.filter(pl.col("index").is_null())
            .select("column", "check")
            .unique()
            .iter_rows(named=True)
        )
        raise ValidationError(dataset, detail)
    # reason: "column:check" codes; detail: the same with the failing values, for people.
    value = pl.col("failure_case").cast(pl.String).fill_null("null").str.slice(0, 80)
    reasons = (
        cases.group_by("index")
        .agg(
            pl.concat_str(pl.col("column").fill_null("*"), pl.lit(":"), "check")
            .unique()
            .sort()
            .str.join("; ")
            .alias("reason"),
            pl.concat_str(
                pl.col("column").fill_null("*"), pl.lit(":"), "check", pl.lit(" got "), value
            )
            .unique()
            .sort()
            .str.join("; ")
            .alias("failure_cases"),
        )
        .with_columns(pl.col("index").cast(pl.UInt32))
    )
    bad = indexed.join(reasons, left_on="_row", right_on="index", how="inner")
    rest = indexed.join(reasons, left_on="_row", right_on="index", how="anti")
    good = schema.validate(rest, lazy=True)
    return good.drop("_row"), bad.drop("_row")
