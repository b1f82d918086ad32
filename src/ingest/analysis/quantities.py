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

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.analysis.matcher import Match
from ingest.analysis.numbers import NUMBER_RE, parse_number
from ingest.analysis.text import Folded

# Words a counted noun may be away from its number ("19 African countries").
MAX_GAP_WORDS = 1
# Characters an item may be after its unit ("3,2 أطنان من الكوكايين").
MAX_ITEM_CHARS = 45
_LINKERS = frozenset((  # noqa: SIM905 (a word list reads better as text)
    "of de d' del des du la el los las in من the le les a an "
).split())
# A counted noun is not reached across a clause: "41 locales en los que las víctimas".
_CLAUSE = frozenset((  # noqa: SIM905 (a word list reads better as text)
    "que qui which that who whose where où donde dont الذي التي الذين en "
).split())
_COMPLEMENT = frozenset(["of", "de", "d'", "del", "des", "du", "من"])
_GENERIC_ITEMS = frozenset({"pills", "medicines", "drugs", "devices", "documents"})
_SENTENCE_END = re.compile(r"(?<!\d)[.!?؟;؛](?!\d)|\n")
_SYMBOL_BEFORE = re.compile(r"(US\$|R\$|C\$|A\$|\$|€|£)\s?$")
_SYMBOLS = {"US$": "USD", "$": "USD", "R$": "BRL", "C$": "CAD", "A$": "AUD", "€": "EUR",
            "£": "GBP"}
_PERCENT_AFTER = re.compile(r"^\s?(?:%|٪)")
_COUNT_KINDS = {"countries": "countries", "officials": "officials",
                "participants": "participants", "arrests": "arrests", "seizures": "seizures"}
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
    for m in NUMBER_RE.finditer(text):
        s, e = m.start(), m.end()
        # only a one-letter Arabic clitic may be glued to a number: و19, ب150
        if s > 0 and text[s - 1].isalpha() and (
                text[s - 1] not in "وبل" or (s > 1 and text[s - 2].isalpha())):
            continue
        if (s > 0 and text[s - 1] in "-/") or (e < len(text) and text[e] in "/"):
            continue  # ranges and dates: 7-9, 2022/2023, 12/05
        if e + 1 < len(text) and text[e] == "-" and text[e + 1].isdigit():
            continue
        v = parse_number(m.group(), lang)
        if v is not None:
            out.append(_Num(s, e, v, e))
    # number words, composed: twenty-five, trois cent, خمسة وعشرون
    nums = sorted((w for w in words if w.entry.kind == "numword"), key=lambda w: w.fstart)
    i = 0
    while i < len(nums):
        w = nums[i]
        value, fs, fe = w.entry.value, w.fstart, w.fend
        j = i + 1
        while j < len(nums) and _joinable(text[fe:nums[j].fstart]):
            nxt = nums[j].entry
            value = value * nxt.value if nxt.form == "hundreds" and value < 100 else \
                value + nxt.value
            fe = nums[j].fend
            j += 1
        if not any(n.fs <= fs < n.fe for n in out):
            out.append(_Num(fs, fe, value, fe))
        i = j
    # multipliers: 3.2 million, مليون, 800 ألف
    mults = [w for w in words if w.entry.kind == "mult"]
    for n in out:
        for mm in mults:
            if mm.fstart >= n.fe and text[n.fe:mm.fstart].strip() == "" and mm.fstart - n.fe <= 1:
                n.value *= mm.entry.value
                n.fe = mm.fend
                break
    return sorted(out, key=lambda n: n.fs)


def _joinable(gap: str) -> bool:
    return gap.strip(" -") in ("", "and", "et", "y", "و") and len(gap) <= 5


def _sentence(text: str, pos: int) -> tuple[int, int]:
    start = 0
    for m in _SENTENCE_END.finditer(text, 0, pos):
        start = m.end()
    m = _SENTENCE_END.search(text, pos)
    return start, (m.start() if m else len(text))


def _gap_ok(gap: str, max_words: int) -> bool:
    if any(c in gap for c in ",;:.()\"«»“”"):
        return False
    tokens = gap.replace("-", " ").split()
    if any(t in _CLAUSE for t in tokens):
        return False
    words = [w for w in tokens if w not in _LINKERS]
    if words and any(t in _COMPLEMENT for t in tokens[tokens.index(words[0]):]):
        return False  # "sept réseaux de passeurs": what is counted is the first noun
    return len(words) <= max_words and not any(c.isdigit() for w in words for c in w)


