"""Page-level signals for extraction: decoding, JSON-LD, metas, language, translations,
error-page vocabulary, datelines. Pure functions over strings and parsed nodes."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborNode

from ingest.dates import find_date, normalize_for_match
from ingest.extract_dom import clean_text

# One JSON-LD object as json.loads gives it: values are whatever the page wrote.
LdObject = dict[str, object]

# --- decoding ------------------------------------------------------------------------------

_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


def markup(html: str | bytes) -> str | bytes:
    """What the parser gets: UTF-8 stays bytes (lexbor reads UTF-8 natively, and a decode
    here plus its encode back would cost ~0.1 ms a page); other charsets are decoded."""
    if isinstance(html, str):
        return html
    if html.startswith(b"\xef\xbb\xbf"):
        return html[3:]
    if html.startswith((b"\xff\xfe", b"\xfe\xff")):
        return html.decode("utf-16", errors="replace")
    m = _CHARSET_RE.search(html[:4096])
    enc = m.group(1).decode("ascii").lower() if m else "utf-8"
    if enc in ("utf-8", "utf8"):
        return html  # lexbor replaces invalid sequences with U+FFFD, as decode would
    try:
        # A page saved or served as UTF-8 often keeps the meta of its old charset. Bytes
        # beyond ASCII that are valid UTF-8 throughout are UTF-8: in any legacy encoding a
        # page of text would almost never happen to be.
        html.decode("utf-8")
        if not html.isascii():
            return html
    except UnicodeDecodeError:
        pass
    try:
        return html.decode(enc, errors="replace")
    except LookupError:
        return html.decode("utf-8", errors="replace")


# --- JSON-LD and metas ---------------------------------------------------------------------

# schema.org types of one article: every *Article and *Posting (NewsArticle, ReportageNews
# Article, LiveBlogPosting, BlogPosting, ...), and press releases and reports.
_ARTICLE_TYPE = re.compile(r"(?:article|posting|pressrelease|report)$")
_LISTING_TYPES = frozenset(["collectionpage", "itemlist", "searchresultspage"])


def is_ld_json(script: LexborNode) -> bool:
    return (script.attributes.get("type") or "").strip().lower() == "application/ld+json"


def ld_objects(scripts: list[LexborNode]) -> list[LdObject]:
    out: list[LdObject] = []

    def visit(obj: object, depth: int = 0) -> None:
        if depth > 6:
            return
        if isinstance(obj, list):
            for o in obj:
                visit(o, depth + 1)
        elif isinstance(obj, dict):
            out.append(obj)
            if "@graph" in obj:
                visit(obj["@graph"], depth + 1)
            main = obj.get("mainEntity")
            if isinstance(main, dict | list):
                visit(main, depth + 1)

    for node in scripts:
        raw = (node.text(deep=True) or "").strip()
        if not raw:
            continue
        try:
            data = json.loads(raw)
        except ValueError:
            try:  # CMSs often leave raw control characters inside JSON strings
                data = json.loads(re.sub(r"[\x00-\x1f]+", " ", raw))
            except ValueError:
                continue
        visit(data)
    return out


def ld_types(obj: LdObject) -> set[str]:
    t = obj.get("@type")
    if isinstance(t, str):
        return {t.lower()}
    if isinstance(t, list):
        return {str(x).lower() for x in t}
    return set()


def is_article_ld(obj: LdObject) -> bool:
    return any(_ARTICLE_TYPE.search(t) for t in ld_types(obj))


def is_listing_ld(obj: LdObject) -> bool:
    return bool(ld_types(obj) & _LISTING_TYPES)


def ld_str(v: object) -> str | None:
    if isinstance(v, str):
        return v.strip() or None
    if isinstance(v, list) and v:
        return ld_str(v[0])
    if isinstance(v, dict):
        return ld_str(v.get("@value") or v.get("name"))
    return None


def _ld_url(obj: LdObject) -> str:
    for key in ("url", "mainEntityOfPage", "@id"):
        v = obj.get(key)
        if isinstance(v, dict):
            v = v.get("@id") or v.get("url")
        if isinstance(v, str) and v.strip():
            return v.strip()
    return ""


def pick_article_ld(objects: list[LdObject], url: str) -> LdObject | None:
    """The JSON-LD object of this page's article: among the article-typed objects (a page
    may also describe related stories), the one whose URL is this page's, else the one
    with a body or a date, else the first."""
    arts = [o for o in objects if is_article_ld(o)]
    if not arts:
        return None
    path = urlsplit(url).path.rstrip("/")
    for o in arts:
        u = _ld_url(o)
        if u and path and urlsplit(urljoin(url, u)).path.rstrip("/") == path:
            return o
    return next((o for o in arts if o.get("articleBody") or o.get("datePublished")), arts[0])


def dated_ld(objects: list[LdObject], article: LdObject | None, url: str) -> list[LdObject]:
    """JSON-LD objects that may date this page when its article object does not: the
    objects about this URL (a WebPage, a ClaimReview), then any page-like or review object,
    never an organisation, a person or a media file."""
    path = urlsplit(url).path.rstrip("/")
    mine, pagey = [], []
    for o in objects:
        if o is article or not o.get("datePublished"):
            continue
        u = _ld_url(o)
        if u and path and urlsplit(urljoin(url, u)).path.rstrip("/") == path:
            mine.append(o)
        elif any(t.endswith(("page", "review", "claim")) for t in ld_types(o)):
            pagey.append(o)
    return mine + pagey


def metas(nodes: list[LexborNode]) -> dict[str, str]:
    out: dict[str, str] = {}
    for m in nodes:
        a = m.attributes
        key = a.get("property") or a.get("name") or a.get("itemprop") or a.get("http-equiv")
        val = a.get("content")
        if key and val and key.lower() not in out:
            out[key.lower()] = val.strip()
    return out


# --- language --------------------------------------------------------------------------------

_CODE = re.compile(r"^[a-z]{2,3}$")


@functools.lru_cache(maxsize=1024)
def lang_code(value: str | None) -> str | None:
    """ISO 639 code of a BCP 47 tag ('es-ES' -> 'es'); None for 'x-default', junk or empty."""
    if not value:
        return None
    code = value.strip().lower().replace("_", "-").split("-")[0]
    return code if _CODE.match(code) else None


AR_CHARS = re.compile(r"[\u0600-\u06ff]")
# Scripts that name their language (or nearly: Cyrillic and Han are guesses, refined by
# the page's lang attribute when it has one).
_SCRIPTS = (
    ("ja", re.compile(r"[\u3040-\u30ff]")),
    ("ko", re.compile(r"[\uac00-\ud7af]")),
    ("zh", re.compile(r"[\u4e00-\u9fff]")),
    ("ar", AR_CHARS),
    ("he", re.compile(r"[\u0590-\u05ff]")),
    ("ru", re.compile(r"[\u0400-\u04ff]")),
    ("el", re.compile(r"[\u0370-\u03ff]")),
    ("th", re.compile(r"[\u0e00-\u0e7f]")),
    ("hi", re.compile(r"[\u0900-\u097f]")),
)
_STOP = {
    "en": ["the", "and", "of", "to", "in", "is", "for", "with", "that", "on", "was"],
    "fr": ["le", "la", "les", "des", "du", "et", "est", "une", "pour", "dans", "que", "sur"],
    "es": ["el", "la", "los", "las", "del", "y", "por", "para", "una", "con", "que", "en"],
    "de": ["der", "die", "und", "das", "nicht", "mit", "sich", "des", "ist", "ein", "auf"],
    "it": ["il", "di", "che", "è", "della", "per", "non", "una", "gli", "nel", "sono"],
    "pt": ["de", "que", "não", "uma", "os", "do", "da", "em", "para", "com", "ao", "mais"],
    "nl": ["de", "het", "een", "van", "en", "niet", "dat", "zijn", "op", "voor", "met"],
}


GUESS_SAMPLE_CHARS, SCRIPT_MIN_SHARE = 3000, 0.15  # a script names the language from 15%


def guess_language(text: str) -> str:
    """A language code from the text alone: script first, then common function words."""
    sample = text[:GUESS_SAMPLE_CHARS]
    if not sample:
        return "und"
    for code, rx in _SCRIPTS:
        if len(rx.findall(sample)) > len(sample) * SCRIPT_MIN_SHARE:
            return code
    words = sample.lower().split()
    counts: dict[str, int] = {}
    for w in words:
        counts[w] = counts.get(w, 0) + 1
    scores = {lang: sum(counts.get(w, 0) for w in ws) for lang, ws in _STOP.items()}
    best = max(scores, key=lambda k: scores[k])
    return best if scores[best] else "und"


# --- translations ---------------------------------------------------------------------------

_LANG_SEGMENT = re.compile(r"^[a-z]{2}(?:[-_][a-z]{2,4})?$", re.I)
_LISTING_SEGMENT = re.compile(r"^(?:page|seite|pagina|p)?\d{1,3}$|^(?:index|home|start)\b", re.I)


# RFC 3986 appendix B: the path and the query of a URL in one C-level match (urlsplit
# costs several microseconds a call, and a page has a dozen language links).
_URL_PARTS = re.compile(r"(?:[A-Za-z][A-Za-z0-9+.-]*:)?(?://[^/?#]*)?([^?#]*)(?:\?([^#]*))?")
_PAGED_QUERY = re.compile(r"(?:^|&)(?:page|p|start|offset)=", re.I)
_DIGIT = re.compile(r"\d")
_ORIGIN = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*")


def _segments(url: str) -> list[str]:
    path = _URL_PARTS.match(url).group(1)  # type: ignore[union-attr]  # always matches
    # (a language segment is at most 8 characters: the length spares most matches)
    return [s for s in path.split("/") if s and not (len(s) <= 8 and _LANG_SEGMENT.match(s))]


def _absolute(base: str, href: str) -> str:
    """urljoin, with the common cases (already absolute, root-relative) done directly."""
    if href.startswith(("http://", "https://")):
        return href
    if href.startswith("/") and not href.startswith("//"):
        m = _ORIGIN.match(base)
        if m:
            return m.group(0) + href
    return urljoin(base, href)


# A path segment names one item when it has digits, two or more hyphens, SLUG_MIN_CHARS
# characters, percent-escapes, or SLUG_MIN_NON_ASCII bytes beyond ASCII (an Arabic slug).
SLUG_MIN_CHARS, SLUG_MIN_NON_ASCII = 25, 8


def _slug_like(seg: str) -> bool:
    """A path segment that names one item: digits, a hyphenated phrase, or a long word."""
    return (
        seg.count("-") + seg.count("_") >= 2
        or len(seg) >= SLUG_MIN_CHARS
        or "%" in seg
        or _DIGIT.search(seg) is not None
        or len(seg.encode()) - len(seg) >= SLUG_MIN_NON_ASCII
    )


def is_article_url(target: str, own: str | list[str]) -> bool:
    """Whether a link target can be an article page rather than a language home, a section
    or a listing: judged from its path against the page's own (URL or its segments)."""
    t = _segments(target)
    o = _segments(own) if isinstance(own, str) else own
    if not t:
        return False  # "/fr/", "/ar": a language home
    query = _URL_PARTS.match(target).group(2) or ""  # type: ignore[union-attr]
    if _LISTING_SEGMENT.match(t[-1]) or (query and _PAGED_QUERY.search(query)):
        return False
    if _slug_like(t[-1]):
        return True
    # an unslugged path as deep as this article's (same URL scheme, other language)
    return len(o) >= 2 and len(t) >= len(o)


