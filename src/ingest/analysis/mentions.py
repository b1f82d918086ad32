"""Mentions of countries, places, organisations, operations and persons, with offsets.

Countries and places come from the gazetteer automaton; where one span could be both (a
city-state, a capital named like its country) the country wins, and where two entries
fold to the same letters (Arabic عُمان Oman / عمّان Amman) the diacritics written in the
text decide. A weak name (also a common word or a first name: "Chad", "Jordan", مالي
"financial") counts only next to another country or after a locative preposition.
Organisations come from the reviewed table, and from the shape of a name: capitalised
words around a head noun ("Police", "Policía", "Gendarmerie", "Ministry"...). Operations
are the words after "Operation/opération/operación/عملية" that look like a name.
"""

from __future__ import annotations

import operator
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ingest.analysis.matcher import WEAK, Match, longest, of
from ingest.analysis.text import Folded

GEO = ("country", "place")
_START = operator.attrgetter("start")  # C-level sort keys: no Python call per item
# How far (characters) another country may be for a weak name to count.
WEAK_NEIGHBOUR_CHARS = 60
_LOCATIVE = re.compile(
    r"(?:\b(?:in|from|to|of|into|across|en|au|aux|du|de|des|à|desde|hacia|por|el|la|los)"
    r"|(?:^|\s)(?:في|من|إلى|الى|جمهورية|دولة|و|ب|ل))\s*$",
    re.I,
)
_LANGUAGE_BEFORE = re.compile(
    r"(?:\b(?:in|into|en|language|langue|idioma|lengua|speaking|speakers)|اللغه|بال|وبال)\s*$", re.I
)


@dataclass(frozen=True, slots=True)
class Mention:
    kind: str  # country | place | organisation | operation | person
    text: str
    code: str | None
    field: str  # title | subtitle | dateline | body
    start: int
    end: int
    form: str = ""  # name | alias | demonym | cldr | table | pattern | ...


def _marks(text: str) -> list[str]:
    return [c for c in unicodedata.normalize("NFD", text) if unicodedata.combining(c)]


def _diacritic_score(original: str, surface: str, marks: list[str] | None = None) -> int:
    """How well the short vowels / shadda written in the text agree with an entry's
    (`marks`: the text's, when already known)."""
    marks_t = _marks(original) if marks is None else marks
    marks_e = _marks(surface)
    if not marks_t:
        return 0
    return sum(1 for c in marks_t if c in marks_e) - sum(1 for c in marks_t if c not in marks_e)


def geo_mentions(folded: Folded, matches: Sequence[Match], field: str) -> list[Mention]:
    """Countries and places, leftmost-longest, one entry per span."""
    geo = of(matches, *GEO)
    if not geo:
        return []
    chosen: list[Match] = []
    kept = longest(geo)
    # the matches of one span stand together in leftmost-longest order (kept spans do not
    # overlap): groups are runs
    i, n = 0, len(kept)
    while i < n:
        first = kept[i]
        j = i + 1
        while j < n and kept[j][2] == first[2] and kept[j][3] == first[3]:
            j += 1
        if j - i > 1:
            group = kept[i:j]
            text = folded.original[first.start : first.end]
            marks = _marks(text)
            group.sort(
                key=lambda m: (
                    -_diacritic_score(text, m.entry.surface, marks) if marks else 0,
                    m.entry.kind != "country",
                    m.entry.form == "demonym",
                )
            )
            first = group[0]
        chosen.append(first)
        i = j
    strong = [m for m in chosen if m.entry.kind == "country" and not m.entry.flags & WEAK]
    out = []
    original = folded.original
    for m in chosen:
        e = m.entry
        if e.flags & WEAK and not _corroborated(folded, m, strong):
            continue
        if e.form == "demonym" and (
            _LANGUAGE_BEFORE.search(
                folded.text[max(0, m.fstart - 12) : m.fstart] + (m.prefix and " ")
            )
            or m.prefix.endswith("بال")  # بالفرنسية: "in French"
        ):
            continue
        start, end = m.start, m.end
        if original[end : end + 1] == "$":
            continue  # US$, C$: a currency, not the country
        out.append(Mention(e.kind, original[start:end], e.code, field, start, end, e.form))
    return out


def _corroborated(folded: Folded, m: Match, strong: Iterable[Match]) -> bool:
    if any(abs(o.fstart - m.fstart) <= WEAK_NEIGHBOUR_CHARS and o is not m for o in strong):
        return True
    before = folded.text[max(0, m.fstart - 20) : m.fstart]
    return bool(_LOCATIVE.search(before + (m.prefix and " ")) or m.prefix in ("و", "ب"))


# ---- organisations -------------------------------------------------------------------------

