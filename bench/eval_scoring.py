"""How extraction is scored (used by `make eval` and by the tests of the scorer).

Body text is compared as multisets of word 4-grams ("shingles"), as the public
article-extraction benchmarks do (e.g. Scrapinghub's article-extraction-benchmark):

* normalisation: Unicode NFKC, case folded; tokens are runs of letters/digits (`\\w+`),
  except that Chinese and Japanese characters (Han, Hiragana, Katakana) are one token each,
  because those scripts do not separate words with spaces; punctuation and whitespace are
  dropped, so line breaks, quotes and dashes never count;
* shingles: every run of 4 consecutive tokens, counted (a repeated sentence counts twice);
  a text of fewer than 4 tokens is one shingle of all its tokens;
* precision = shared shingles / extracted shingles, recall = shared / expected,
  F1 = their harmonic mean, per page; a refused page (no output) scores 0 on all three.

Titles are compared after NFKC, whitespace collapsing and case folding; dates as calendar
dates (the expected date as the publisher wrote it, in its own offset).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

SHINGLE = 4
_CJK = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
_TOKEN = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+")


def tokens(text: str | None) -> list[str]:
    return _TOKEN.findall(unicodedata.normalize("NFKC", text or "").casefold())


def shingles(text: str | None, n: int = SHINGLE) -> Counter[tuple[str, ...]]:
    toks = tokens(text)
    if not toks:
        return Counter()
    if len(toks) < n:
        return Counter([tuple(toks)])
    return Counter(tuple(toks[i : i + n]) for i in range(len(toks) - n + 1))


def prf(got: str | None, want: str | None) -> tuple[float, float, float]:
    """(precision, recall, F1) of `got` against `want` over word 4-gram multisets."""
    g, w = shingles(got), shingles(want)
    if not g or not w:
        return (1.0, 1.0, 1.0) if not g and not w else (0.0, 0.0, 0.0)
    shared = sum((g & w).values())
    p, r = shared / sum(g.values()), shared / sum(w.values())
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def norm_title(s: str | None) -> str:
    return " ".join(unicodedata.normalize("NFKC", s or "").casefold().split())


def missing_and_extra(got: str, want: str, limit: int = 1) -> tuple[list[str], list[str]]:
    """Short excerpts of expected text we missed and of text we added (for the report)."""
    g, w = shingles(got), shingles(want)

    def runs(text: str, other: Counter) -> list[str]:
        toks = tokens(text)
        out: list[str] = []
        i = 0
        while i <= len(toks) - SHINGLE and len(out) < limit:
            if tuple(toks[i : i + SHINGLE]) not in other:
                j = i
                while j <= len(toks) - SHINGLE and tuple(toks[j : j + SHINGLE]) not in other:
                    j += 1
                if j - i >= 8:  # a real passage, not a seam between two blocks
                    out.append(" ".join(toks[i : min(j + SHINGLE - 1, i + 14)]))
                i = j
            i += 1
        return out

    return runs(want, g), runs(got, w)
