"""Everything the analyst layer finds in one release.

`analyze` takes the fields of a release as they are stored in the lake (after the
transform's normalisation) and returns mentions, quantities, speakers and topics with
offsets into those very strings. Each field is folded once and scanned once by the
language's automaton; the modules then read the same matches.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ingest.analysis import mentions as mn
from ingest.analysis import quantities as qt
from ingest.analysis import speakers as sp
from ingest.analysis import topics as tp
from ingest.analysis.gazetteer import LANGS, matcher
from ingest.analysis.matcher import Match, longest, of
from ingest.analysis.text import Folded, fold, fold_pattern, is_arabic

_CAP_RUN = re.compile(
    r"(?:[A-ZÀ-ÖØ-ÞĀ-Ž][\w’'-]+)(?:\s+(?:(?:de|da|del|van|von|bin|al|el|dos)"
    r"\s+)?[A-ZÀ-ÖØ-ÞĀ-Ž][\w’'-]+){1,3}"
)


_FIELD_ORDER = {"title": 0, "subtitle": 1, "dateline": 2}


@dataclass(slots=True)
class ReleaseAnalysis:
    mentions: list[mn.Mention] = field(default_factory=list)
    quantities: list[qt.Quantity] = field(default_factory=list)
    speakers: list[sp.Speaker] = field(default_factory=list)
    topics: dict[str, tuple[float, list[tp.Evidence]]] = field(default_factory=dict)

    def dateline_country(self) -> str | None:
        """The dateline's country: a country it names, else its place's country."""
        dl = [m for m in self.mentions if m.field == "dateline"]
        for kind in ("country", "place"):
            for m in dl:
                if m.kind == kind and m.code:
                    return m.code
        return None


def analyze(
    language: str,
    *,
    title: str | None,
    subtitle: str | None,
    dateline: str | None,
    body: str | None,
    quotes: Sequence[tuple[str, str | None]] = (),
) -> ReleaseAnalysis:
    lang = language if language in LANGS else "en"
    auto = matcher(lang)
    out = ReleaseAnalysis()
    evidence: list[tp.Evidence] = []
    body = body or ""
    body_matches: list[Match] = []
    body_folded = None
    for name, text in (
        ("title", title),
        ("subtitle", subtitle),
        ("dateline", dateline),
        ("body", body),
    ):
        if not text:
            continue
        folded = fold(text)
        matches = auto.find(folded)
        out.mentions += mn.geo_mentions(folded, matches, name)
        out.mentions += mn.organisation_mentions(folded, matches, name, lang)
        if name != "dateline":
            out.mentions += mn.operation_mentions(text, name, lang)
            lead_end = text.find("\n\n") if name == "body" else 0
            evidence += tp.topic_evidence(
                text,
                matches,
                name,
                lead_end if lead_end >= 0 else len(text),
                _quote_spans(text, quotes) if name == "body" else (),
            )
        if name == "body":
            out.quantities = qt.find_quantities(folded, matches, name, lang)
            body_matches, body_folded = matches, folded
    out.speakers = sp.attribute(quotes, body, auto)
    if body_folded is not None:
        out.mentions += _person_mentions(body_folded, body_matches, out.speakers, lang)
    out.topics = tp.score_topics(evidence)
    _sort_mentions(out.mentions)
    return out


_START_KIND = operator.attrgetter("start", "kind")
_FIELD = operator.attrgetter("field")


def _sort_mentions(mentions: list[mn.Mention]) -> None:
    """Sort by (_FIELD_ORDER, start, kind) with C-level keys: title, subtitle, dateline,
    body is reverse alphabetical order, and both sorts are stable."""
    if all(m.field in _FIELD_ORDER or m.field == "body" for m in mentions):
        mentions.sort(key=_START_KIND)
        mentions.sort(key=_FIELD, reverse=True)
    else:
        mentions.sort(key=lambda m: (_FIELD_ORDER.get(m.field, 3), m.start, m.kind))


def _quote_spans(body: str, quotes: Sequence[tuple[str, str | None]]) -> list[tuple[int, int]]:
    spans = []
    for text, _spk in quotes:
        i = body.find(text[:40]) if text else -1
        if i >= 0:
            spans.append((i, i + len(text)))
    return spans


def _person_mentions(
    folded: Folded, matches: Sequence[Match], speakers: Sequence[sp.Speaker], lang: str
) -> list[mn.Mention]:
    """Speakers' names where the body writes them (full, or the surname after a title),
    and, in Latin scripts, capitalised names right after a role or courtesy title."""
    text, orig = folded.text, folded.original
    roles = longest(of(matches, "role"))
    blocked: list[Match] | None = None  # read only after a role and a capitalised run
    spans: dict[tuple[int, int], mn.Mention] = {}

    def add(s: int, e: int) -> None:
        if any(a <= s < b or s <= a < e for a, b in spans):
            return
        spans[(s, e)] = mn.Mention("person", orig[s:e], None, "body", s, e, "name")

    names = {s.name for s in speakers if s.name} | {
        s.resolved_from for s in speakers if s.resolved_from
    }
    for name in sorted(names, key=len, reverse=True):
        pat = fold_pattern(name)
        surname = pat.split()[-1] if len(pat.split()) > 1 else None
        for needle in filter(None, (pat, surname)):
            start = 0
            while True:
                i = text.find(needle, start)
                if i < 0:
                    break
                start = i + 1
                j = i + len(needle)
                if (i > 0 and text[i - 1].isalnum() and not is_arabic(text[i - 1])) or (
                    j < len(text) and text[j].isalnum()
                ):
                    continue
                if is_arabic(needle[0]) and i > 0 and text[i - 1].isalpha():
                    continue
                s, e = folded.span(i, j)
                if needle is surname and not is_arabic(needle[0]) and not orig[s].isupper():
                    continue
                add(s, e)
    if lang != "ar":
        for r in roles:
            m = (
                _CAP_RUN.match(orig, r.end + 1)
                if r.end < len(orig) and orig[r.end] == " "
                else None
            )
            if m is None:
                continue
            s, e = m.span()
            if blocked is None:
                blocked = of(matches, "country", "place", "organisation")
            if any(b.start < e and s < b.end for b in blocked):
                continue
            add(s, e)
    return sorted(spans.values(), key=operator.attrgetter("start"))
