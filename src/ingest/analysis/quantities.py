"""Quantities: arrests, seizures (amount, unit, item), rescues, victims and counts.

A quantity is a number (digits, or number words such as "three", "ثلاثة", "vingt-six")
with what follows it: a multiplier (million, مليون), then a unit (tonnes, kg, litres, a
currency) or a counted noun (countries, officials, victims, بلدا...) within a couple of
words; "of/de/من" and adjectives may stand between. Its kind comes from that noun and from
the event words of its sentence, the nearest one winning (arrested -> arrests, rescued ->
rescued, identified -> victims_identified, seized -> seizure). A number followed by a time
noun ("three days", "ثلاثة أيام") is a duration and a number with a percent sign or
"per cent" a share: neither is a quantity. Years and dates have no noun and no unit after
them, so they yield nothing.

Units are normalised to t, kg, l, units (counted items) or an ISO 4217 code; `value` is the
number times its multiplier and unit factor (500 grams -> 0.5 kg), as a DOUBLE.
"""

from __future__ import annotations

import bisect
import operator
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.analysis.matcher import Match, of
from ingest.analysis.numbers import NUMBER_GLUED, NUMBER_RE, parse_number
from ingest.analysis.text import Folded

# Words a counted noun may be away from its number ("19 African countries").
MAX_GAP_WORDS = 1
# Characters an item may be after its unit ("3,2 أطنان من الكوكايين").
MAX_ITEM_CHARS = 45
_LINKERS = frozenset(
    (  # noqa: SIM905 (a word list reads better as text)
        "of de d' del des du la el los las in من the le les a an "
    ).split()
)
# A counted noun is not reached across a clause: "41 locales en los que las víctimas".
_CLAUSE = frozenset(
    (  # noqa: SIM905 (a word list reads better as text)
        "que qui which that who whose where où donde dont الذي التي الذين en "
    ).split()
)
_COMPLEMENT = frozenset(["of", "de", "d'", "del", "des", "du", "من"])
_GENERIC_ITEMS = frozenset({"pills", "medicines", "drugs", "devices", "documents"})
_PUNCT = re.compile(r"[.!?؟;؛\n]")
_WORD_POINT = re.compile(r"\.(?=\w)")
_SYMBOL_BEFORE = re.compile(r"(US\$|R\$|C\$|A\$|\$|€|£)\s?\Z")
_SYMBOLS = {"US$": "USD", "$": "USD", "R$": "BRL", "C$": "CAD", "A$": "AUD", "€": "EUR", "£": "GBP"}
_PERCENT_AFTER = re.compile(r"^\s?(?:%|٪)")
# One-letter units and multipliers, read only right after a number: 3 t, 500 g, USD 5m.
_SHORT_UNIT = re.compile(r"^\s?(t|g|l)(?![\w'’])")
_SHORT_UNITS = {"t": ("t", 1.0), "g": ("kg", 0.001), "l": ("l", 1.0)}
_SHORT_MULT = re.compile(r"^(m|bn|k)(?![\w'’])")
_SHORT_MULTS = {"m": 1e6, "bn": 1e9, "k": 1e3}
_COUNT_KINDS = {
    "countries": "countries",
    "officials": "officials",
    "participants": "participants",
    "arrests": "arrests",
    "seizures": "seizures",
}
_PEOPLE = ("persons", "children", "victims", "migrants")


@dataclass(frozen=True, slots=True)
class Quantity:
    kind: str
    value: float
    unit: str | None
    item: str | None
    number: str  # as printed
    text: str
    field: str
    start: int
    end: int
    qualifier: str | None = None


@dataclass(slots=True)
class _Num:
    fs: int  # folded span of the whole number (words or digits, multiplier included)
    fe: int
    value: float
    digits_end: int  # folded end of the number itself, before a multiplier


