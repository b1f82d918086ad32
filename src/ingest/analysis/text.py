"""Folding text for matching, with offsets that always map back into the original.

Matching happens on a *folded* copy of a text: lower case, Latin diacritics off (é -> e),
Arabic letter variants merged (أ إ آ ٱ -> ا, ى -> ي, ة -> ه, ؤ -> و, ئ -> ي), Arabic-Indic
digits as ASCII, typographic apostrophes, quotes, dashes and spaces as their plain forms.
Every folded character stands for exactly one original character, except that Arabic
short vowels, shadda, tatweel, combining marks and direction marks are dropped; `Folded`
keeps the few positions needed to turn a folded offset back into an original one, so a
match found in the folded text is reported as `original[start:end]`.

Word boundaries are judged on the folded text. Arabic attaches the conjunctions و ف, the
prepositions ب ل ك and the article ال to the next word (وبالمغرب, للإمارات): `arabic_prefix`
tells which clitics stand before a match, and a match is a word when they are a valid
sequence (see `ARABIC_PROCLITICS`).
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass

__all__ = [
    "ARABIC_ARTICLE_PROCLITICS",
    "ARABIC_PROCLITICS",
    "Folded",
    "arabic_prefix",
    "fold",
    "fold_pattern",
    "is_arabic",
    "is_word_char",
]

# Dropped when folding: Arabic harakat and tanwin, shadda, sukun, superscript alef, Quranic
# marks, tatweel, Latin combining marks, and the direction/joiner controls the lake keeps.
_DROP_RANGES = [
    (0x0300, 0x036F),
    (0x0610, 0x061A),
    (0x064B, 0x065F),
    (0x0670, 0x0670),
    (0x06D6, 0x06ED),
    (0x0640, 0x0640),
    (0x200D, 0x200F),
    (0x202A, 0x202E),
    (0x2066, 0x2069),
]
_DROP = "".join(chr(c) for a, b in _DROP_RANGES for c in range(a, b + 1))
_DROP_RE = re.compile(f"[{re.escape(_DROP)}]")
# What a span's end takes in after its last letter: the marks, not the direction controls.
_TRAILING_MARKS = frozenset(c for c in _DROP if not "\u200d" <= c <= "\u206f")

_SPECIAL: dict[str, str] = {
    # Arabic letter variants
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "ٱ": "ا",
    "ى": "ي",
    "ة": "ه",
    "ؤ": "و",
    "ئ": "ي",
    "ی": "ي",
    "ک": "ك",
    "ۀ": "ه",
    "ە": "ه",
    # punctuation
    "’": "'",
    "‘": "'",
    "‛": "'",
    "ʼ": "'",
    "`": "'",
    "´": "'",
    "′": "'",
    "“": '"',
    "”": '"',
    "„": '"',
    "«": '"',
    "»": '"',
    "‐": "-",
    "‑": "-",
    "‒": "-",
    "–": "-",
    "—": "-",
    "―": "-",
    "−": "-",
    "\u00a0": " ",
    "\u202f": " ",
    "\u2009": " ",
    "\u2007": " ",
    "\u2002": " ",
    "\u2003": " ",
    "\u2008": " ",
    "\u200a": " ",
    "\t": " ",
    "\r": " ",
    "ß": "s",
    "æ": "a",
    "œ": "o",
    "ø": "o",
    "đ": "d",
    "ł": "l",
    "ı": "i",
    "İ": "i",
    "ŀ": "l",
    "ħ": "h",
}
for _i, _d in enumerate("٠١٢٣٤٥٦٧٨٩"):
    _SPECIAL[_d] = str(_i)
for _i, _d in enumerate("۰۱۲۳۴۵۶۷۸۹"):
    _SPECIAL[_d] = str(_i)


def _build_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {ord(c): None for c in _DROP}
    ranges = [(0x0041, 0x024F), (0x0370, 0x03FF), (0x0400, 0x04FF), (0x1E00, 0x1EFF)]
    for a, b in ranges:
        for cp in range(a, b + 1):
            ch = chr(cp)
            base = unicodedata.normalize("NFD", ch)
            base = "".join(c for c in base if not unicodedata.combining(c)) or ch
            low = base.lower()
            if len(low) == 1 and low != ch:
                table[cp] = low
    for src, dst in _SPECIAL.items():
        table[ord(src)] = dst
    # str.translate treats a character missing from the table as itself, but by way of a
    # LookupError each time: mapping the common blocks to themselves folds Arabic text
    # (translated whole) a third faster
    for a, b in ((0x0000, 0x2FFF), (0xFB50, 0xFEFF)):
        for cp in range(a, b + 1):
            table.setdefault(cp, chr(cp))
    return table


_TABLE = _build_table()


def is_arabic(ch: str) -> bool:
    return "\u0600" <= ch <= "\u06ff" or "\u0750" <= ch <= "\u077f"


def is_word_char(ch: str) -> bool:
    return ch.isalnum()


@dataclass(frozen=True, slots=True)
class Folded:
    """A folded text and the way back to the original's offsets."""

    original: str
    text: str
    _gaps: tuple[int, ...] = ()  # folded index after each dropped character, sorted

    @property
    def has_gaps(self) -> bool:
        """Whether characters were dropped (else folded offsets are original offsets)."""
        return bool(self._gaps)

    def start(self, i: int) -> int:
        """Original offset of folded character `i`."""
        if not self._gaps:
            return i
        return i + bisect.bisect_right(self._gaps, i)

    def end(self, j: int) -> int:
        """Original end offset (exclusive) of a folded span ending at `j` (exclusive).

        Marks that belong to the last letter (a shadda, a vowel sign) stay in the span."""
        if j <= 0:
            return 0
        if not self._gaps:
            return j
        e = j + bisect.bisect_right(self._gaps, j - 1)
        orig = self.original
        n = len(orig)
        while e < n and orig[e] in _TRAILING_MARKS:
            e += 1
        return e

    def span(self, i: int, j: int) -> tuple[int, int]:
        gaps = self._gaps
        if not gaps:
            return i, (j if j > 0 else 0)
        return i + bisect.bisect_right(gaps, i), self.end(j)