def translations(late: dict[str, list[LexborNode]], url: str, own: str) -> dict[str, str]:
    """Links to this release in other languages: hreflang alternates and language-switcher
    anchors (a[hreflang], a[lang]) whose target can be an article page; never a language
    home, section or listing. `late` holds base[href], link[hreflang], a[hreflang], a[lang]."""
    base = url
    if late.get("base"):
        base = urljoin(url, late["base"][0].attributes.get("href") or "")
    own_abs = url.split("#")[0]
    own_segs = _segments(url)
    out: dict[str, str] = {}
    for link in late.get("link", []):
        a = link.attributes
        if "alternate" not in (a.get("rel") or "").lower():
            continue
        lang = lang_code(a.get("hreflang"))
        href = (a.get("href") or "").strip()
        if not lang or lang == own or not href or lang in out:
            continue
        target = _absolute(base, href)
        if target.split("#")[0] != own_abs and is_article_url(target, own_segs):
            out[lang] = target
    for anchor in late.get("a", []):
        a = anchor.attributes
        lang = lang_code(a.get("hreflang") or a.get("lang"))
        href = (a.get("href") or "").strip()
        if (
            not lang
            or lang == own
            or lang in out
            or not href
            or href.startswith(("#", "javascript:", "mailto:"))
        ):
            continue
        target = _absolute(base, href)
        if target.split("#")[0] == own_abs or not is_article_url(target, own_segs):
            continue
        out[lang] = target
    return dict(sorted(out.items()))


