"""The analysis of a release as plain rows for the lake tables, and the worker's share.

Analysis runs where extraction runs: in the parse workers (`pagepool`), right after
`extract_release`, on the fields normalised exactly as the transform will store them
(`lake_fields`, the same steps as `transform.normalized`). The worker ships plain tuples
and a key of the text it read; the transform checks the key against the stored text and
analyses again any release whose text differs (or that came without a worker payload:
inline batches, replay, reprocess), so offsets always index the stored `body_text`.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from ingest.analysis import ANALYSIS_VERSION
from ingest.analysis.release import ReleaseAnalysis, analyze

# transform.normalized, in Python: NFC, invisible characters out, whitespace collapsed.
# Its `replace_all(r"\s\s+|[^\S ]", " ")` then strip is `" ".join(text.split())` here
# (Python's regex \s and str.isspace are the same set), and the invisible characters go
# by str.replace: both several times faster than the regex scans.
_INVISIBLE_CHARS = "\u200b\u200c\ufeff\u2060\u00ad"
_SEP = "\x00"

MENTION_COLS = ("ordinal", "kind", "text", "code", "field", "start", "end", "form")
QUANTITY_COLS = (
    "ordinal",
    "kind",
    "value",
    "unit",
    "item",
    "number",
    "text",
    "field",
    "start",
    "end",
    "qualifier",
)
SPEAKER_COLS = (
    "quote_ordinal",
    "name",
    "role",
    "role_en",
    "organisation",
    "organisation_code",
    "attribution",
    "resolved_from",
)
TOPIC_COLS = ("topic", "score", "ordinal", "text", "field", "start", "end", "weight")
TABLES = {
    "mentions": MENTION_COLS,
    "quantities": QUANTITY_COLS,
    "speakers": SPEAKER_COLS,
    "topics": TOPIC_COLS,
}

Fields = tuple[str | None, str | None, str | None, str, list[tuple[str, str | None]]]


def normalize(text: str | None) -> str | None:
    if text is None:
        return None
    return _squeezed(_visible(unicodedata.normalize("NFC", text))) or None


def _squeezed(text: str) -> str:
    """`" ".join(text.split())`. Every whitespace character but the space is unprintable,
    so a printable text without two spaces in a row needs at most its ends stripped."""
    if "  " not in text and text.isprintable():
        return text.strip()
    return " ".join(text.split())


def _visible(text: str) -> str:
    """`text` without the _INVISIBLE characters (str.replace, faster than a regex scan)."""
    if text.isascii():
        return text
    for ch in _INVISIBLE_CHARS:
        if ch in text:
            text = text.replace(ch, "")
    return text


def normalize_many(texts: Sequence[str | None]) -> list[str | None]:
    """`normalize` of each text, in one pass over them all (a release has dozens of blocks:
    the calls per block cost more than the work they do)."""
    present = [t for t in texts if t is not None]
    joined = _SEP.join(present)
    # NUL is a starter that composes with nothing and is not whitespace, so no step of
    # `normalize` reaches across it; a text that holds one is normalised alone
    if joined.count(_SEP) != len(present) - 1:
        return [normalize(t) for t in texts]
    joined = _visible(unicodedata.normalize("NFC", joined))
    parts = joined.split(_SEP)
    # (_squeezed of every part at once: the same test, on the whole text)
    if "  " not in joined and joined.replace(_SEP, "").isprintable():
        done = iter(map(str.strip, parts))
    else:
        done = iter(map(_squeezed, parts))
    return [None if t is None else next(done) or None for t in texts]


def lake_fields(record: Mapping[str, Any]) -> Fields:
    """(title, subtitle, dateline, body_text, quotes) as the transform stores them."""
    blocks = [b.get("text") for b in record.get("blocks") or ()]
    quotes = record.get("quotes") or ()
    head = [record.get("title"), record.get("subtitle"), record.get("dateline")]
    for q in quotes:
        head += (q.get("text"), q.get("speaker"))
    done = normalize_many(head + blocks)
    k = len(head)
    return (
        done[0],
        done[1],
        done[2],
        "\n\n".join(b for b in done[k:] if b),
        [(done[i] or "", done[i + 1]) for i in range(3, k, 2)],
    )


def fields_key(
    language: str, title: str | None, subtitle: str | None, dateline: str | None, body: str | None
) -> str:
    h = hashlib.blake2b(digest_size=12)
    for part in (ANALYSIS_VERSION, language, title, subtitle, dateline, body):
        h.update((part or "").encode())
        h.update(b"\x1f")
    return h.hexdigest()


def table_rows(a: ReleaseAnalysis) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of one release for each analysis table (without release_id/language/year)."""
    topics = []
    k = 0
    for topic, (score, evidence) in sorted(a.topics.items()):
        for ev in evidence:
            topics.append(
                (topic, round(score, 3), k, ev.text, ev.field, ev.start, ev.end, ev.weight)
            )
            k += 1
    return {
        "mentions": [
            (i, m.kind, m.text, m.code, m.field, m.start, m.end, m.form)
            for i, m in enumerate(a.mentions)
        ],
        "quantities": [
            (
                i,
                q.kind,
                q.value,
                q.unit,
                q.item,
                q.number,
                q.text,
                q.field,
                q.start,
                q.end,
                q.qualifier,
            )
            for i, q in enumerate(a.quantities)
        ],
        "speakers": [
            (
                s.quote_ordinal,
                s.name,
                s.role,
                s.role_en,
                s.organisation,
                s.organisation_code,
                s.attribution,
                s.resolved_from,
            )
            for s in a.speakers
        ],
        "topics": topics,
    }


def analyze_fields(
    language: str,
    title: str | None,
    subtitle: str | None,
    dateline: str | None,
    body: str | None,
    quotes: Sequence[tuple[str, str | None]],
) -> dict[str, list[tuple[Any, ...]]]:
    return table_rows(
        analyze(
            language, title=title, subtitle=subtitle, dateline=dateline, body=body, quotes=quotes
        )
    )


def worker_payload(record: Mapping[str, Any]) -> dict[str, Any]:
    """What a parse worker adds to an extracted record: the rows and the key of the text."""
    title, subtitle, dateline, body, quotes = lake_fields(record)
    lang = str(record.get("language") or "en")
    return {
        "key": fields_key(lang, title, subtitle, dateline, body),
        "rows": analyze_fields(lang, title, subtitle, dateline, body, quotes),
    }
