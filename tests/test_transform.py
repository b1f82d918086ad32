from __future__ import annotations

import json
from datetime import UTC, datetime

import polars as pl

from ingest import transform as tf
from ingest.schemas import RELEASES

NOW = datetime(2026, 11, 29, 6, 30, tzinfo=UTC)
LATER = datetime(2026, 11, 30, 6, 30, tzinfo=UTC)


def record(
    path: str,
    language: str,
    body: list[str],
    translations: dict[str, str],
    date: str = "2023-02-09",
    title: str = "A title",
) -> dict:
    return {
        "path": path,
        "url": f"http://127.0.0.1:9{path}",
        "language": language,
        "title": title,
        "subtitle": "  A  standfirst\u200b ",
        "published_date": date,
        "dateline": "LYON (France)",
        "translations": translations,
        "parser_version": "t",
        "blocks": [{"kind": "paragraph", "text": t} for t in body],
        "quotes": [{"text": "We act together", "speaker": "Jane Doe"}],
        "extraction_method": "dom",
        "date_source": "json_ld",
    }


FAMILY = {
    "en": "/en/News-and-Events/News/2023/Op-Alpha",
    "fr": "/fr/Actualites-et-evenements/Actualites/2023/Op-Alpha-fr",
    "ar": "/ar/1/1/2023/Op-Alpha",
}


def family_records() -> list[dict]:
    full = {lang: f"http://x{p}" for lang, p in FAMILY.items()}
    return [
        record(
            FAMILY["en"],
            "en",
            ["One two  three.", "Four\tfive"],
            {k: v for k, v in full.items() if k != "en"},
        ),
        record(FAMILY["fr"], "fr", ["Un deux trois."], {"en": full["en"]}),
        # The Arabic page only knows the French version: the family is still found
        # through the English path the French page links.
        record(FAMILY["ar"], "ar", ["واحد اثنان ثلاثة"], {"en": full["en"]}, date="٢٠٢٣-٠٢-٠٩"),
    ]


def structured(records: list[dict], now: datetime = NOW) -> pl.DataFrame:
    raw = tf.raw_releases_frame(records)
    return tf.structure_releases(raw, source="interpol", seen_at=now, run_id="r1")


def test_structure_releases_derives_columns():
    s = structured(family_records())
    rel = tf.release_rows(s)
    assert rel.columns == list(RELEASES)
    en = rel.filter(pl.col("language") == "en").row(0, named=True)
    assert en["subtitle"] == "A standfirst"
    assert en["body_text"] == "One two three.\n\nFour five"
    assert en["word_count"] == 5
    assert en["year"] == 2023
    assert len(en["release_id"]) == 16 and len(en["content_hash"]) == 64
    assert json.loads(en["translations"])["fr"].endswith("Op-Alpha-fr")
    ar = rel.filter(pl.col("language") == "ar").row(0, named=True)
    assert str(ar["published_date"]) == "2023-02-09"  # Arabic-Indic digits read
    assert ar["body_text"] == "واحد اثنان ثلاثة"  # RTL text untouched


def test_translation_key_shared_by_family_and_ids_stable():
    a = tf.release_rows(structured(family_records()))
    assert a["translation_key"].n_unique() == 1
    assert a["release_id"].n_unique() == 3
    b = tf.release_rows(structured(family_records(), now=LATER))
    assert a.sort("path")["release_id"].to_list() == b.sort("path")["release_id"].to_list()


def test_content_hash_changes_with_body_only():
    recs = family_records()
    h1 = tf.release_rows(structured(recs))["content_hash"].to_list()
    recs[0]["blocks"][0]["text"] = "One two three, edited."
    h2 = tf.release_rows(structured(recs))["content_hash"].to_list()
    assert h1[0] != h2[0] and h1[1:] == h2[1:]


def test_blocks_exploded_in_order_and_empty_blocks_dropped():
    recs = family_records()
    recs[0]["blocks"].insert(1, {"kind": "paragraph", "text": "  \u200b "})
    blocks = tf.block_rows(structured(recs))
    en = blocks.filter(pl.col("language") == "en").sort("ordinal")
    assert en["ordinal"].to_list() == [0, 1]
    assert en["text"].to_list() == ["One two three.", "Four five"]
    quotes = tf.quote_rows(structured(recs))
    assert quotes.height == 3 and set(quotes["speaker"]) == {"Jane Doe"}


def test_merge_releases_keeps_first_seen_and_replaces_changed_row():
    first = tf.release_rows(structured(family_records()))
    recs = family_records()
    recs[0]["title"] = "A better title"
    second = tf.release_rows(structured(recs, now=LATER))
    merged = tf.merge_releases(first, second)
    assert merged.height == 3
    en = merged.filter(pl.col("language") == "en").row(0, named=True)
    assert en["title"] == "A better title"
    assert en["first_seen_at"] == NOW and en["updated_at"] == LATER
    fr = merged.filter(pl.col("language") == "fr").row(0, named=True)
    assert fr["updated_at"] == NOW  # unchanged content keeps its row as it was


def test_dedupe_latest_keeps_last():
    s = structured([*family_records(), family_records()[0] | {"title": "Newest"}])
    d = tf.dedupe_latest(s, "release_id")
    assert d.height == 3
    assert d.filter(pl.col("language") == "en")["title"].item() == "Newest"


def test_family_path_prefers_english_then_smallest():
    assert tf.family_path("/fr/x", "fr", {"en": "http://h/en/y/"}) == "/en/y"
    assert tf.family_path("/fr/x", "fr", {"es": "http://h/es/z"}) == "/es/z"


def test_quarantine_merge_counts_attempts_and_clears_passes():
    e1 = [
        {"url": "u1", "path": "/a", "stage": "extract", "reason": "no_date"},
        {"url": "u2", "path": "/b", "stage": "extract", "reason": "no_title"},
    ]
    q1 = tf.merge_quarantine(
        tf.quarantine_rows([], seen_at=NOW, run_id="r"),
        tf.quarantine_rows(e1, seen_at=NOW, run_id="r1"),
        [],
    )
    q2 = tf.merge_quarantine(q1, tf.quarantine_rows(e1[:1], seen_at=LATER, run_id="r2"), ["/b"])
    assert q2["path"].to_list() == ["/a"]
    row = q2.row(0, named=True)
    assert row["attempts"] == 2 and row["first_seen_at"] == NOW and row["seen_at"] == LATER