# --- non-release signals ----------------------------------------------------------------------

# An error page says so in its title or h1, in a few words. A bare status number is not
# enough: "429 arrested in operation X" is a release. So a status code counts only when
# the rest of the title is error vocabulary ("404", "Error 404", "404 - Page not found").
_ERROR_WORDS = (
    r"(?:page\s+)?not\s+found|forbidden|gone|too\s+many\s+requests|access\s+denied|"
    r"(?:internal\s+)?server\s+error|bad\s+gateway|service\s+(?:temporarily\s+)?unavailable|"
    r"error|erreur|oops|page\s+introuvable|introuvable|p[áa]gina\s+no\s+encontrada|"
    r"no\s+encontrada|error\s+del\s+servidor|الصفحة\s+غير\s+موجودة|غير\s+موجودة|خطأ"
)
_STATUS = r"(?:400|401|403|404|410|429|500|502|503|504)"
_ERROR_TITLE = re.compile(
    rf"^\W*(?:(?:{_ERROR_WORDS})\W*)?{_STATUS}(?:\W+(?:{_ERROR_WORDS}))*\W*$"
    rf"|^\W*(?:{_ERROR_WORDS})(?:\W+(?:{_ERROR_WORDS}))*\W*$",
    re.I,
)
# Phrases that only error pages carry, wherever they appear in the heading or title.
_ERROR_PHRASE = re.compile(
    # (the lookahead names the phrases' first letters: a position without one is passed
    # over without trying each phrase)
    r"(?=[pctseال])(?:"
    r"page not found|could not be served|too many requests|service unavailable|"
    r"temporarily unavailable|page you (?:requested|are looking for)|page introuvable|"
    r"page demandée|p[áa]gina no encontrada|p[áa]gina que busca|الصفحة غير موجودة|"
    r"لم يتم العثور على الصفحة|error page|page d'erreur)",
    re.I,
)
SITE_SUFFIX = re.compile(r"\s+[|–—:-]\s+[^|–—:-]{1,60}$")