def find_quantities(folded: Folded, words: Sequence[Match], field: str,
                    lang: str) -> list[Quantity]:
    """Every quantity in one field, in order."""
    text, orig = folded.text, folded.original
    heads = sorted((w for w in words if w.entry.kind in ("unit", "noun", "item", "currency")),
                   key=lambda w: w.fstart)
    cues = [w for w in words if w.entry.kind == "cue"]
    quals = [w for w in words if w.entry.kind == "qual"]
    items = [w for w in words if w.entry.kind == "item"]
    out: list[Quantity] = []
    used_heads: set[int] = set()
    for n in _numbers(folded, words, lang):
        if _PERCENT_AFTER.match(text[n.fe:n.fe + 2]):
            continue
        s_sent, e_sent = _sentence(text, n.fs)
        head = None
        for h in heads:
            if h.fstart < n.fe:
                continue
            if h.fstart - n.fe > 60:
                break
            max_words = 0 if h.entry.kind in ("unit", "currency") else MAX_GAP_WORDS
            if _gap_ok(text[n.fe:h.fstart], max_words):
                head = h
                break
        currency = None
        sym = _SYMBOL_BEFORE.search(orig[max(0, folded.start(n.fs) - 4):folded.start(n.fs)])
        code_before = [w for w in words if w.entry.kind == "currency"
                       and w.fend <= n.fs and n.fs - w.fend <= 1]
        if sym:
            currency = _SYMBOLS[sym.group(1)]
        elif code_before:
            currency = code_before[-1].entry.code
        elif head is not None and head.entry.kind == "currency":
            currency = head.entry.code
        qual = next((q.entry.code for q in quals if 0 <= n.fs - q.fend <= 1), None)
        # the printed span
        start = n.fs
        if sym:
            start_orig = folded.start(n.fs) - len(sym.group(0))
        elif code_before:
            start_orig = folded.start(code_before[-1].fstart)
        else:
            start_orig = folded.start(start)
        number = orig[folded.start(n.fs):folded.end(n.digits_end)]
        sentence_cues = [c for c in cues if s_sent <= c.fstart < e_sent]
        kind, unit, item, end = None, None, None, n.fe
        value = n.value
        if currency is not None:
            unit = currency
            end = head.fend if head is not None and head.entry.kind == "currency" else n.fe
            cash = _item_after(items, text, end, e_sent)
            item = cash.entry.code if cash is not None and cash.entry.code == "cash" else None
            if item == "cash" and cash is not None:
                end = cash.fend
            kind = "seizure" if _nearest(sentence_cues, n, ("seizure",)) else "money"
        elif head is None:
            continue
        elif head.entry.kind == "unit":
            unit = head.entry.code
            value *= head.entry.value or 1.0
            end = head.fend
            it = _item_after(items, text, end, e_sent)
            if it is not None:
                item, end = it.entry.code, it.fend
            kind = "seizure"
        elif head.entry.kind == "item":
            if not _nearest(sentence_cues, n, ("seizure",)):
                continue
            kind, unit, item, end = "seizure", "units", head.entry.code, head.fend
            more = _item_after(items, text, end, e_sent)  # "800 ألف قرص من الكبتاغون"
            if (more is not None and more.entry.code not in _GENERIC_ITEMS
                    and text[end:more.fstart].strip() in _COMPLEMENT):
                item, end = more.entry.code, more.fend
        else:  # a counted noun
            cls = head.entry.code
            end = head.fend
            if cls in ("time", "percent"):
                continue
            if cls in ("officials", "participants"):
                # people at a meeting or in an operation, not "two police officers" killed
                if _nearest(sentence_cues, n, ("gather",)) is not None:
                    kind = cls
            elif cls in _COUNT_KINDS:
                kind = _COUNT_KINDS[cls]
            elif cls in _PEOPLE:
                cue = _nearest(sentence_cues, n, ("arrest", "rescue", "identify", "seizure"))
                event = cue.entry.code if cue is not None else None
                if event == "arrest" and cls != "migrants":
                    kind = "arrests"
                elif event == "rescue":
                    kind = "rescued"
                elif event == "identify" and cls != "migrants":
                    kind = ("suspects_identified" if cls == "persons" else
                            "victims_identified")
                elif cls == "victims":
                    kind = "victims"
            if kind is None:
                continue
        if value != value or value <= 0:  # NaN or nothing counted
            continue
        if head is not None:
            used_heads.add(head.fstart)
        s_o, e_o = start_orig, folded.end(end)
        out.append(Quantity(kind, float(value), unit, item, number, orig[s_o:e_o], field,
                            s_o, e_o, qual))
    out.extend(_duals(folded, heads, items, cues, field, used_heads))
    return sorted(out, key=lambda q: q.start)


def _item_after(items: Sequence[Match], text: str, pos: int, limit: int) -> Match | None:
    for it in sorted(items, key=lambda w: w.fstart):
        if pos <= it.fstart <= min(pos + MAX_ITEM_CHARS, limit) and _gap_ok(
                text[pos:it.fstart], 3):
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


def _duals(folded: Folded, heads: Sequence[Match], items: Sequence[Match],
           cues: Sequence[Match], field: str, used: set[int]) -> list[Quantity]:
    """Arabic duals carry their number: طنين من العاج is two tonnes of ivory."""
    out = []
    for h in heads:
        if h.entry.kind != "unit" or h.entry.form != "dual" or h.fstart in used:
            continue
        text = folded.text
        _s, e_sent = _sentence(text, h.fstart)
        end = h.fend
        it = _item_after(items, text, end, e_sent)
        item = None
        if it is not None:
            item, end = it.entry.code, it.fend
        s_o, e_o = h.start, folded.end(end)
        value = 2.0 * (h.entry.value or 1.0)
        out.append(Quantity("seizure", value, h.entry.code, item,
                            folded.original[h.start:h.end], folded.original[s_o:e_o], field,
                            s_o, e_o))
    return out