_ORG_HEADS = (
    "Police|Policía|Policia|Polícia|Polizei|Gendarmerie|Gendarmería|Guardia|Carabineros|"
    "Agency|Agencia|Agence|Bureau|Office|Oficina|Ministry|Ministerio|Ministère|Directorate|"
    "Dirección|Direction|Department|Departamento|Département|Service|Servicio|Services|"
    "Servicios|Commission|Comisión|Customs|Aduana|Aduanas|Douane|Douanes|Force|Forces|"
    "Fuerza|Fuerzas|Prosecutor|Fiscalía|Parquet|Organization|Organisation|Organización|"
    "Council|Consejo|Conseil|Authority|Autoridad|Autorité|Unit|Unidad|Unité|Institute|"
    "Instituto|Institut|Court|Tribunal|Corte|Coast Guard|Navy|Armada|Marine|Secretariat|"
    "Secretaría|Centre|Center|Centro"
)
_CAP = r"(?:[A-ZÀ-ÖØ-Þ][\w'’.-]*)"
_LINK = (
    r"(?:of the|of|for the|for|and|on|de la|de los|de las|del|des|du|de|d'|d’|y|et|"
    r"contra|contre la|contre|pour|para|en)"
)
_ADJ = (
    r"(?:national|nationale|nacional|federal|fédérale|civil|civile|judiciaire|judicial|"
    r"general|générale|central|centrale|royal|royale|criminal|criminelle|antinarcóticos|"
    r"antidrogas|de investigaciones|financier|financière|supérieur|real)"
)
ORG_HEADS = tuple(_ORG_HEADS.split("|"))
_RIGHT_TAIL = re.compile(rf"(?:\s+{_ADJ})*(?:\s+{_LINK}\s+(?:{_CAP}(?:\s+{_CAP})*))?")
_ORG_START_STOP = re.compile(
    r"^(?:The|La|Le|Les|El|Los|Las|Un|Une|A|An|In|En|At|Par|Por|"
    r"Selon|Según|According|With|Con|Avec|Since|Desde|By)\s+"
)


def organisation_mentions(
    folded: Folded, matches: Sequence[Match], field: str, lang: str
) -> list[Mention]:
    orgs = longest(of(matches, "organisation"))
    heads = of(matches, "orghead") if lang != "ar" else []
    if not orgs and not heads:
        return []
    out = [
        Mention(
            "organisation",
            folded.original[m.start : m.end],
            m.entry.code,
            field,
            m.start,
            m.end,
            "table",
        )
        for m in orgs
    ]
    if lang == "ar":
        return out
    taken = [(m.start, m.end) for m in out]
    text = folded.original
    last_end = 0
    for h in heads:  # head nouns, found by the automaton with the rest
        if h.start < last_end:
            continue
        # capitalised words before the head noun, then adjectives and "of X" after it
        s = _caps_before(text, h.start)
        tail = _RIGHT_TAIL.match(text, h.end)
        e = tail.end() if tail else h.end
        last_end = e
        chunk = text[s:e]
        lead = _ORG_START_STOP.match(chunk)
        if lead:
            s += lead.end()
        chunk = text[s:e].rstrip(" ,.'’")
        e = s + len(chunk)
        if not chunk[:1].isupper() or len(chunk.split()) < 2:
            continue
        if any(a <= s and e <= b for a, b in taken):
            continue  # the table already names it (or a longer name holds it)
        if any(a < e and s < b for a, b in taken):
            # a table name inside a longer pattern name: keep the longer one
            if any(a < e and s < b and not (a >= s and b <= e) for a, b in taken):
                continue
            out = [o for o in out if not (o.start >= s and o.end <= e)]
        out.append(Mention("organisation", chunk, None, field, s, e, "pattern"))
        taken.append((s, e))
    return sorted(out, key=_START)


# ---- operations --------------------------------------------------------------------------

_OP_LATIN = re.compile(
    r"(?:[Oo]peration|[Oo]pération|[Oo]peración|[Oo]peração|[Oo]perazione)s?"
    r"(?:\s*,?\s*(?:code-?named|dubbed|named|called|baptisée?|nommée?|appelée?|denominada|"
    r"bautizada|llamada)\s*,?)?\s+[«\"“']?\s*"
    r"(?P<name>[A-ZÀ-ÖØ-Þ][\w’'-]*(?:\s+(?:[A-ZÀ-ÖØ-Þ][\w’'-]*|[IVXLC]+\b|\d+\b)){0,3})"
)
_OP_NAMED = re.compile(
    r"(?:[Oo]peration|[Oo]pération|[Oo]peración)\b[^.;:]{0,40}?"
    r"(?:code-?named|dubbed|baptisée?|nommée?|denominada|bautizada|llamada)\s+[«\"“']?\s*"
    r"(?P<name>[A-ZÀ-ÖØ-Þ][\w’'-]*(?:\s+[A-ZÀ-ÖØ-Þ][\w’'-]*){0,3})"
)
# Arabic names an operation in the indefinite construct: "عملية أوريون" (never "العملية X",
# which is a sentence: "شملت العملية مصر").
_OP_AR = re.compile(
    r"(?:^|(?<=[\s«\"(]))[وبل]?عملي(?:ة|ه)\s+[«\"“(]?(?P<name>[^\s«»\"“”(),.،:؛]+"
    r"(?:\s+[^\s«»\"“”(),.،:؛]+)?)"
)
_AR_NOT_NAME = re.compile(r"(?:ة|ه|ها|ت|هم|وا)$|^(?:ال|لل|لم|بال)")
_AR_STOP = frozenset(
    (  # noqa: SIM905 (a word list reads better as text)
        "ضد في على من عن مع التي الذي استمرت شملت جرت نفذت أطلقت تهدف هدفت كبرى واسعة "
        "مشتركة دولية إقليمية أمنية نسقها دعمها قادها أخرى جديدة سابقة عالمية منسقة امتدت "
        "ما هذه هذا هو هي إن أن كل تلك ذلك واحدة نوعية "
    ).split()
)
# Common words that follow "Operation" at the start of a sentence, not names.
_OP_LATIN_STOP = frozenset(
    {"The", "This", "In", "During", "Le", "La", "Les", "El", "Los", "Las", "En", "Au", "Durante"}
)