def is_error_heading(texts: Iterable[str]) -> bool:
    for text in texts:
        t = clean_text(text)
        if not t:
            continue
        if _ERROR_PHRASE.search(t) or _ERROR_TITLE.match(SITE_SUFFIX.sub("", t)):
            return True
    return False


# --- text comparisons ----------------------------------------------------------------------


_NON_WORD = re.compile(r"[^\w\s]")


@functools.lru_cache(maxsize=4096)
def norm_key(s: str) -> str:
    # cached: the title finders compare the same few lines (title, headline, the blocks
    # under the title) many times per page
    return " ".join(_NON_WORD.sub(" ", s.casefold()).split())


# Two texts are the same line when equal after normalisation, or when the shorter (at least
# SIMILAR_MIN_CHARS long) starts the longer over SIMILAR_PREFIX_SHARE of its length: meta
# descriptions are often truncated ("…") or the block has a trailing extra word.
SIMILAR_MIN_CHARS, SIMILAR_PREFIX_SHARE = 40, 0.9
# A line "is a date": at most DATE_LINE_MAX_CHARS, and the date is most of it (what is left
# is at most DATE_REST_SHARE of the line) or the line has at most DATE_LINE_MAX_WORDS words.
DATE_LINE_MAX_CHARS, DATE_REST_SHARE, DATE_LINE_MAX_WORDS = 80, 0.6, 6