# Runs of non-ASCII characters: a mostly Latin text folds faster run by run than through
# a per-character translate of the whole text (4x on English bodies, 2.5x on French).
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def _fold_run(m: re.Match[str]) -> str:
    return m.group().translate(_TABLE)


def fold(text: str) -> Folded:
    """Fold `text` for matching (see the module docstring)."""
    if text.isascii():
        return Folded(text, text.lower())
    # UTF-8 bytes beyond one per character: about one per accented letter, one per letter
    # of an Arabic text
    if (len(text.encode()) - len(text)) * 4 < len(text):
        translated = _NON_ASCII.sub(_fold_run, text)
    else:
        translated = text.translate(_TABLE)
    # the table maps every character to at most one, and only the dropped ones to none
    dropped = len(text) - len(translated)
    folded = translated.lower()
    if not dropped and len(folded) == len(text):
        return Folded(text, folded)
    # lower() may lengthen a few characters outside the table; fold those one by one.
    if len(folded) + dropped != len(text):
        folded = "".join(_fold_char(c) for c in text)
    if not dropped:
        return Folded(text, folded)
    gaps = [m.start() - k for k, m in enumerate(_DROP_RE.finditer(text))]
    return Folded(text, folded, tuple(gaps))


def _fold_char(c: str) -> str:
    t = c.translate(_TABLE)
    if not t:
        return ""
    low = t.lower()
    return low if len(low) == 1 else t


def fold_pattern(text: str) -> str:
    """Fold a gazetteer entry the way texts are folded, spaces squeezed."""
    return " ".join(fold(unicodedata.normalize("NFC", text)).text.split())


# Arabic proclitics: what may stand glued before a word. A word that begins with the
# article ال takes و ف then ب ك before it (وبالمغرب), or ل which swallows the article's
# alef (للإمارات = ل + الإمارات).
ARABIC_PROCLITICS = frozenset({"", "و", "ف", "ب", "ل", "ك", "وب", "ول", "وك", "فب", "فل", "فك"})
ARABIC_ARTICLE_PROCLITICS = frozenset(
    {p + "ال" for p in ("", "و", "ف", "ب", "ك", "وب", "فب", "وك", "فك")} | {"لل", "ولل", "فلل"}
)


def arabic_prefix(folded: str, start: int) -> str:
    """The Arabic letters glued before `start` (back to the previous non-letter)."""
    i = start
    while i > 0 and is_arabic(folded[i - 1]) and folded[i - 1].isalpha():
        i -= 1
        if start - i > 4:
            break
    return folded[i:start]
