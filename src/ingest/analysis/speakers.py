"""Who is quoted: the person, role and organisation behind each quote.

`ingest.quotes` finds each quote and the words that attribute it ("INTERPOL Secretary
General Jürgen Stock", "الأمين العام للإنتربول يورغن شتوك", "Mr Jetton", "il"), before,
after or around the quote, and carries the previous speaker over pronouns. Here that
attribution is split into parts with the reviewed role and organisation lexicons:

- Latin scripts: the person is the run of capitalised words that is neither a role, an
  organisation nor a country; the role is what remains of its chunk of the attribution
  (an organisation at either end, with its linking word, goes to `organisation`);
- Arabic (no capitals): role titles and organisations are matched and removed; the name is
  the run of words at the end that do not carry the article (a family name at the very
  end may: سارة الخطيب; so may the second part of a compound: عبد الرحمن).

A second attribution by surname alone ("Mr Stock", "الأمين العام شتوك") is resolved to the
full name used earlier in the release, and inherits its role and organisation.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from ingest.analysis.matcher import Match, Matcher, longest
from ingest.analysis.text import fold, fold_pattern, is_arabic

_PARTICLES = frozenset(
    {
        "de",
        "da",
        "del",
        "della",
        "di",
        "van",
        "von",
        "der",
        "den",
        "bin",
        "ibn",
        "al",
        "el",
        "dos",
        "das",
        "du",
        "le",
        "la",
        "y",
        "e",
        "ben",
        "ter",
        "mac",
        "st",
    }
)
_AR_COMPOUND = frozenset(
    (  # noqa: SIM905 (a word list reads better as text)
        "عبد ابو أبو نور سيف صلاح علاء جمال عز شمس بدر حسام كمال فخر نصر سعد بن بنت ولد "
    ).split()
)


@functools.cache
def _ar_compound() -> frozenset[str]:
    return frozenset(fold_pattern(x) for x in _AR_COMPOUND)


_AR_STOP = frozenset(
    (  # noqa: SIM905 (a word list reads better as text)
        "في لدى من عن مع و أن إن على قائلا قائلة بشأن حول خلال "
    ).split()
)
_LEAD_ARTICLE = re.compile(
    r"^(?:the|le|la|les|l'|l’|el|los|las|a|an|un|une|su|sa|son|its|"
    r"their|his|her)\s+",
    re.I,
)
_END_LINK = re.compile(
    r"(?:(?:\s+|^)(?:of|at|for|from|with|de|du|des|del|de la|de los|"
    r"en|à|al|the|of the|at the|in)|\s+d['’]|\s+l['’])$",
    re.I,
)
_START_LINK = re.compile(
    r"^(?:of|at|for|from|with|de|du|des|d'|d’|del|de la|de los|en|à|al"
    r"|in|the)\s+",
    re.I,
)
_AR_LINK = re.compile(r"\s+(?:في|لدى|ب|من)$")
_NAME_TOKEN = re.compile(r"^[A-ZÀ-ÖØ-ÞĀ-Ž][\w'’.-]*$")
# Capitalised words that head an organisation or a unit, never part of a person's name.
_ORG_WORDS = frozenset(
    (  # noqa: SIM905 (a word list reads better as text)
        "Police Policía Policia Polícia Force Forces Fuerza Directorate Direction "
        "Dirección Unit Unidad Unité Bureau Oficina Office Services Service Servicio "
        "Agency Agencia Agence Ministry Ministerio Ministère Department Departamento "
        "Division División Section Sección Centre Center Centro Council Conseil Consejo "
        "Commission Comisión Organismo Fiscalía Secretariat Secretaría Brigade Brigada "
        "Group Groupe Grupo Programme Program Programa Platform Plateforme Plataforma "
        "Task Taskforce National Nacional Nationale Central Judicial Judiciaire "
        "Investigación Investigation Investigations Interior Intérieur Justice Justicia "
        "Affairs Security Sécurité Seguridad Trata Cultura Culture Ambiente Environment "
        "Crime Crimes Criminal Cybercrime Cyber Maritime Maritimes "
    ).split()
)
_LINK_BEFORE = re.compile(
    r"(?:\b(?:of|the|de|del|la|le|du|des|d'|d’|at|for|contre|contra|"
    r"pour|para|en|of the|à|al|los|las)\s*)$",
    re.I,
)
MAX_NAME_WORDS = 5
_ARTICLES = frozenset({"the", "la", "le", "les", "el", "los", "las", "l'", "l’"})


# (name, role, role_en, organisation, organisation_code) of one attribution
Parsed = tuple[str | None, str | None, str | None, str | None, str | None]


@dataclass(frozen=True, slots=True)
class Speaker:
    quote_ordinal: int
    name: str | None
    role: str | None  # as written
    role_en: str | None  # the role's English label, where the lexicon knows it
    organisation: str | None  # as written
    organisation_code: str | None
    attribution: str  # before | after | around | carried | unknown
    resolved_from: str | None = None  # the surname-only form, when resolved


# Attributions repeat from release to release ("INTERPOL Secretary General Jürgen Stock"):
# each is read once per process.
@functools.lru_cache(maxsize=8192)
def parse_attribution(text: str, matcher: Matcher) -> Parsed:
    """(name, role, role_en, organisation, organisation_code) of one attribution string
    (a pure function of the two: cached)."""
    text = text.strip(" ,.:;،")
    if not text:
        return None, None, None, None, None
    arabic = is_arabic(next((c for c in text if c.isalpha()), "a"))
    if arabic:
        text = _AR_TRAILING_ADVERB.sub("", text)
        if "،" in text or "," in text:
            return _parse_arabic_chunks(text, matcher)
    folded = fold(text)
    matches = matcher.find(folded, kinds=("role", "organisation", "country", "place"))
    roles = longest(m for m in matches if m.entry.kind == "role")
    orgs = longest(m for m in matches if m.entry.kind == "organisation")
    if arabic:
        return _parse_arabic(text, folded.original, roles, orgs)
    geo = longest(m for m in matches if m.entry.kind in ("country", "place"))
    return _parse_latin(text, roles, orgs, geo)


def _covered(s: int, e: int, spans: Sequence[Match]) -> bool:
    return any(m.start < e and s < m.end for m in spans)


def _parse_latin(
    text: str, roles: list[Match], orgs: list[Match], countries: list[Match]
) -> Parsed:
    honorific = [m for m in roles if m.entry.form == "honorific"]
    titles = [m for m in roles if m.entry.form != "honorific"]
    # name candidates: runs of capitalised tokens outside roles, organisations, countries
    tokens = [(m.start(), m.end(), m.group()) for m in re.finditer(r"[^\s,;:()]+", text)]
    runs: list[list[tuple[int, int, str]]] = []
    cur: list[tuple[int, int, str]] = []
    # countries and places stop a name only where they are the whole run: "INTERPOL Buenos
    # Aires" is a place, "Milan Petrović" (Milan is also a city) a person
    blockers = titles + orgs + honorific
    for s, e, tok in tokens:
        core = tok.rstrip(".’'")
        if cur and any(c in text[cur[-1][1] : s] for c in ",;:()"):
            runs.append(cur)  # a name never runs across a comma
            cur = []
        blocked = _covered(s, e, blockers) or core.strip("’'s") in _ORG_WORDS
        is_name = (
            not blocked and bool(_NAME_TOKEN.match(tok)) and not (core.isupper() and len(core) > 2)
        )
        is_particle = not blocked and tok.lower() in _PARTICLES and cur
        if is_name or is_particle:
            cur.append((s, e, tok))
        else:
            if cur:
                runs.append(cur)
            cur = []
    if cur:
        runs.append(cur)
    runs = [
        r[
            : len(r)
            - next((i for i, t in enumerate(reversed(r)) if t[2].lower() not in _PARTICLES), len(r))
        ]
        for r in runs
    ]
    # a capitalised run right after "of/de/la" is a complement (la Trata de Personas)
    runs = [r for r in runs if r and not _LINK_BEFORE.search(text[: r[0][0]])]
    runs = [
        r
        for r in runs
        if not all(_covered(s, e, countries) or t.lower() in _ARTICLES for s, e, t in r)
    ]
    name_run = None
    if runs:
        multi = [r for r in runs if len(r) >= 2]
        name_run = (multi or runs)[0]
        if len(name_run) > MAX_NAME_WORDS:
            name_run = name_run[-MAX_NAME_WORDS:]
    name = None
    ns = ne = -1
    if name_run:
        ns, ne = name_run[0][0], name_run[-1][1]
        name = text[ns:ne].rstrip(".’'")
    # the chunk (between commas) that holds the role
    role = role_en = None
    title = next((m for m in titles), None)
    org_m = orgs[0] if orgs else None
    if title is not None:
        cs = text.rfind(",", 0, title.start) + 1
        ce = text.find(",", title.end)
        ce = len(text) if ce == -1 else ce
        if ns >= 0 and cs <= ns < ce:
            if ns > title.start:
                ce = ns
            else:
                cs = max(cs, ne)
        chunk_s, chunk_e = cs, ce
        # an organisation at either end of the chunk is the organisation, not the role
        for o in orgs:
            if o.start >= chunk_s and o.end <= chunk_e:
                before = text[chunk_s : o.start].strip()
                after = text[o.end : chunk_e].strip(" ’'s")
                if not before or _START_LINK.sub("", before) == "":
                    chunk_s = o.end
                elif not after or after in ("’s", "'s"):
                    chunk_e = o.start
        role = text[chunk_s:chunk_e].strip(" ,.")
        role = _END_LINK.sub("", role).strip(" ,.’'")
        role = _START_LINK.sub("", role) if role.lower().startswith(("of ", "at ")) else role
        role = _LEAD_ARTICLE.sub("", role).strip(" ,.’'")
        role = re.sub(r"^(?:’s|'s)\s+", "", role)
        role_en = title.entry.code
    org = org_code = None
    if org_m is not None:
        org, org_code = text[org_m.start : org_m.end], org_m.entry.code
    return name, role or None, role_en if role else None, org, org_code


def _parse_arabic(text: str, original: str, roles: list[Match], orgs: list[Match]) -> Parsed:
    honorific = [m for m in roles if m.entry.form == "honorific"]
    titles = [m for m in roles if m.entry.form != "honorific"]
    blocked: list[tuple[int, int]] = []
    for m in titles + orgs + honorific:
        blocked.append((m.start - len(m.prefix), m.end))
    words = [(m.start(), m.end(), m.group()) for m in re.finditer(r"[^\s,،:؛()]+", text)]
    name_words: list[tuple[int, int, str]] = []
    compound = _ar_compound()
    idx = len(words) - 1
    while idx >= 0 and len(name_words) < MAX_NAME_WORDS:
        s, e, w = words[idx]
        if any(a < e and s < b for a, b in blocked) or w in _AR_STOP:
            break
        if w.startswith(("ال", "لل")) and name_words:
            # an article word is a name part at the very end (الخطيب) or after عبد, أبو...
            prev = words[idx - 1][2] if idx > 0 else ""
            if fold_pattern(prev) not in compound:
                break
        name_words.append((s, e, w))
        idx -= 1
    name_words.reverse()
    name = None
    ns = len(text)
    if name_words:
        ns = name_words[0][0]
        name = text[ns : name_words[-1][1]]
        if len(name_words) == 1 and name_words[0][2].startswith("ال") and titles:
            # "المدير العام" alone: the last word belongs to the title
            name = None
            ns = len(text)
    role = role_en = None
    title = next(iter(titles), None)
    org_m = orgs[0] if orgs else None
    if title is not None:
        rs = title.start - len(title.prefix)
        re_ = ns
        if org_m is not None and org_m.start > title.start:
            re_ = min(re_, org_m.start - len(org_m.prefix))
        role = text[rs:re_].strip(" ,،")
        role = _AR_LINK.sub("", role).strip(" ,،")
        role_en = title.entry.code
    org = org_code = None
    if org_m is not None:
        org, org_code = text[org_m.start : org_m.end], org_m.entry.code
        if org_m.prefix.endswith("ل") and org.startswith("ل"):
            org = "ا" + org  # للإنتربول: the article's alef is written again
    return name, role or None, role_en if role else None, org, org_code


def _parse_arabic_chunks(text: str, matcher: Matcher) -> Parsed:
    """ "العميد سامي الخطيب، مدير إدارة مكافحة التزوير": the name from the shortest chunk
    that holds one, the role from another chunk that has a title."""
    parsed = []
    for chunk in re.split(r"\s*[،,]\s*", text):
        if not chunk:
            continue
        folded = fold(chunk)
        ms = matcher.find(folded, kinds=("role", "organisation"))
        roles = longest(m for m in ms if m.entry.kind == "role")
        orgs = longest(m for m in ms if m.entry.kind == "organisation")
        parsed.append(
            (
                len(chunk.split()),
                _parse_arabic(chunk, chunk, roles, orgs),
                chunk,
                bool(roles and roles[0].start - len(roles[0].prefix) <= 1),
            )
        )
    named = sorted((p for p in parsed if p[1][0]), key=lambda p: p[0])
    if not named:
        return next((p[1] for p in parsed if p[1][1]), (None,) * 5)
    name_p = named[0][1]
    # the other chunk that opens with a title is the role, as written (no name in it)
    other = next((p for p in parsed if p[1] is not name_p and p[3]), None)
    role, role_en = (other[2], other[1][2]) if other else (name_p[1], name_p[2])
    org = next(((p[1][3], p[1][4]) for p in parsed if p[1][3]), (None, None))
    return name_p[0], role, role_en, org[0], org[1]


def _last(name: str) -> str:
    return fold_pattern(name).split()[-1] if name.split() else ""


def attribute(
    quotes: Sequence[tuple[str, str | None]], body: str, matcher: Matcher
) -> list[Speaker]:
    """One Speaker per attributed quote (quote ordinal as in the quotes table)."""
    parsed: list[tuple[int, str, Parsed]] = []
    for i, (qtext, spk) in enumerate(quotes):
        if spk:
            spk = _extend(spk, qtext, body, matcher)
            parsed.append((i, spk, parse_attribution(spk, matcher)))
    known = [p[0] for _i, _s, p in parsed if p[0]]
    for i, (qtext, spk) in enumerate(quotes):
        if not spk:
            # "M. Urquiza a ensuite ajouté : « ... »": a known name in the sentence before
            found = _known_before(qtext, body, known)
            if found:
                parsed.append((i, found, parse_attribution(found, matcher)))
    parsed.sort(key=lambda t: t[0])
    full: dict[str, Parsed] = {}
    for _i, _spk, p in parsed:
        if p[0] and len(p[0].split()) >= 2:
            full.setdefault(_last(p[0]), p)
    by_role: dict[str, Parsed] = {}
    for _i, _spk, p in parsed:
        if p[0] and p[2]:
            by_role.setdefault(p[2], p)
    out = []
    for i, spk, (name, role, role_en, org, org_code) in parsed:
        resolved_from = None
        if name and len(name.split()) == 1 and _last(name) in full:
            ref = full[_last(name)]
            if ref[0] and fold_pattern(ref[0]) != fold_pattern(name):
                resolved_from = name
                name = ref[0]
                role, role_en = role or ref[1], role_en or ref[2]
                org, org_code = org or ref[3], org_code or ref[4]
        elif not name and role_en and role_en in by_role:
            ref = by_role[role_en]
            name = ref[0]
            org, org_code = org or ref[3], org_code or ref[4]
        out.append(
            Speaker(i, name, role, role_en, org, org_code, _position(quotes[i][0], spk, body))
        )
        if resolved_from:
            out[-1] = replace(out[-1], resolved_from=resolved_from)
    return out


_AR_ADVERBS = r"(?:قائلا|قائلاً|قائلة|مضيفا|مضيفاً|مضيفة|موضحا|موضحاً|مؤكدا|مؤكداً|بقوله|إن|أن|بأن)"
_AR_CLAUSE_END = re.compile(rf"\s*(?::|«|“|\"|’’|‘‘|\s{_AR_ADVERBS}(?=[\s:،,]|$))")
_AR_TRAILING_ADVERB = re.compile(rf"\s+{_AR_ADVERBS}\s*$")


_AR_CIRCUMSTANCE = re.compile(r"\s(?:في|خلال|أمام|لدى|عند|على هامش|بعد|قبل|أثناء)\s")


def _extend(spk: str, quote: str, body: str, matcher: Matcher | None = None) -> str:
    """The whole attribution phrase around `spk` (Arabic): quotes.py stops at في/لدى,
    which in a title belongs to it ("مدير الجريمة السيبرية في الإنتربول نيل جيتون")."""
    if not is_arabic(next((c for c in spk if c.isalpha()), "a")):
        return spk
    q = body.find(quote[:40])
    if q < 0:
        return spk
    para_s = body.rfind("\n\n", 0, q)
    para_s = 0 if para_s < 0 else para_s + 2
    pre = body[para_s:q]
    at = pre.rfind(spk)
    if at < 0:
        return spk
    m = _AR_CLAUSE_END.search(pre, at + len(spk))
    end = m.start() if m else len(pre)
    # past في/لدى only into an organisation ("في الإنتربول"), not a circumstance
    # ("في كلمته الافتتاحية")
    for c in _AR_CIRCUMSTANCE.finditer(pre, at + len(spk) - 1, end):
        after = pre[c.end() : end]
        orgs = (
            []
            if matcher is None
            else [x for x in matcher.find(fold(after), kinds=("organisation",)) if x.start <= 2]
        )
        if not orgs:
            end = c.start()
            break
    return pre[at:end].strip(" ،,") or spk


def _known_before(quote: str, body: str, known: Sequence[str]) -> str | None:
    q = body.find(quote[:40])
    if q < 0 or not known:
        return None
    start = max(body.rfind("\n\n", 0, q), body.rfind(". ", 0, q))
    pre = body[start + 1 : q]
    best = None
    for name in known:
        for cand in (name, name.split()[-1]):
            i = pre.rfind(cand)
            if i >= 0 and (best is None or i > best[0]):
                best = (i, cand)
    return best[1] if best else None


def _position(quote: str, speaker: str, body: str) -> str:
    """Where the attribution stands: before, after or around the quote; carried over."""
    head = quote[:40]
    q = body.find(head)
    if q < 0:
        return "unknown"
    para_s = body.rfind("\n\n", 0, q) + 2 if body.rfind("\n\n", 0, q) >= 0 else 0
    para_e = body.find("\n\n", q)
    para_e = len(body) if para_e < 0 else para_e
    para = body[para_s:para_e]
    at = para.find(speaker)
    if at < 0:
        return "carried"
    qs = q - para_s
    qe = qs + len(quote)
    if at < qs:
        return "before"
    rest = para[qe:]
    return "around" if any(c in rest[at - qe :] for c in '“«"’‘') else "after"