def _caps_before(text: str, pos: int) -> int:
    """Start of the run of capitalised words that ends just before `pos`."""
    start = pos
    i = pos
    while i > 0 and pos - i < 120:
        j = i - 1
        while j >= 0 and text[j] == " ":
            j -= 1
        if j < 0 or j == i - 1:
            break
        k = j
        while k > 0 and not text[k - 1].isspace():
            k -= 1
        word = text[k : j + 1]
        if not word[:1].isupper() or not word.rstrip(".’'-").replace("-", "").isalpha():
            break
        start = i = k
    return start


_OP_HINT = ("perati", "perac", "pérati", "peraç", "perazi", "عملي")
# [Oo]p[ée]ra(?:tions?|ción|ção|zione) found from its "p": a pattern that starts with a
# literal is searched for several times faster
_OP_WORD_TAIL = re.compile(r"p[ée]ra(?:tions?|ción|ção|zione)")


def _op_word_starts(text: str) -> list[int]:
    """The starts of the finditer matches of the whole word pattern."""
    out = []
    last_end = 0
    for m in _OP_WORD_TAIL.finditer(text):
        i = m.start()
        # the "o" of a "-ção" may be the "O" of the next word: matches do not overlap
        if i > last_end and text[i - 1] in "Oo":
            out.append(i - 1)
            last_end = m.end()
    return out


def _op_ar_matches(text: str) -> list[re.Match[str]]:
    """_OP_AR.finditer(text), tried only where عملي is written (every match holds it, right
    at its start or after one clitic letter)."""
    out: list[re.Match[str]] = []
    last_end = 0
    i = text.find("عملي")
    while i >= 0:
        for j in (i - 1, i) if i and text[i - 1] in "وبل" else (i,):
            if j < last_end:
                continue
            m = _OP_AR.match(text, j)
            if m is not None:
                out.append(m)
                last_end = m.end()
                break
        i = text.find("عملي", i + 1)
    return out


def operation_mentions(text: str, field: str, lang: str) -> list[Mention]:
    out: dict[tuple[int, int], Mention] = {}
    if not (  # _OP_HINT, spelled out: no generator per field
        "perati" in text
        or "perac" in text
        or "pérati" in text
        or "peraç" in text
        or "perazi" in text
        or "عملي" in text
    ):
        return []
    if lang == "ar":
        for m in _op_ar_matches(text):
            words = m["name"].split()
            first = words[0]
            if first in _AR_STOP or _AR_NOT_NAME.search(first) or first.isdigit():
                continue
            name = first
            if (
                len(words) > 1
                and words[1] not in _AR_STOP
                and not _AR_NOT_NAME.search(words[1])
                and not words[1][0].isdigit()
                and _looks_foreign(words[1])
            ):
                name = f"{first} {words[1]}"
            s = m.start("name")
            out[(s, s + len(name))] = Mention(
                "operation", name, None, field, s, s + len(name), "pattern"
            )
    starts = _op_word_starts(text)
    for rx in (_OP_NAMED, _OP_LATIN):
        for m in filter(
            None, (rx.match(text, i) for i in starts if i == 0 or not text[i - 1].isalnum())
        ):
            name = m["name"].rstrip("’'-")
            if name.split()[0] in _OP_LATIN_STOP:
                continue
            s = m.start("name")
            key = (s, s + len(name))
            if not any(a <= s < b for a, b in out):
                out[key] = Mention("operation", name, _op_code(name), field, s, key[1], "pattern")
    return sorted(out.values(), key=_START)


def _looks_foreign(word: str) -> bool:
    # Transliterated names carry long vowels and rarely Arabic morphology.
    return len(word) >= 3 and sum(1 for c in word if c in "اويى") >= 1


def _op_code(name: str) -> str:
    """Language-independent operation key: 'Pangea XVI' -> 'pangea xvi'."""
    return " ".join(name.lower().split())
