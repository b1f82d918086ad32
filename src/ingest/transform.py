"""Pure Polars transforms: frame in, frame out. No I/O, no wall-clock reads (times come in).

The extractor hands over one dict per release (its JSON contract plus the page path);
these functions clean, structure and derive the columns of the lake tables.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import polars as pl

from ingest.schemas import (
    ANALYSIS_TABLES,
    BLOCKS,
    FAMILIES,
    LINKS,
    QUARANTINE,
    QUOTES,
    RELEASES,
    REVISIONS,
)

# `\s\s+|[^\S ]` rewrites only runs and non-space whitespace: same output as `\s+`, four
# times cheaper on long bodies (measured, see STACK_NOTES).
_WS = r"\s\s+|[^\S ]"
# Zero-width and bidi controls that editors paste in; they break matching and counting
# but carry no meaning in the stored text. RLM/LRM are kept: they do affect RTL display.
_INVISIBLE = r"[\u200b\u200c\ufeff\u2060\u00ad]"

_RAW_RELEASE = {
    "path": pl.String(),
    "url": pl.String(),
    "language": pl.String(),
    "title": pl.String(),
    "subtitle": pl.String(),
    "published_date": pl.String(),
    "dateline": pl.String(),
    "body_text": pl.String(),
    "translations": pl.String(),
    "blocks": pl.List(pl.Struct({"kind": pl.String(), "text": pl.String()})),
    "quotes": pl.List(pl.Struct({"text": pl.String(), "speaker": pl.String()})),
    "parser_version": pl.String(),
    "extraction_method": pl.String(),
    "date_source": pl.String(),
    "analysis_version": pl.String(),
}


def short_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _sha256_series(s: pl.Series) -> pl.Series:
    return pl.Series(s.name, [hashlib.sha256(v.encode()).hexdigest() for v in s], pl.String)


def _short_hash_series(s: pl.Series) -> pl.Series:
    return pl.Series(s.name, [short_hash(v) for v in s], pl.String)


def family_path(path: str, language: str, translations: Mapping[str, str]) -> str:
    """The path that names a release's language family.

    The English version names the family when anyone links it; otherwise the smallest path
    among the versions this page knows, so every version that links the same set agrees.
    """
    paths = {lang: urlsplit(u).path.rstrip("/") for lang, u in translations.items()}
    paths[language] = path
    return paths.get("en") or min(paths.values())


# ---- translation families ------------------------------------------------------------------
#
# A release's family is every language version of it. Each landed page says which versions
# it knows (its hreflang alternates and switcher links, `translations`), and so does the
# sitemap (xhtml:link). Those links are kept in `translation_links`; at each commit the
# families are resolved from all of them at once: symmetric and transitive (the connected
# components of the link graph), with two guards so that one bad link cannot glue unrelated
# releases together:
# - a target linked from two different pages of the same language is a hub (a language
#   home, a section) and links nothing;
# - two groups are never joined when both hold a version in the same language.
# Links confirmed from both sides are joined first. The key of a family is the smallest
# release id among its members and the versions they link to (landed or not yet), so it
# stays the same when a linked version lands later.


def _path_of(url: str) -> str:
    return urlsplit(url).path.rstrip("/") or "/"


def link_rows(
    releases: pl.DataFrame, sitemap_alternates: Mapping[str, Sequence[tuple[str, str]]]
) -> pl.DataFrame:
    """One row per translation link of each release in `releases` (path, language,
    translations JSON): from the page (`page`) and from the sitemap (`sitemap`)."""
    rows = []
    for path, language, translations in releases.select(
        "path", "language", "translations"
    ).iter_rows():
        seen = set()
        for lang, url in sorted(json.loads(translations or "{}").items()):
            target = _path_of(url)
            if target != path and (lang, target) not in seen:
                seen.add((lang, target))
                rows.append((path, language, target, lang, "page"))
        for lang, target in sitemap_alternates.get(path, ()):
            if target != path and lang != language and (lang, target) not in seen:
                seen.add((lang, target))
                rows.append((path, language, target, lang, "sitemap"))
    return pl.DataFrame(rows, schema=LINKS, orient="row")


def resolve_families(
    members: pl.DataFrame,
    links: pl.DataFrame,
    *,
    source: str,
    previous: pl.DataFrame | None = None,
    touched: Iterable[str] | None = None,
) -> pl.DataFrame:
    """The family of every landed release: `members` (release_id, path, language) and all
    known `links` -> one row per member with its `translation_key` (see above).

    With `previous` (the families as last resolved) and `touched` (the paths whose links
    changed), only the part of the link graph those paths can reach is resolved again, with
    the families they belonged to: the same result as resolving everything, at the cost of
    one batch rather than of the whole lake."""
    hubs = _hubs(links)
    if previous is None or touched is None or previous.height == 0:
        return _components(members, links, hubs, source)
    touched = set(touched)
    old_keys = previous.filter(
        pl.col("path").is_in(pl.Series(sorted(touched), dtype=pl.String).implode())
    )
    seeds = touched | set(
        previous.filter(pl.col("translation_key").is_in(old_keys["translation_key"].implode()))[
            "path"
        ].to_list()
    )
    # sources of hub links may lose their family to the hub rule: resolve them again too
    seeds |= set(links.filter(pl.col("target_path").is_in(hubs.implode()))["source_path"].to_list())
    reach = _reachable(links, hubs, seeds)
    inside = pl.col("path").is_in(pl.Series(sorted(reach), dtype=pl.String).implode())
    fresh = _components(
        members.filter(inside),
        links.filter(
            pl.col("source_path").is_in(pl.Series(sorted(reach), dtype=pl.String).implode())
        ),
        hubs,
        source,
    )
    kept = previous.filter(~inside & pl.col("release_id").is_in(members["release_id"].implode()))
    return pl.concat([kept.select(list(FAMILIES)), fresh])


def _hubs(links: pl.DataFrame) -> pl.Series:
    """Targets linked from two different pages of one language: hubs, not translations."""
    return (
        links.group_by("target_path", "source_language")
        .agg(pl.col("source_path").n_unique().alias("n"))
        .filter(pl.col("n") > 1)["target_path"]
        .unique()
    )


def _reachable(links: pl.DataFrame, hubs: pl.Series, seeds: set[str]) -> set[str]:
    """Every path the seeds reach over translation links (either direction, hubs left out)."""
    edges = links.filter(~pl.col("target_path").is_in(hubs.implode())).select(
        "source_path", "target_path"
    )
    reach = set(seeds)
    frontier = set(seeds)
    while frontier:
        ring = pl.Series(sorted(frontier), dtype=pl.String).implode()
        hit = edges.filter(pl.col("source_path").is_in(ring) | pl.col("target_path").is_in(ring))
        frontier = (set(hit["source_path"].to_list()) | set(hit["target_path"].to_list())) - reach
        reach |= frontier
    return reach


def _components(
    members: pl.DataFrame, links: pl.DataFrame, hubs: pl.Series, source: str
) -> pl.DataFrame:
    language = dict(members.select("path", "language").iter_rows())
    ids = dict(members.select("path", "release_id").iter_rows())
    hub = set(hubs.to_list())
    edges = sorted(
        (s, t, tl)
        for s, t, tl in links.select("source_path", "target_path", "target_language")
        .unique()
        .iter_rows()
        if s in language and s != t and tl != language[s]
    )
    labelled: dict[str, str] = {}
    for _s, t, tl in edges:
        labelled.setdefault(t, tl)
    pairs = [(s, t) for s, t, _ in edges if t not in hub]
    both = set(pairs)
    ordered = sorted(pairs, key=lambda e: ((e[1], e[0]) not in both, e))

    parent: dict[str, str] = {}
    langs: dict[str, set[str]] = {}

    def find(p: str) -> str:
        if p not in parent:
            parent[p] = p
            lg = language.get(p) or labelled.get(p)
            langs[p] = {lg} if lg else set()
        while parent[p] != p:
            parent[p] = parent[parent[p]]
            p = parent[p]
        return p

    for p in language:
        find(p)
    for s, t in ordered:
        a, b = find(s), find(t)
        if a == b or langs[a] & langs[b]:
            continue  # already one family, or two versions in one language: not joined
        if len(langs[a]) < len(langs[b]):
            a, b = b, a
        parent[b] = a
        langs[a] |= langs.pop(b)
    key: dict[str, str] = {}
    for p in parent:
        r = find(p)
        rid = ids.get(p) or short_hash(f"{source}:{p}")
        if r not in key or rid < key[r]:
            key[r] = rid
    return (
        members.select("release_id", "path", "language")
        .with_columns(
            pl.Series("translation_key", [key[find(p)] for p in members["path"]], pl.String)
        )
        .select(list(FAMILIES))
    )


def raw_releases_frame(records: Sequence[Mapping[str, object]]) -> pl.DataFrame:
    """Extractor output (`Release.to_dict()` + `path`, `parser_version`) -> a typed frame."""
    rows = []
    for r in records:
        row = {k: r.get(k) for k in _RAW_RELEASE}
        row["translations"] = json.dumps(
            r.get("translations") or {}, sort_keys=True, ensure_ascii=False
        )
        rows.append(row)
    return pl.DataFrame(rows, schema=_RAW_RELEASE)


def normalized(expr: pl.Expr) -> pl.Expr:
    """NFC, invisible characters out, whitespace collapsed, stripped."""
    return (
        expr.str.normalize("NFC")
        .str.replace_all(_INVISIBLE, "")
        .str.replace_all(_WS, " ")
        .str.strip_chars()
    )


def clean_text(frame: pl.DataFrame, columns: Iterable[str]) -> pl.DataFrame:
    """`normalized` text columns; empty strings -> null."""
    exprs = []
    for c in columns:
        e = normalized(pl.col(c))
        exprs.append(pl.when(e.str.len_chars() > 0).then(e).otherwise(None).alias(c))
    return frame.with_columns(exprs)


def ascii_digits(expr: pl.Expr) -> pl.Expr:
    """Arabic-Indic and Persian digits -> ASCII (dates and numbers, not stored body text)."""
    out = expr
    for src, dst in zip("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789", strict=True):
        out = out.str.replace_all(src, dst, literal=True)
    return out


def structure_releases(
    raw: pl.DataFrame, *, source: str, seen_at: datetime, run_id: str
) -> pl.DataFrame:
    """Typed extractor output -> rows of the `releases` table (with blocks/quotes kept nested)."""
    frame = clean_text(raw, ["title", "subtitle", "dateline"])
    frame = frame.with_columns(
        pl.col("blocks")
        .list.eval(
            pl.struct(
                pl.element().struct.field("kind"),
                normalized(pl.element().struct.field("text")),
            )
        )
        .list.eval(pl.element().filter(pl.element().struct.field("text").str.len_chars() > 0)),
        pl.col("quotes").list.eval(
            pl.struct(
                normalized(pl.element().struct.field("text")),
                normalized(pl.element().struct.field("speaker")),
            )
        ),
        ascii_digits(pl.col("published_date"))
        .str.to_date("%Y-%m-%d", strict=False)
        .alias("published_date"),
    )
    frame = frame.with_columns(
        pl.col("blocks")
        .list.eval(pl.element().struct.field("text"))
        .list.join("\n\n")
        .alias("body_text"),
    )
    families = [
        family_path(p, lang, json.loads(t))
        for p, lang, t in frame.select("path", "language", "translations").iter_rows()
    ]
    frame = frame.with_columns(
        pl.Series("_family", families, pl.String),
        pl.lit(source).alias("source"),
    )
    return frame.with_columns(
        (pl.lit(f"{source}:") + pl.col("path"))
        .map_batches(_short_hash_series, pl.String)
        .alias("release_id"),
        (pl.lit(f"{source}:") + pl.col("_family"))
        .map_batches(_short_hash_series, pl.String)
        .alias("translation_key"),
        pl.col("published_date").dt.year().cast(pl.Int32).alias("year"),
        pl.col("body_text").str.count_matches(r"\S+").cast(pl.Int32).alias("word_count"),
        pl.concat_str(
            [
                pl.col("title"),
                pl.col("subtitle").fill_null(""),
                pl.col("published_date").cast(pl.String).fill_null(""),
                pl.col("dateline").fill_null(""),
                pl.col("body_text").fill_null(""),
            ],
            separator="\x1f",
        )
        .map_batches(_sha256_series, pl.String)
        .alias("content_hash"),
        pl.lit(seen_at).cast(RELEASES["first_seen_at"]).alias("first_seen_at"),
        pl.lit(seen_at).cast(RELEASES["updated_at"]).alias("updated_at"),
        pl.lit(run_id).alias("run_id"),
    ).drop("_family")


def dedupe_latest(frame: pl.DataFrame, key: str) -> pl.DataFrame:
    """One row per key, the last one seen (a page listed twice in a batch lands once)."""
    return frame.unique(subset=[key], keep="last", maintain_order=True)


def release_rows(structured: pl.DataFrame) -> pl.DataFrame:
    return structured.select(list(RELEASES))


def block_rows(structured: pl.DataFrame) -> pl.DataFrame:
    """One row per body block, `ordinal` in document order."""
    return _explode(structured, "blocks", BLOCKS)


def quote_rows(structured: pl.DataFrame) -> pl.DataFrame:
    return _explode(structured, "quotes", QUOTES)


def _explode(structured: pl.DataFrame, column: str, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    out = (
        structured.select("release_id", "language", "year", column)
        .with_columns(pl.col(column).list.len().alias("_n"))
        .filter(pl.col("_n") > 0)
        .drop("_n")
        .with_columns(pl.int_ranges(pl.col(column).list.len()).alias("ordinal"))
        .explode(column, "ordinal")
        .unnest(column)
    )
    return out.select([pl.col(c).cast(t) for c, t in schema.items()])


def analysis_tables(
    structured: pl.DataFrame,
    payloads: Mapping[str, Mapping[str, object]] | None = None,
) -> tuple[dict[str, pl.DataFrame], dict[str, str]]:
    """Rows of the analyst tables (mentions, quantities, speakers, topics) of `structured`.

    `payloads` (page path -> what a parse worker computed, `analysis.rows.worker_payload`)
    are used when their key matches the text stored here; any other release is analysed
    now. Pure: text in, rows out (the lexicons are read once per process). Also returns
    release_id -> error for releases the analysis failed on (a bug: they are quarantined
    with the error and replayed after the fix, never landed half-analysed)."""
    from ingest.analysis import rows as ar

    payloads = payloads or {}
    out: dict[str, list[tuple[object, ...]]] = {t: [] for t in ANALYSIS_TABLES}
    errors: dict[str, str] = {}
    cols = (
        "release_id",
        "language",
        "year",
        "path",
        "title",
        "subtitle",
        "dateline",
        "body_text",
        "quotes",
    )
    for rid, lang, year, path, title, subtitle, dateline, body, quotes in structured.select(
        cols
    ).iter_rows():
        got = payloads.get(path)
        if got is not None and got.get("key") == ar.fields_key(
            lang, title, subtitle, dateline, body
        ):
            rows: Mapping[str, Any] = got["rows"]  # type: ignore[assignment]
        else:
            try:
                rows = ar.analyze_fields(
                    lang,
                    title,
                    subtitle,
                    dateline,
                    body,
                    [(q["text"], q["speaker"]) for q in quotes or ()],
                )
            except Exception as exc:  # one release's bug must not stop the batch
                errors[rid] = f"{type(exc).__name__}: {exc}"
                continue
        for table, table_rows in rows.items():
            out[table].extend((rid, lang, year, *r) for r in table_rows)
    frames = {}
    for table, (schema, _model) in ANALYSIS_TABLES.items():
        frames[table] = pl.DataFrame(out[table], schema=schema, orient="row")
    return frames, errors


def merge_releases(existing: pl.DataFrame, incoming: pl.DataFrame) -> pl.DataFrame:
    """Upsert incoming rows into a partition: a re-seen release keeps its first_seen_at,
    and an unchanged one keeps its row as it was (no churn on re-runs)."""
    prior = existing.select(
        "release_id", "first_seen_at", "content_hash", "updated_at", "run_id", "parser_version"
    )
    joined = incoming.join(prior, on="release_id", how="left", suffix="_old")
    same = pl.col("content_hash") == pl.col("content_hash_old")
    merged = joined.with_columns(
        pl.coalesce("first_seen_at_old", "first_seen_at").alias("first_seen_at"),
        pl.when(same)
        .then(pl.col("updated_at_old"))
        .otherwise(pl.col("updated_at"))
        .alias("updated_at"),
        pl.when(same).then(pl.col("run_id_old")).otherwise(pl.col("run_id")).alias("run_id"),
    ).select(existing.columns)
    kept = existing.join(incoming.select("release_id"), on="release_id", how="anti")
    return pl.concat([kept, merged]).sort("published_date", "release_id")


def quarantine_rows(
    entries: Sequence[Mapping[str, object]],
    *,
    seen_at: datetime,
    run_id: str,
    source: str | None = None,
) -> pl.DataFrame:
    """Rejected pages/rows -> quarantine rows (url, stage, reason, ...) of `source`."""
    rows = [
        {
            "url": e["url"],
            "path": e["path"],
            "language": e.get("language"),
            "stage": e["stage"],
            "reason": e["reason"],
            "detail": e.get("detail"),
            "raw_path": e.get("raw_path"),
            "parser_version": e.get("parser_version"),
            "run_id": run_id,
            "first_seen_at": seen_at,
            "seen_at": seen_at,
            "attempts": 1,
            "found": e.get("found"),
            "source": e.get("source", source),
        }
        for e in entries
    ]
    return pl.DataFrame(rows, schema=QUARANTINE)


# A page is (source, path): two newsrooms in one lake may publish the same path.
PAGE_KEY = ["source", "path"]


def merge_quarantine(
    existing: pl.DataFrame,
    incoming: pl.DataFrame,
    cleared_paths: Iterable[str],
    source: str | None = None,
) -> pl.DataFrame:
    """Current quarantine: new rejections upserted (attempts counted), passes removed
    (`cleared_paths` of `source`; of any source when None)."""
    cleared = pl.col("path").is_in(pl.Series(list(cleared_paths), dtype=pl.String).implode())
    if source is not None:
        cleared &= pl.col("source") == source
    prior = existing.select(*PAGE_KEY, "first_seen_at", "attempts")
    updated = (
        incoming.join(prior, on=PAGE_KEY, how="left", suffix="_old", nulls_equal=True)
        .with_columns(
            pl.coalesce("first_seen_at_old", "first_seen_at").alias("first_seen_at"),
            (pl.col("attempts_old").fill_null(0) + 1).cast(pl.Int32).alias("attempts"),
        )
        .select(existing.columns)
    )
    kept = existing.join(
        incoming.select(PAGE_KEY), on=PAGE_KEY, how="anti", nulls_equal=True
    ).filter(~cleared.fill_null(False))
    return pl.concat([kept, updated]).sort(PAGE_KEY, nulls_last=True)


def upsert_by(
    existing: pl.DataFrame, incoming: pl.DataFrame, key: str | Sequence[str]
) -> pl.DataFrame:
    """Rows of `incoming` replace rows of `existing` with the same key (one column or
    several)."""
    on = [key] if isinstance(key, str) else list(key)
    kept = existing.join(incoming.select(on), on=on, how="anti", nulls_equal=True)
    return pl.concat([kept, incoming.select(existing.columns)]).sort(on, nulls_last=True)


# ---- revision history -------------------------------------------------------------------

# Which columns of a release make a new revision, and how the change is named.
REVISED_FIELDS = {
    "title": "title",
    "subtitle": "subtitle",
    "published_date": "date",
    "dateline": "dateline",
    "body_text": "body",
}


def changed_fields(old: Mapping[str, object] | None, new: Mapping[str, object]) -> str:
    """'created' for a first version, else the changed fields, e.g. 'title,body'."""
    if old is None:
        return "created"
    names = [label for col, label in REVISED_FIELDS.items() if old.get(col) != new.get(col)]
    return ",".join(names) or "metadata"


def revision_rows(
    changed: pl.DataFrame,
    prior_rows: Mapping[str, Mapping[str, object]],
    prior_revision: Mapping[str, int],
    *,
    now: datetime,
) -> pl.DataFrame:
    """A new current revision for every new or edited release."""
    rows = []
    for r in changed.iter_rows(named=True):
        rid = r["release_id"]
        rows.append(
            {
                **{c: r.get(c) for c in REVISIONS},
                "revision": prior_revision.get(rid, 0) + 1,
                "valid_from": now,
                "valid_to": None,
                "status": "current",
                "changed": changed_fields(prior_rows.get(rid), r),
            }
        )
    return pl.DataFrame(rows, schema=REVISIONS)


def close_revisions(
    revisions: pl.DataFrame, closing: Mapping[str, str], *, now: datetime
) -> pl.DataFrame:
    """End the current revision of each release in `closing` (id -> superseded | gone)."""
    if not closing:
        return revisions
    ends = pl.DataFrame(
        {"release_id": list(closing), "_end": list(closing.values())},
        schema={"release_id": pl.String, "_end": pl.String},
    )
    hit = (pl.col("status") == "current") & pl.col("_end").is_not_null()
    return (
        revisions.join(ends, on="release_id", how="left")
        .with_columns(
            pl.when(hit)
            .then(pl.lit(now).cast(REVISIONS["valid_to"]))
            .otherwise(pl.col("valid_to"))
            .alias("valid_to"),
            pl.when(hit).then(pl.col("_end")).otherwise(pl.col("status")).alias("status"),
        )
        .drop("_end")
    )
