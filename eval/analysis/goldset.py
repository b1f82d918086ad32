"""The hand-labelled releases of eval/analysis/releases-*.txt (format: README.md here)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).parent


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    text: str
    tag: str

    @property
    def kind(self) -> str:
        return {
            "c": "country",
            "p": "place",
            "o": "organisation",
            "op": "operation",
            "per": "person",
            "q": "quantity",
        }[self.tag.split(":")[0]]

    def part(self, i: int) -> str | None:
        parts = self.tag.split(":")
        return parts[i] if len(parts) > i and parts[i] != "" else None


@dataclass(slots=True)
class GoldRelease:
    id: str
    language: str
    split: str
    title: str
    dateline: str | None
    dateline_country: str | None
    topics: set[str]
    speakers: dict[int, tuple[str, str, str]]
    paragraphs: list[str]
    spans: list[Span] = field(default_factory=list)

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)


_OPEN, _CLOSE = "[[", "]]{"


def strip_markup(marked: str) -> tuple[str, list[tuple[int, int, str]]]:
    """Plain text and (start, end, tag) of every [[...]]{tag}, nesting allowed."""
    out: list[str] = []
    spans: list[tuple[int, int, str]] = []
    stack: list[int] = []
    i, n, pos = 0, len(marked), 0
    while i < n:
        if marked.startswith(_OPEN, i):
            stack.append(pos)
            i += 2
        elif marked.startswith(_CLOSE, i) and stack:
            j = marked.index("}", i + 3)
            spans.append((stack.pop(), pos, marked[i + 3 : j]))
            i = j + 1
        else:
            out.append(marked[i])
            pos += 1
            i += 1
    if stack:
        raise ValueError(f"unclosed [[ in: {marked[:80]}")
    return "".join(out), spans


def load(language: str | None = None) -> list[GoldRelease]:
    releases = []
    for path in sorted(HERE.glob("releases-*.txt")):
        lang = path.stem.split("-", 1)[1]
        if language and lang != language:
            continue
        for block in re.split(r"^=== ", path.read_text(encoding="utf-8"), flags=re.M)[1:]:
            releases.append(_parse(block, lang))
    return releases


def _parse(block: str, lang: str) -> GoldRelease:
    head, _, body = block.partition("\n---\n")
    lines = head.splitlines()
    rid = lines[0].strip()
    meta: dict[str, str] = {}
    speakers: dict[int, tuple[str, str, str]] = {}
    for ln in lines[1:]:
        key, _, value = ln.partition(":")
        m = re.match(r"speaker (\d+)$", key.strip())
        if m:
            parts = [p.strip() for p in value.split("|")] + ["", "", ""]
            speakers[int(m.group(1))] = (parts[0], parts[1], parts[2])
        else:
            meta[key.strip()] = value.strip()
    paras_marked = [p.strip() for p in body.strip().split("\n\n") if p.strip()]
    plain, spans = strip_markup("\n\n".join(paras_marked))
    rel = GoldRelease(
        id=rid,
        language=lang,
        split=meta.get("split", "dev"),
        title=meta.get("title", ""),
        dateline=meta.get("dateline") or None,
        dateline_country=meta.get("dateline_country") or None,
        topics={t.strip() for t in meta.get("topics", "").split(",") if t.strip()},
        speakers=speakers,
        paragraphs=plain.split("\n\n"),
    )
    rel.spans = [Span(s, e, plain[s:e], tag) for s, e, tag in spans]
    return rel