def _numbers(folded: Folded, words: Sequence[Match], lang: str) -> list[_Num]:
    text = folded.text
    out: list[_Num] = []
    n_text = len(text)
    for m in NUMBER_RE.finditer(text):
        s, e = m.span()
        if s:
            before = text[s - 1]
            if before in NUMBER_GLUED:
                continue
            # only a one-letter Arabic clitic may be glued to a number: و19, ب150
            if before.isalpha() and (before not in "وبل" or (s > 1 and text[s - 2].isalpha())):
                continue
            if before in "-/":
                continue  # ranges and dates: 7-9, 12/05/2023
        if e < n_text and (
            text[e] == "/" or (text[e] == "-" and e + 1 < n_text and text[e + 1].isdigit())
        ):
            continue
        v = parse_number(m.group(), lang)
        if v is not None:
            out.append(_Num(s, e, v, e))
    # number words, composed: twenty-five, trois cent, خمسة وعشرون
    nums = of(words, "numword")
    i = 0
    while i < len(nums):
        w = nums[i]
        value, fs, fe = w.entry.value, w.fstart, w.fend
        j = i + 1
        while j < len(nums) and _joinable(text[fe : nums[j].fstart]):
            nxt = nums[j].entry
            value = (
                value * nxt.value if nxt.form == "hundreds" and value < 100 else value + nxt.value
            )
            fe = nums[j].fend
            j += 1
        out.append(_Num(fs, fe, value, fe))
        i = j
    # multipliers: 3.2 million, مليون, 800 ألف; USD 5m, 2bn
    mult_at = {m.fstart: m for m in of(words, "mult")}
    orig = folded.original
    for n in out:
        mm = mult_at.get(n.fe + 1) or mult_at.get(n.fe)
        if mm is not None and text[n.fe : mm.fstart].strip() == "":
            n.value *= mm.entry.value
            n.fe = mm.fend
            continue
        short = _SHORT_MULT.match(orig, folded.end(n.fe))
        if short:
            n.value *= _SHORT_MULTS[short.group(1)]
            n.fe += len(short.group(1))
    out.sort(key=operator.attrgetter("fs"))
    return out


def _joinable(gap: str) -> bool:
    return gap.strip(" -") in ("", "and", "et", "y", "و") and len(gap) <= 5