def similar(a: str, b: str) -> bool:
    ka, kb = norm_key(a), norm_key(b)
    if not ka or not kb:
        return False
    if ka == kb:
        return True
    short, long_ = sorted((ka, kb), key=len)
    n = max(SIMILAR_MIN_CHARS, int(len(short) * SIMILAR_PREFIX_SHARE))
    return len(short) >= SIMILAR_MIN_CHARS and long_.startswith(short[:n])


def is_date_only(text: str, language: str | None) -> bool:
    if len(text) > DATE_LINE_MAX_CHARS:
        return False
    hit = find_date(text, language)
    if not hit:
        return False
    _, s, e = hit
    rest = len(text) - (e - s)
    return rest <= DATE_REST_SHARE * len(text) or len(text.split()) <= DATE_LINE_MAX_WORDS


# --- dateline ----------------------------------------------------------------------------------

_DASH_SPLIT = re.compile(
    r"^(?P<pre>.{2,80}?)(?:\s+[–—-]{1,2}\s*|(?<=[).])\s*[–—-]{1,2}\s*)(?P<rest>\S.*)$", re.S
)
_SMALL_WORDS = frozenset(
    [
        "de",
        "del",
        "la",
        "le",
        "les",
        "du",
        "des",
        "d'",
        "of",
        "the",
        "y",
        "et",
        "and",
        "en",
        "el",
        "los",
        "al",
        "à",
        "a",
        "am",
        "den",
        "im",
        "em",
        "do",
        "da",
    ]
)
DATELINE_MAX_CHARS, DATELINE_MAX_WORDS = 60, 8  # a place (and date) opening a paragraph
_DATE_JOINERS = re.compile(r"[\s,]*(?:\b(?:le|el|den|am|de|on|the)\s*)?$", re.I)


def split_dateline(text: str) -> tuple[str | None, str]:
    """('LYON, France', rest) when the paragraph opens with a place (and maybe a date) and a
    dash ("LYON, France –", "BUENOS AIRES.–", "Lyon (France), le 3 mai 2024 –",
    "MADRID, 3 de mayo de 2024.-"), else (None, text)."""
    # the match needs a dash: without one anywhere, spare its 80 tries of the place
    m = _DASH_SPLIT.match(text) if ("-" in text or "–" in text or "—" in text) else None
    if not m:
        return None, text
    pre = m["pre"].strip().rstrip(".").rstrip()
    if len(pre) > DATELINE_MAX_CHARS or len(pre.split()) > DATELINE_MAX_WORDS:
        return None, text
    place = pre
    hit = find_date(place)
    if hit is not None and hit[1] > 0:
        # a date after the place: the place alone must read as one ("Lyon (France), le")
        place = _DATE_JOINERS.sub("", normalize_for_match(place)[: hit[1]])
        place = pre[: len(place)].strip()
    words = place.split()
    if not words or re.search(r"[.!?;:؟«»“”\"]$|[!?;؟]", place):
        return None, text
    if AR_CHARS.search(place):
        # Arabic has no capitals: accept a short place, typically "المدينة (البلد)"
        if "(" in place or len(words) <= 3:
            return pre, m["rest"]
        return None, text
    head = re.split(r"[,(/]", place, maxsplit=1)[0].strip()
    letters = [c for c in head if c.isalpha()]
    if len(letters) >= 2 and all(c.isupper() for c in letters):
        return pre, m["rest"]
    # "Lyon (France)", "Buenos Aires, Argentina": every word capitalised, with a separator
    if ("(" in pre or "," in pre) and all(
        w[:1].isupper() or w.strip("(),").lower() in _SMALL_WORDS or not w[:1].isalpha()
        for w in words
    ):
        return pre, m["rest"]
    return None, text
