"""Direct quotations and their speakers, from body paragraphs (en, fr, es, ar).

Works on plain paragraph strings so it can be tested without HTML. A quote is the
text between a pair of quote marks (“…”, "…", «…», „…“, ’’…‘‘, ‘‘…’’); a paragraph
that opens a quote without closing it continues into the next paragraph when that one
opens again (the newspaper convention). Short scare quotes are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["MIN_QUOTE_WORDS", "Quote", "extract_quotes"]

MIN_QUOTE_WORDS = 4


@dataclass(frozen=True, slots=True)
class Quote:
    text: str
    speaker: str | None


# opener -> closers it accepts. Arabic typesetting mixes ’’…‘‘ and ‘‘…’’; some sources
# close „ with ” instead of “.
_PAIRS: dict[str, tuple[str, ...]] = {
    "“": ("”", "“"),
    "„": ("“", "”"),
    "«": ("»",),
    "’’": ("‘‘", "’’"),
    "‘‘": ("’’", "‘‘"),
    '"': ('"',),
    "”": ("”",),
}
_OPEN_RE = re.compile(r"’’|‘‘|[“„«\"”]")
_STRIP = " \u00a0\u202f\u2009\t\n"
_TRAIL_PUNCT = " \u00a0\u202f,،;؛:"

# --- speaker patterns -------------------------------------------------------------------

_EN_VERBS = (
    r"said|says|added|adds|explained|explains|stated|states|noted|notes|continued|concluded|"
    r"commented|remarked|declared|observed|warned|stressed|emphasi[sz]ed|underlined|highlighted|"
    r"pointed out|told [^,.:“”\"]{1,40}?|affirmed|insisted|urged|recalled|acknowledged|announced"
)
_FR_VERBS = (
    r"a déclaré|a ajouté|a expliqué|a souligné|a indiqué|a affirmé|a précisé|a rappelé|a estimé|"
    r"a conclu|a poursuivi|a commenté|a noté|a insisté|a martelé|a averti|a dit|a relevé|a observé|"
    r"a salué|déclare|ajoute|explique|souligne|indique|affirme|précise|rappelle|estime|conclut|"
    r"poursuit|commente|note|insiste|dit|avait déclaré"
)
_ES_VERBS = (
    r"dijo|afirmó|señaló|declaró|añadió|agregó|explicó|indicó|subrayó|destacó|manifestó|aseguró|"
    r"sostuvo|concluyó|comentó|apuntó|recalcó|advirtió|puntualizó|expresó|enfatizó|precisó|"
    r"dice|afirma|señala|declara|añade|agrega|explica|indica|subraya|destaca|asegura|concluye|"
    r"ha dicho|ha afirmado|ha señalado|ha declarado|ha añadido|ha explicado"
)
_LATIN_VERBS = rf"(?:{_EN_VERBS}|{_FR_VERBS}|{_ES_VERBS})"

_AR_VERB_STEMS = (
    "قال|قالت|أضاف|أضافت|أوضح|أوضحت|أكد|أكّد|أكدت|صرح|صرّح|صرحت|اختتم|اختتمت|ختم|ذكر|ذكرت|أشار|"
    "أشارت|علق|علّق|علقت|تابع|تابعت|لاحظ|لاحظت|شدد|شدّد|شددت|أعلن|أعلنت|افتتح|استهل|استهلّ|"
    "أردف|أردفت|يقول|تقول|قالا"
)
_AR_VERB_CORE = rf"[وف]?(?:{_AR_VERB_STEMS})(?=\s|:|$)"
_AR_VERB = rf"(?:^|(?<=\s)){_AR_VERB_CORE}"
_AR_ADVERB = r"(?:قائلا|قائلاً|قائلة|مضيفا|مضيفاً|مضيفة|موضحا|موضحاً|مؤكدا|مؤكداً|بقوله|بالقول|ما يلي)"

# "… said INTERPOL Secretary General Jürgen Stock." (verb then speaker, after the quote)
_POST_VERB_FIRST = re.compile(
    rf"^[\s,.،]*(?:{_LATIN_VERBS})(?:-t-(?:il|elle))?\s+(?P<spk>.+)$", re.S
)
# "… Jürgen Stock said." (speaker then verb, after the quote)
_POST_SPK_FIRST = re.compile(
    rf"^[\s,.،]*(?P<spk>[^.!?;:“”\"«»]{{1,120}}?)\s+(?:{_LATIN_VERBS})\b", re.S
)
# "Jürgen Stock, INTERPOL Secretary General, said: “" (before the quote)
_PRE_SPK_FIRST = re.compile(
    rf"(?P<spk>[^!?;:“”\"«»]{{1,160}}?)\s*,?\s+(?:{_LATIN_VERBS})(?:\s+(?:that|que))?\s*[:,]?\s*$",
    re.S,
)
# "a déclaré Valdecy Urquiza : «" / "said Jürgen Stock: “" (before the quote)
_PRE_VERB_FIRST = re.compile(
    rf"(?:^|\s)(?:{_LATIN_VERBS})\s+(?P<spk>[^!?;:“”\"«»]{{2,160}}?)\s*[:,]\s*$", re.S
)
_PRE_ACCORDING = re.compile(
    r"(?:according to|selon|d'après|según|de acuerdo con|وفقا لـ?|بحسب|حسب)\s+"
    r"(?P<spk>[^:“”\"«»]{2,160}?)\s*[:,]?\s*$",
    re.I | re.S,
)
_POST_ACCORDING = re.compile(
    r"^[\s,.،]*(?:according to|selon|d'après|según|على حد قول|وفقا لـ?|بحسب)\s+(?P<spk>.+)$",
    re.I | re.S,
)

_PRONOUNS = {
    "he",
    "she",
    "they",
    "it",
    "we",
    "i",
    "il",
    "elle",
    "ils",
    "elles",
    "on",
    "él",
    "ella",
    "ellos",
    "ellas",
    "هو",
    "هي",
}
_SKIP_LEAD = re.compile(
    r"^(?:speaking|addressing|commenting|referring|in|at|during|on|after|before|while|when|"
    r"lors|dans|au|à|en|pendant|après|avant|durante|tras|al|ante|hablando|refiriéndose|and|but|"
    r"et|mais|y|pero|also|aussi|también)\b",
    re.I,
)
# "Asked about the plan, X said", "Interrogé sur ce point, X a déclaré": a lead-in clause
_PARTICIPLE = re.compile(
    r"^(?:[A-Za-z]+(?:ing|ed)|interrog\w*|questionn\w*|invit\w*|pregunt\w*|consultad\w*|"
    r"entrevistad\w*|cuestionad\w*)\b",
    re.I,
)
_ABBREV = re.compile(r"(?:\b[A-Z]|Mr|Mrs|Ms|Dr|Mme|Mlle|M|Sr|Sra|Srta|Prof|Gen|Lt|Col|St|Jr|No)\.$")
_AR_CUT = re.compile(r"\s+(?:في|خلال|أمام|امام|لدى|عند|بعد|قبل|على هامش|حيث|أن|إن)\s")
# "a-t-il ajouté", "poursuit-elle", "ajoute-t-il": the subject is a pronoun
_FR_INVERTED = re.compile(r"^[\s,.]*(?:a|avait|\w+)-(?:t-)?(?:il|elle|ils|elles)\b", re.I)
_HAS_ARABIC = re.compile(r"[\u0600-\u06ff]")
_PRE_WINDOW = 320
_ANY_LATIN_VERB = re.compile(_LATIN_VERBS)


def _squash(s: str) -> str:
    return " ".join(s.split())


def _sentence_end(s: str) -> int:
    """Index where the first sentence of `s` ends, ignoring dots of initials and titles."""
    for m in re.finditer(r"[.!?;]|\s[–—-]\s|[“”\"«»]|’’|‘‘", s):
        if m.group() == "." and _ABBREV.search(s[: m.end()]):
            continue
        return m.start()
    return len(s)


def _trim_chunks(spk: str, *, from_right: bool) -> str:
    """Keep the name-and-title chunks of a comma list; drop lower-case tails and lead-ins."""
    chunks = [c.strip() for c in spk.split(",")]
    chunks = [c for c in chunks if c]
    if not chunks:
        return ""
    if from_right:
        # "Speaking at the opening, Jürgen Stock" -> drop the lead-in clauses
        while len(chunks) > 1 and (
            _SKIP_LEAD.match(chunks[0])
            or len(chunks[0].split()) > 10
            or _PARTICIPLE.match(chunks[0])
        ):
            chunks.pop(0)
        return ", ".join(chunks)
    kept = [chunks[0]]
    for c in chunks[1:]:
        # titles may be lower-case ("jefa de la unidad"); participial tails are not titles
        if _SKIP_LEAD.match(c) or _PARTICIPLE.match(c) or re.match(r"^\w+ndo\b", c):
            break
        kept.append(c)
    return ", ".join(kept)


_CIRCUMSTANCE = re.compile(
    r"\s+(?:during|at an?|at the|while|when|lors d[eu']|lors de|pendant|durante|mientras|tras|"
    r"en una|en el|en la|dans un|dans une|au cours d)\b.*$",
    re.I | re.S,
)


def _clean_latin_speaker(spk: str) -> str:
    spk = _CIRCUMSTANCE.sub("", spk.strip(_TRAIL_PUNCT + "."))
    # "..., who added that ..." and similar relative clauses are not part of the name.
    spk = re.split(r",?\s+(?:who|qui|quien|quién|que|which)\s", spk, maxsplit=1)[0]
    return spk.strip(_TRAIL_PUNCT + ".")


def _is_pronoun(spk: str) -> bool:
    return spk.lower() in _PRONOUNS or not spk


def _latin_pre(pre: str) -> str | None:
    """Speaker named before the quote in a Latin-script sentence, '' for a pronoun, None if none."""
    tail = pre
    # only the current sentence counts
    cut = max(tail.rfind(". "), tail.rfind("! "), tail.rfind("? "))
    # (an abbreviation is at most a few characters: look at the end only, not the whole text)
    while cut > 0 and _ABBREV.search(tail[max(0, cut - 8) : cut + 1]):
        cut = max(tail.rfind(". ", 0, cut), tail.rfind("! ", 0, cut), tail.rfind("? ", 0, cut))
    if cut > 0:
        tail = tail[cut + 2 :]
    tail = tail.rstrip()
    if not tail:
        return None
    if len(tail) > _PRE_WINDOW:
        # Every pre-quote pattern is anchored at the end and at most ~230 characters long:
        # a match cannot start earlier, and searching a long sentence from every position
        # costs milliseconds. Cut at a space, so the window starts at a word, as `\s` did.
        cut = tail.find(" ", len(tail) - _PRE_WINDOW)
        tail = tail[cut + 1 :] if cut != -1 else tail
    m = _PRE_ACCORDING.search(tail)
    if m:
        return _clean_latin_speaker(m["spk"])
    if not _ANY_LATIN_VERB.search(tail):
        return None  # both remaining patterns need a speech verb: one cheap search says none
    m = _PRE_SPK_FIRST.search(tail)
    if m:
        spk = _trim_chunks(m["spk"].strip(), from_right=True)
        # "il a déclaré" / "he said": the chunk is just a pronoun
        return _clean_latin_speaker(spk)
    m = _PRE_VERB_FIRST.search(tail)
    if m:
        return _clean_latin_speaker(_trim_chunks(m["spk"], from_right=False))
    return None


def _latin_post(post: str) -> str | None:
    head = post[: _sentence_end(post)] if post else ""
    if not head.strip(_STRIP + ".,"):
        return None
    m = _POST_ACCORDING.match(head)
    if m:
        return _clean_latin_speaker(m["spk"])
    m = _POST_VERB_FIRST.match(head)
    if m:
        spk = m["spk"]
        return _clean_latin_speaker(_trim_chunks(spk, from_right=False))
    if _FR_INVERTED.match(head) or re.match(r"^[\s,.،]*(?:" + _LATIN_VERBS + r")\s*$", head):
        return ""  # ", añadió." / "a-t-il ajouté": the subject is implicit
    m = _POST_SPK_FIRST.match(head)
    if m:
        spk = m["spk"].strip()
        spk = re.sub(r"-t-(?:il|elle)$", "", spk)
        if len(spk.split()) <= 12:
            return _clean_latin_speaker(_trim_chunks(spk, from_right=True))
    return None


def _arabic_pre(pre: str) -> str | None:
    tail = pre.rstrip()
    # the current sentence only
    cut = max(tail.rfind(". "), tail.rfind("! "), tail.rfind("؟ "))
    if cut > 0:
        tail = tail[cut + 2 :]
    m = _PRE_ACCORDING.search(tail)
    if m:
        return m["spk"].strip(_TRAIL_PUNCT + ".")
    verbs = list(re.finditer(_AR_VERB, tail))
    if not verbs:
        return None
    spk = tail[verbs[-1].end() :]
    spk = re.sub(rf"\s*{_AR_ADVERB}\s*[:：]?\s*$", "", spk)
    spk = spk.strip(_TRAIL_PUNCT + ".")
    spk = _AR_CUT.split(" " + spk + " ", maxsplit=1)[0].strip()
    return spk.strip(_TRAIL_PUNCT + ".")


def _arabic_post(post: str) -> str | None:
    head = post[: _sentence_end(post)] if post else ""
    if not head.strip(_STRIP + ".,،"):
        return None
    m = _POST_ACCORDING.match(head)
    if m:
        return m["spk"].strip(_TRAIL_PUNCT + ".")
    m = re.match(rf"^[\s,.،]*{_AR_VERB_CORE}\s*(?P<spk>.*)$", head, re.S)
    if m:
        spk = re.sub(rf"\s*{_AR_ADVERB}.*$", "", m["spk"]).strip(_TRAIL_PUNCT + ".")
        return _AR_CUT.split(" " + spk + " ", maxsplit=1)[0].strip(_TRAIL_PUNCT + ". ")
    return None


def _speaker(pre: str, post: str) -> str | None:
    arabic = bool(_HAS_ARABIC.search(pre[-80:] + post[:80]))
    if arabic:
        spk = _arabic_pre(pre)
        if spk is None:
            spk = _arabic_post(post)
    else:
        spk = _latin_pre(pre)
        if spk is None:
            spk = _latin_post(post)
    return spk


def _find_spans(text: str) -> list[tuple[int, int, int, int]]:
    """(open_start, inner_start, inner_end, close_end) per quote; inner_end == len if unclosed."""
    spans: list[tuple[int, int, int, int]] = []
    pos = 0
    while True:
        m = _OPEN_RE.search(text, pos)
        if not m:
            return spans
        opener = m.group()
        closers = _PAIRS[opener]
        best = -1
        best_len = 0
        for c in closers:
            j = text.find(c, m.end())
            if j != -1 and (best == -1 or j < best):
                best, best_len = j, len(c)
        if opener == "”" and best == -1:
            pos = m.end()  # a stray closing mark, not an opener
            continue
        if best == -1:
            spans.append((m.start(), m.end(), len(text), len(text)))
            return spans
        spans.append((m.start(), m.end(), best, best + best_len))
        pos = best + best_len


def _clean_quote(s: str) -> str:
    # the comma before an attribution ("…,” he said) belongs to the sentence, not the quote
    return _squash(s.strip(_STRIP)).rstrip(",،").rstrip()


def extract_quotes(paragraphs: Sequence[str] | Iterable[str]) -> list[Quote]:
    """Return the direct quotations found in `paragraphs` (body text, in order)."""
    paras = list(paragraphs)
    out: list[Quote] = []
    last_speaker: str | None = None
    pending: list[str] | None = None  # pieces of a quote still open at the end of a paragraph
    pending_pre = ""
    pending_fallback: str | None = None
    for para in paras:
        spans = _find_spans(para)
        if pending is not None:
            if spans and spans[0][0] == len(para) - len(para.lstrip()):
                _o0, i0, e0, c0 = spans[0]
                pending.append(para[i0:e0])
                if e0 == len(para):
                    continue  # still open
                spans = spans[1:]
                post = para[c0:]
                text = _clean_quote(" ".join(_clean_quote(p) for p in pending))
                spk = _speaker(pending_pre, post)
                if spk is None:
                    spk = pending_fallback
                last_speaker = _emit(out, text, spk, last_speaker)
                pending = None
                para_prev_end = c0
            else:
                text = _clean_quote(" ".join(_clean_quote(p) for p in pending))
                spk = _speaker(pending_pre, "")
                if spk is None:
                    spk = pending_fallback
                last_speaker = _emit(out, text, spk, last_speaker)
                pending = None
                para_prev_end = 0
        else:
            para_prev_end = 0
        para_speaker: str | None = None
        for k, (o, i, e, c) in enumerate(spans):
            if e == len(para) and c == len(para):
                pending = [para[i:e]]
                pending_pre = para[para_prev_end:o]
                pending_fallback = para_speaker
                break
            nxt = spans[k + 1][0] if k + 1 < len(spans) else len(para)
            pre = para[para_prev_end:o]
            post = para[c:nxt]
            text = _clean_quote(para[i:e])
            para_prev_end = c
            if len(text.split()) < MIN_QUOTE_WORDS:
                continue
            spk = _speaker(pre, post)
            if spk is None and para_speaker:
                spk = para_speaker  # a second quote in the same paragraph, same voice
            last_speaker = _emit(out, text, spk, last_speaker)
            para_speaker = out[-1].speaker if out else None
    if pending is not None:
        text = _clean_quote(" ".join(_clean_quote(p) for p in pending))
        spk = _speaker(pending_pre, "")
        last_speaker = _emit(out, text, pending_fallback if spk is None else spk, last_speaker)
    return out


def _emit(out: list[Quote], text: str, spk: str | None, last: str | None) -> str | None:
    if len(text.split()) < MIN_QUOTE_WORDS:
        return last
    if spk is not None:
        spk = _squash(spk)
        if _is_pronoun(spk):
            spk = last
    out.append(Quote(text=text, speaker=spk))
    return spk if spk else last