class _Sentences:
    """Sentence bounds of one text, found once."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.n = len(text)
        self.ends: list[int] | None = None

    def at(self, pos: int) -> tuple[int, int]:
        if self.ends is None:
            t = self.text
            ends = [m.start() for m in _PUNCT.finditer(t)]
            # the point of a decimal (9.7) ends no sentence; a digit is a word character,
            # so the regex finds every such point (and a few more, that isdigit rules out)
            decimals = [
                i
                for i in (m.start() for m in _WORD_POINT.finditer(t))
                if i and t[i - 1].isdigit() and t[i + 1].isdigit()
            ]
            if decimals:
                points = set(decimals)
                ends = [i for i in ends if i not in points]
            self.ends = ends
            self.starts = [e + 1 for e in ends]
        i = bisect.bisect_left(self.ends, pos)
        start = self.starts[i - 1] if i > 0 else 0
        end = self.ends[i] if i < len(self.ends) else self.n
        return start, end


_GAP_STOP = frozenset(',;:.()"«»“”')


def _gap_ok(gap: str, max_words: int) -> bool:
    if not _GAP_STOP.isdisjoint(gap):
        return False
    tokens = gap.replace("-", " ").split()
    if not _CLAUSE.isdisjoint(tokens):
        return False
    words = [w for w in tokens if w not in _LINKERS]
    if words and not _COMPLEMENT.isdisjoint(tokens[tokens.index(words[0]) :]):
        return False  # "sept réseaux de passeurs": what is counted is the first noun
    if len(words) > max_words:
        return False
    # a letter is never a digit: most words need no look at each character
    return all(w.isalpha() or not any(c.isdigit() for c in w) for w in words)


@dataclass(slots=True)
class _Field:
    """The matches of one field that quantities are read from, indexed once."""

    folded: Folded
    heads: list[Match]  # what may follow a number: units, counted nouns, items, currencies
    head_starts: list[int]
    cues: list[Match]
    quals: list[Match]
    items: list[Match]
    currency_ends: dict[int, Match]
    sentences: _Sentences
    cue_starts: list[int] | None  # None unless the cues are in order (then bisected)
    item_starts: list[int] | None

    @classmethod
    def of(cls, folded: Folded, words: Sequence[Match]) -> _Field:
        # a plain list: _head indexes it, and indexing a list subclass is slower
        heads = list(of(words, "unit", "noun", "item", "currency"))
        cues = of(words, "cue")
        items = of(words, "item")
        return cls(
            folded,
            heads,
            [h.fstart for h in heads],
            cues,
            of(words, "qual"),
            items,
            {w.fend: w for w in of(words, "currency")},
            _Sentences(folded.text),
            _starts(cues),
            _starts(items),
        )


def _starts(matches: Sequence[Match]) -> list[int] | None:
    starts = [m.fstart for m in matches]
    return starts if starts == sorted(starts) else None


# What one reading yields: kind, value, unit, item, folded end of the printed span.
_Reading = tuple[str, float, str | None, str | None, int]


def find_quantities(
    folded: Folded, words: Sequence[Match], field: str, lang: str
) -> list[Quantity]:
    """Every quantity in one field, in order."""
    f = _Field.of(folded, words)
    out: list[Quantity] = []
    used_heads: set[int] = set()
    for n in _numbers(folded, words, lang):
        got = _quantity(f, n, field)
        if got is not None:
            out.append(got[0])
            if got[1] is not None:
                used_heads.add(got[1].fstart)
    out.extend(_duals(folded, f.heads, f.items, f.sentences, field, used_heads))
    return sorted(out, key=operator.attrgetter("start"))


def _head(f: _Field, n: _Num) -> Match | None:
    """The unit, counted noun, item or currency that follows number `n`, if any."""
    text = f.folded.text
    for k in range(bisect.bisect_left(f.head_starts, n.fe), len(f.heads)):
        h = f.heads[k]
        if h.fstart - n.fe > 60:
            break
        max_words = 0 if h.entry.kind in ("unit", "currency") else MAX_GAP_WORDS
        if _gap_ok(text[n.fe : h.fstart], max_words):
            return h
    return None


def _quantity(f: _Field, n: _Num, field: str) -> tuple[Quantity, Match | None] | None:
    """The quantity number `n` starts (and the head it used), or None."""
    folded = f.folded
    text, orig = folded.text, folded.original
    if _PERCENT_AFTER.match(text[n.fe : n.fe + 2]):
        return None
    head = _head(f, n)
    o_fs = folded.start(n.fs)
    short = _SHORT_UNIT.match(orig, folded.end(n.fe))
    short_unit = None
    if short is not None and (head is None or head.fstart > n.fe + 3):
        head = None
        short_unit = _SHORT_UNITS[short.group(1)]
    sym = _SYMBOL_BEFORE.search(orig, max(0, o_fs - 4), o_fs)
    before = f.currency_ends.get(n.fs) or f.currency_ends.get(n.fs - 1)
    if head is None and short_unit is None and sym is None and before is None:
        return None  # a year, a date, an ordinal: nothing is counted
    s_sent, e_sent = f.sentences.at(n.fs)
    currency = None
    if sym:
        currency = _SYMBOLS[sym.group(1)]
        start_orig = o_fs - len(sym.group(0))
    elif before is not None:
        currency = before.entry.code
        start_orig = folded.start(before.fstart)
    else:
        start_orig = o_fs
        if head is not None and head.entry.kind == "currency":
            currency = head.entry.code
    cs = f.cue_starts
    if cs is not None:
        cues = f.cues[bisect.bisect_left(cs, s_sent) : bisect.bisect_left(cs, e_sent)]
    else:
        cues = [c for c in f.cues if s_sent <= c.fstart < e_sent]
    reading: _Reading | None
    if currency is not None:
        reading = _money(f, n, head, currency, cues, e_sent)
    elif short is not None and short_unit is not None:
        short_code, factor = short_unit
        reading = _measured(f, n.value * factor, short_code, n.fe + len(short.group(0)), e_sent)
    elif head is None:
        return None
    elif head.entry.kind == "unit":
        value = n.value * (head.entry.value or 1.0)
        reading = _measured(f, value, head.entry.code, head.fend, e_sent)
    elif head.entry.kind == "item":
        reading = _counted_items(f, n, head, cues, e_sent)
    else:
        reading = _counted(n, head, cues)
    if reading is None:
        return None
    kind, value, unit, item, end = reading
    if value != value or value <= 0:  # NaN or nothing counted
        return None
    qual = (
        next((q.entry.code for q in f.quals if 0 <= n.fs - q.fend <= 1), None) if f.quals else None
    )
    number = orig[o_fs : folded.end(n.digits_end)]
    e_o = folded.end(end)
    text_o = orig[start_orig:e_o]
    q = Quantity(kind, float(value), unit, item, number, text_o, field, start_orig, e_o, qual)
    return q, head


def _money(
    f: _Field, n: _Num, head: Match | None, currency: str, cues: Sequence[Match], limit: int
) -> _Reading:
    end = head.fend if head is not None and head.entry.kind == "currency" else n.fe
    cash = _item_after(f.items, f.folded.text, end, limit, f.item_starts)
    item = None
    if cash is not None and cash.entry.code == "cash":
        item, end = "cash", cash.fend
    kind = "seizure" if _nearest(cues, n, ("seizure",)) else "money"
    return kind, n.value, currency, item, end


def _measured(f: _Field, value: float, unit: str, end: int, limit: int) -> _Reading:
    """A mass, volume or count in a unit: a seizure, with its item when one follows."""
    it = _item_after(f.items, f.folded.text, end, limit, f.item_starts)
    item = None
    if it is not None:
        item, end = it.entry.code, it.fend
    return "seizure", value, unit, item, end


def _counted_items(
    f: _Field, n: _Num, head: Match, cues: Sequence[Match], limit: int
) -> _Reading | None:
    """Items counted one by one ("800 ألف قرص من الكبتاغون"), in a sentence of seizing."""
    if not _nearest(cues, n, ("seizure",)):
        return None
    item, end = head.entry.code, head.fend
    more = _item_after(f.items, f.folded.text, end, limit, f.item_starts)
    if (
        more is not None
        and more.entry.code not in _GENERIC_ITEMS
        and f.folded.text[end : more.fstart].strip() in _COMPLEMENT
    ):
        item, end = more.entry.code, more.fend
    return "seizure", n.value, "units", item, end


def _counted(n: _Num, head: Match, cues: Sequence[Match]) -> _Reading | None:
    """A counted noun: countries, officials, arrests, or people whose event says the kind."""
    cls = head.entry.code
    kind = None
    if cls in ("time", "percent"):
        return None
    if cls in ("officials", "participants"):
        # people at a meeting or in an operation, not "two police officers" killed
        if _nearest(cues, n, ("gather",)) is not None:
            kind = cls
    elif cls in _COUNT_KINDS:
        kind = _COUNT_KINDS[cls]
    elif cls in _PEOPLE:
        cue = _nearest(cues, n, ("arrest", "rescue", "identify", "seizure"))
        event = cue.entry.code if cue is not None else None
        if event == "arrest" and cls != "migrants":
            kind = "arrests"
        elif event == "rescue":
            kind = "rescued"
        elif event == "identify" and cls != "migrants":
            kind = "suspects_identified" if cls == "persons" else "victims_identified"
        elif cls == "victims":
            kind = "victims"
    if kind is None:
        return None
    return kind, n.value, None, None, head.fend


def _item_after(
    items: Sequence[Match], text: str, pos: int, limit: int, starts: list[int] | None = None
) -> Match | None:
    bound = min(pos + MAX_ITEM_CHARS, limit)
    if starts is not None:
        # items in order of start: from the first at `pos`, up to the bound
        for k in range(bisect.bisect_left(starts, pos), len(items)):
            it = items[k]
            if it.fstart > bound:
                break
            if _gap_ok(text[pos : it.fstart], 3):
                return it
        return None
    for it in items:
        if pos <= it.fstart <= bound and _gap_ok(text[pos : it.fstart], 3):
            return it
    return None


def _nearest(cues: Sequence[Match], n: _Num, events: tuple[str, ...]) -> Match | None:
    best, dist = None, 10**9
    for c in cues:
        if c.entry.code not in events:
            continue
        d = n.fs - c.fend if c.fend <= n.fs else c.fstart - n.fe
        d = max(d, 0)
        if d < dist:
            best, dist = c, d
    return best


def _duals(
    folded: Folded,
    heads: Sequence[Match],
    items: Sequence[Match],
    sentences: _Sentences,
    field: str,
    used: set[int],
) -> list[Quantity]:
    """Arabic duals carry their number: طنين من العاج is two tonnes of ivory."""
    out = []
    for h in heads:
        if h.entry.kind != "unit" or h.entry.form != "dual" or h.fstart in used:
            continue
        text = folded.text
        _s, e_sent = sentences.at(h.fstart)
        end = h.fend
        it = _item_after(items, text, end, e_sent)
        item = None
        if it is not None:
            item, end = it.entry.code, it.fend
        s_o, e_o = h.start, folded.end(end)
        value = 2.0 * (h.entry.value or 1.0)
        out.append(
            Quantity(
                "seizure",
                value,
                h.entry.code,
                item,
                folded.original[h.start : h.end],
                folded.original[s_o:e_o],
                field,
                s_o,
                e_o,
            )
        )
    return out
