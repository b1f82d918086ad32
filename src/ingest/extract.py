"""Turn one saved HTML press-release page into a structured `Release` (no network, ever).

Semantic signals come first (html lang, meta/og tags, JSON-LD NewsArticle, <time datetime>,
h1, article/main/[itemprop=articleBody]); layout heuristics (text and link density over a
flattened block list, see extract_dom) are the fallback. Class/id words are only generic
hints (share, related, cookie, lead, summary, ...), never one site's names.

Without an h1 the title is the block whose text is the headline / og:title / <title> (site
name around it allowed), else the first headline-like line of the short-block run above the
body. Without JSON-LD, date metas or <time>, the date is the first line that is a date and
little else near the title (after it first, then just above it), else a short line that
mentions one, else a bare date line closing the body. Error pages (4xx/5xx, rate limits)
raise NotAReleaseError.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborNode

from ingest.dates import find_date, parse_date
from ingest.errors import ExtractError, NotAReleaseError
from ingest.extract_dom import Blk, Walker, clean_text, nodes_by_tag, parse
from ingest.quotes import Quote, extract_quotes

__all__ = ["PARSER_VERSION", "Block", "Quote", "Release", "extract_release", "main"]

PARSER_VERSION = "1.2.0"
LANGUAGES = ("en", "fr", "es", "ar")


@dataclass(frozen=True, slots=True)
class Block:
    kind: str
    text: str


@dataclass(frozen=True, slots=True)
class Release:
    url: str
    language: str
    title: str
    subtitle: str | None
    published_date: dt.date
    dateline: str | None
    blocks: tuple[Block, ...]
    quotes: tuple[Quote, ...]
    translations: dict[str, str] = field(default_factory=dict)

    @property
    def body_text(self) -> str:
        return "\n\n".join(b.text for b in self.blocks)

    def to_dict(self) -> dict:
        return {
            "url": self.url,
            "language": self.language,
            "title": self.title,
            "subtitle": self.subtitle,
            "published_date": self.published_date.isoformat(),
            "dateline": self.dateline,
            "blocks": [{"kind": b.kind, "text": b.text} for b in self.blocks],
            "quotes": [{"text": q.text, "speaker": q.speaker} for q in self.quotes],
            "translations": dict(self.translations),
            "body_text": self.body_text,
        }


# --- decoding ------------------------------------------------------------------------------

_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


def _markup(html: str | bytes) -> str | bytes:
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
        return html.decode(enc, errors="replace")
    except LookupError:
        return html.decode("utf-8", errors="replace")


# --- metadata --------------------------------------------------------------------------------

_ARTICLE_TYPES = frozenset(
    [
        "newsarticle",
        "article",
        "pressrelease",
        "reportagenewsarticle",
        "blogposting",
        "analysisnewsarticle",
        "reportnewsarticle",
        "backgroundnewsarticle",
        "opinionnewsarticle",
    ]
)
_LISTING_TYPES = frozenset(["collectionpage", "itemlist", "searchresultspage"])


def _is_ld_json(script: LexborNode) -> bool:
    return (script.attributes.get("type") or "").strip().lower() == "application/ld+json"


def _ld_objects(scripts: list[LexborNode]) -> list[dict]:
    out: list[dict] = []

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


def _types(obj: dict) -> set[str]:
    t = obj.get("@type")
    if isinstance(t, str):
        return {t.lower()}
    if isinstance(t, list):
        return {str(x).lower() for x in t}
    return set()


def _ld_str(v: object) -> str | None:
    if isinstance(v, str):
        return v.strip() or None
    if isinstance(v, list) and v:
        return _ld_str(v[0])
    if isinstance(v, dict):
        return _ld_str(v.get("@value") or v.get("name"))
    return None


def _metas(nodes: list[LexborNode]) -> dict[str, str]:
    out: dict[str, str] = {}
    for m in nodes:
        a = m.attributes
        key = a.get("property") or a.get("name") or a.get("itemprop") or a.get("http-equiv")
        val = a.get("content")
        if key and val and key.lower() not in out:
            out[key.lower()] = val.strip()
    return out


def _lang_code(value: str | None) -> str | None:
    if not value:
        return None
    code = value.strip().lower().replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else None


_AR_CHARS = re.compile(r"[\u0600-\u06ff]")
_STOP = {
    "en": ["the", "and", "of", "to", "in", "is", "for", "with", "that", "on", "was"],
    "fr": ["le", "la", "les", "des", "du", "et", "est", "une", "pour", "dans", "que", "sur"],
    "es": ["el", "la", "los", "las", "del", "y", "por", "para", "una", "con", "que", "en"],
}


def _guess_language(text: str) -> str:
    sample = text[:3000]
    if len(_AR_CHARS.findall(sample)) > len(sample) * 0.3:
        return "ar"
    words = sample.lower().split()
    scores = {lang: sum(words.count(w) for w in ws) for lang, ws in _STOP.items()}
    return max(scores, key=lambda k: scores[k])


# --- dates -------------------------------------------------------------------------------------

_META_DATE_KEYS = (
    "article:published_time",
    "og:published_time",
    "date",
    "pubdate",
    "publish-date",
    "publish_date",
    "publication_date",
    "dc.date",
    "dc.date.issued",
    "dcterms.date",
    "dcterms.issued",
    "datepublished",
    "sailthru.date",
)


def _ancestor_ids(node: LexborNode) -> set[int]:
    ids = set()
    p = node.parent
    while p is not None:
        ids.add(p.mem_id)
        p = p.parent
    return ids


# --- dateline ----------------------------------------------------------------------------------

_DASH_SPLIT = re.compile(
    r"^(?P<pre>.{2,80}?)(?:\s+[–—-]{1,2}\s*|(?<=\))\s*[–—-]\s*)(?P<rest>\S.*)$", re.S
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
    ]
)


def _split_dateline(text: str) -> tuple[str | None, str]:
    """('LYON, France', rest) when the paragraph opens with a place and a dash, else
    (None, text)."""
    m = _DASH_SPLIT.match(text)
    if not m:
        return None, text
    pre = m["pre"].strip()
    words = pre.split()
    if len(pre) > 60 or len(words) > 8 or re.search(r"[.!?;:؟«»“”\"]$|[!?;؟]", pre):
        return None, text
    if _AR_CHARS.search(pre):
        # Arabic has no capitals: accept a short place, typically "المدينة (البلد)"
        if "(" in pre or len(words) <= 3:
            return pre, m["rest"]
        return None, text
    head = re.split(r"[,(]", pre, maxsplit=1)[0].strip()
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


# --- translations ---------------------------------------------------------------------------

_LANG_SEGMENT = re.compile(r"^[a-z]{2}(?:[-_][a-z]{2,4})?$", re.I)


def _looks_like_article(url: str) -> bool:
    parts = urlsplit(url)
    segs = [s for s in parts.path.split("/") if s and not _LANG_SEGMENT.match(s)]
    if len(segs) >= 2:
        return True
    if len(segs) == 1 and (re.search(r"\d", segs[0]) or segs[0].count("-") >= 2):
        return True
    return bool(parts.query) and bool(segs)


def _translations(late: dict[str, list[LexborNode]], url: str, own: str) -> dict[str, str]:
    """hreflang alternates; `late` holds base[href], link[hreflang], a[hreflang], a[lang]."""
    base = url
    if late.get("base"):
        base = urljoin(url, late["base"][0].attributes.get("href") or "")
    own_abs = url.split("#")[0]
    out: dict[str, str] = {}
    for link in late.get("link", []):
        a = link.attributes
        if "alternate" not in (a.get("rel") or "").lower():
            continue
        lang = _lang_code(a.get("hreflang"))
        href = (a.get("href") or "").strip()
        if lang and lang != own and href and lang not in out:
            out[lang] = urljoin(base, href)
    for anchor in late.get("a", []):
        a = anchor.attributes
        lang = _lang_code(a.get("hreflang") or a.get("lang"))
        href = (a.get("href") or "").strip()
        if (
            not lang
            or lang == own
            or lang in out
            or not href
            or href.startswith(("#", "javascript:"))
        ):
            continue
        target = urljoin(base, href)
        if target.split("#")[0] == own_abs or not _looks_like_article(target):
            continue
        out[lang] = target
    return {k: out[k] for k in LANGUAGES if k in out}


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
    r"page not found|could not be served|too many requests|service unavailable|"
    r"temporarily unavailable|page you (?:requested|are looking for)|page introuvable|"
    r"page demandée|p[áa]gina no encontrada|p[áa]gina que busca|الصفحة غير موجودة|"
    r"لم يتم العثور على الصفحة|error page|page d'erreur",
    re.I,
)


def _is_error_heading(texts: Iterable[str]) -> bool:
    for text in texts:
        t = clean_text(text)
        if not t:
            continue
        if _ERROR_PHRASE.search(t) or _ERROR_TITLE.match(_SITE_SUFFIX.sub("", t)):
            return True
    return False


_SITE_SUFFIX = re.compile(r"\s+[|–—:-]\s+[^|–—:-]{1,60}$")


def _norm_key(s: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", s.casefold()).split())


def _similar(a: str, b: str) -> bool:
    ka, kb = _norm_key(a), _norm_key(b)
    if not ka or not kb:
        return False
    if ka == kb:
        return True
    short, long_ = sorted((ka, kb), key=len)
    # meta descriptions are often truncated ("…") or the block has a trailing extra word
    return len(short) >= 40 and long_.startswith(short[: max(40, int(len(short) * 0.9))])


def _is_date_only(text: str, language: str | None) -> bool:
    if len(text) > 80:
        return False
    hit = find_date(text, language)
    if not hit:
        return False
    _, s, e = hit
    rest = len(text) - (e - s)
    return rest <= 0.6 * len(text) or len(text.split()) <= 6


# --- main entry --------------------------------------------------------------------------------


def extract_release(html: str | bytes, url: str) -> Release:
    """Extract one release from a saved page; raises ExtractError / NotAReleaseError."""
    markup = _markup(html)
    if ("<" if isinstance(markup, str) else b"<") not in markup[:10000]:
        raise ExtractError(url, "not_html", "no markup found")
    tree, found = parse(markup, "script, style, noscript, template, meta")
    body = tree.body
    if body is None:
        raise ExtractError(url, "not_html", "no <body>")

    ld = _ld_objects([n for n in found.get("script", []) if _is_ld_json(n)])
    article_ld = next((o for o in ld if _types(o) & _ARTICLE_TYPES), None)
    listing_ld = any(_types(o) & _LISTING_TYPES for o in ld)
    metas = _metas(found.get("meta", []))
    # Code and templates are never text. Detached (as strip_tags does), not destroyed, from
    # the nodes the parse pass already found: strip_tags would walk the tree once per tag.
    for tag in ("script", "style", "noscript", "template"):
        for node in found.get(tag, ()):
            node.decompose(recursive=False)
    # Looked up once the code is out, so nothing inside a script or template counts.
    late = nodes_by_tag(tree.css("base[href], link[hreflang], a[hreflang], a[lang], time"))

    walker = Walker(body)
    blocks = walker.run()
    if not blocks:
        raise NotAReleaseError(url, "empty page: no text blocks")

    # language ------------------------------------------------------------------------------
    html_node = tree.css_first("html")
    lang_attr = html_node.attributes.get("lang") if html_node is not None else None
    raw_lang = (
        lang_attr
        or metas.get("content-language")
        or metas.get("og:locale")
        or (_ld_str(article_ld.get("inLanguage")) if article_ld else None)
    )
    language = _lang_code(raw_lang)
    sample = " ".join(b.text for b in blocks if not b.soft and b.kind == "paragraph")[:3000]
    if language is None:
        language = _guess_language(sample) if sample else "en"
    else:
        # a template's lang attribute can lie about the script; only that mistake is cheap to see
        is_ar = len(_AR_CHARS.findall(sample[:1000])) > min(len(sample), 1000) * 0.3
        if is_ar != (language == "ar"):
            language = _guess_language(sample)
    date_lang = (raw_lang or language).lower() if _lang_code(raw_lang) == language else language

    # title candidates from metadata; without an h1 the visible title is found by its text --------
    h1s = [b for b in blocks if b.kind == "h1"]
    title_node = tree.css_first("title")
    page_title = (title_node.text(deep=True) if title_node is not None else "") or ""
    meta_title = clean_text(
        (_ld_str(article_ld.get("headline")) if article_ld else None)
        or metas.get("og:title")
        or metas.get("twitter:title")
        or ""
    )
    meta_titles = [t for t in (meta_title, clean_text(page_title)) if t]
    title_guess = None if h1s else _match_title(blocks, meta_titles)

    # where is the body? ------------------------------------------------------------------------
    def good(b: Blk) -> bool:
        return (
            b.kind in ("paragraph", "list_item")
            and not b.soft
            and len(b.text) >= 40
            and b.link_density < 0.35
            and b is not title_guess
        )

    goods = [b for b in blocks if good(b)]
    total_good = sum(len(b.text) for b in goods)
    if total_good == 0:
        if _is_error_heading([*(b.text for b in h1s[:2]), page_title]):
            raise NotAReleaseError(url, f"error page: {clean_text(page_title or h1s[0].text)[:80]}")
        raise _no_body(url)
    region, scope, container, body_blocks, first_body_idx = _locate_body(
        walker, blocks, goods, good
    )
    if not h1s and title_guess is None and not meta_title:
        # no h1 and no metadata title: the headline-like line opening the header run above
        # the body (it may have been taken for the first body paragraph: then locate again)
        title_guess = _prominent_title(blocks, first_body_idx, date_lang)
        if title_guess is not None and title_guess.idx >= first_body_idx:
            goods = [b for b in goods if b is not title_guess]
            if goods:
                region, scope, container, body_blocks, first_body_idx = _locate_body(
                    walker, blocks, goods, good
                )
            else:
                title_guess = None

    # not a release? ----------------------------------------------------------------------------
    probe = " ".join([*(b.text for b in h1s[:2]), page_title])
    body_chars = sum(len(b.text) for b in body_blocks if b.kind != "heading")
    if _is_error_heading([*(b.text for b in h1s[:2]), page_title]) and body_chars < 1500:
        raise NotAReleaseError(url, f"error page: {clean_text(probe)[:80]}")
    link_heads = [
        b for b in blocks if b.kind == "heading" and b.link_density > 0.6 and container in b.path
    ]
    para_count = sum(1 for b in scope if b.kind == "paragraph" and container in b.path)
    if (listing_ld and article_ld is None) or (
        len(link_heads) >= 3 and len(link_heads) * 2 >= para_count
    ):
        raise NotAReleaseError(url, f"listing page: {len(link_heads)} linked headings")

    # title ------------------------------------------------------------------------------------
    title_blk = _pick_title(h1s, region, first_body_idx) if h1s else title_guess
    if title_blk is not None:
        title = title_blk.text
    else:
        title = meta_title or _SITE_SUFFIX.sub("", clean_text(page_title))
    if not title:
        raise ExtractError(url, "no_title", "no h1, headline, og:title or <title>")
    t_idx = title_blk.idx if title_blk is not None else -1
    # kickers and labels printed above the title are never body text
    after_title = [b for b in body_blocks if b.idx > t_idx]
    if after_title:
        body_blocks = after_title

    # date -------------------------------------------------------------------------------------
    published, date_idx = _find_published(
        late.get("time", []), walker, article_ld, metas, blocks, region, t_idx, first_body_idx,
        container, date_lang,
    )
    if published is None:
        raise ExtractError(url, "no_date", "no datePublished, date meta, <time> or visible date")

    # drop the title / date echoes from the body ----------------------------------------------
    title_key = _norm_key(title)
    body_blocks = [
        b
        for b in body_blocks
        if not (b.idx <= first_body_idx + 3 and _norm_key(b.text) == title_key)
        and not (b.idx < first_body_idx + 1 and _is_date_only(b.text, date_lang))
        and not (
            len(b.text) <= 40
            and _is_date_only(b.text, date_lang)
            and parse_date(b.text, date_lang) == published
        )
        and b.idx != date_idx
        and any(ch.isalnum() for ch in b.text)
    ]
    if not body_blocks:
        raise _no_body(url)

    # standfirst -------------------------------------------------------------------------------
    subtitle_blk = _pick_subtitle(
        blocks,
        body_blocks,
        region,
        container,
        t_idx,
        article_ld,
        metas,
        date_lang,
        title_key,
        date_idx,
    )
    subtitle = subtitle_blk.text if subtitle_blk is not None else None
    if subtitle_blk is not None:
        body_blocks = [b for b in body_blocks if b is not subtitle_blk]

    # dateline -----------------------------------------------------------------------------------
    out_blocks: list[Block] = []
    dateline = None
    for b in body_blocks:
        text_ = b.text
        if dateline is None and not out_blocks and b.kind == "paragraph":
            dateline, text_ = _split_dateline(text_)
            text_ = text_.strip()
        if text_ and any(ch.isalnum() for ch in text_):
            out_blocks.append(Block(b.kind, text_))
    if not out_blocks or sum(len(b.text) for b in out_blocks) < 80:
        raise _no_body(url)

    quotes = extract_quotes(b.text for b in out_blocks if b.kind != "heading")
    return Release(
        url=url,
        language=language,
        title=title,
        subtitle=subtitle,
        published_date=published,
        dateline=dateline,
        blocks=tuple(out_blocks),
        quotes=tuple(quotes),
        translations=_translations(late, url, language),
    )


def _no_body(url: str) -> ExtractError:
    return ExtractError(url, "no_body", "no body paragraphs found")


def _match_title(blocks: list[Blk], candidates: list[str]) -> Blk | None:
    """Without an h1: the visible block whose text is the og:title / headline / <title>.

    A <title> usually carries the site name before or after the headline, so a block whose
    text fills most of a candidate also matches. Among matches the last one before the first
    prose paragraph wins (breadcrumb trails repeat the title earlier on the page)."""
    keys = [k for k in (_norm_key(c) for c in candidates) if k]
    if not keys:
        return None
    best: Blk | None = None
    best_score = 0.0
    for b in blocks:
        if b.kind not in ("paragraph", "heading") or len(b.text) > 300 or b.link_density > 0.5:
            if best is not None and _is_prose(b):
                break
            continue
        k = _norm_key(b.text)
        score = 0.0
        if len(k.split()) >= 2:
            for key in keys:
                if k == key:
                    score = max(score, 2.0)
                elif k in key and len(k) >= 0.5 * len(key):
                    score = max(score, 1.0 + len(k) / len(key) / 2)
                elif _similar(k, key):
                    score = max(score, 1.0)
        if score and score >= best_score:
            best, best_score = b, score
        elif best is not None and _is_prose(b):
            break  # the body has started: later echoes of the title are not the title
    return best


def _is_prose(b: Blk) -> bool:
    return b.kind == "paragraph" and not b.soft and len(b.text) >= 120 and b.link_density < 0.2


_END_PUNCT = ".!?;:،؛؟"


def _prominent_title(blocks: list[Blk], first_body_idx: int, lang: str) -> Blk | None:
    """No h1 and no usable metadata: the first headline-like line in the run of short blocks
    right above the body (kicker, title, date, standfirst)."""
    window: list[Blk] = []
    for b in reversed(blocks[max(0, first_body_idx - 8) : first_body_idx + 1]):
        if b.link_density > 0.5 or len(b.text) > 300:
            break  # navigation or an earlier text column: the header run ends here
        window.append(b)
    window.reverse()
    for b in window:
        if (
            b.kind in ("paragraph", "heading")
            and not b.soft
            and not b.sf
            and 3 <= len(b.text.split()) <= 40
            and b.text[-1] not in _END_PUNCT
            and not _is_date_only(b.text, lang)
            and (b.idx < first_body_idx or len(b.text) <= 200)
        ):
            return b
    return None


def _locate_body(
    walker: Walker, blocks: list[Blk], goods: list[Blk], good: Callable[[Blk], bool]
) -> tuple[int | None, list[Blk], int, list[Blk], int]:
    """(region, prose in it, body container, candidate body blocks, index of the first prose)."""
    region = _pick_region(walker, goods, sum(len(b.text) for b in goods))
    scope = [b for b in goods if region is None or region in b.path]
    container = _deepest_holder(scope, sum(len(b.text) for b in scope), 0.7)
    body_blocks = [
        b
        for b in blocks
        if container in b.path and not b.soft and b.kind != "h1" and b.link_density < 0.6
    ]
    first_body_idx = next((b.idx for b in body_blocks if good(b)), body_blocks[0].idx)
    return region, scope, container, body_blocks, first_body_idx


def _pick_region(walker: Walker, goods: list[Blk], total: int) -> int | None:
    """The semantic container (articleBody, article, main) that holds most of the prose."""

    def share(mid: int) -> int:
        return sum(len(b.text) for b in goods if mid in b.path)

    for group in (walker.article_bodies, walker.articles, walker.mains):
        if not group:
            continue
        best = max(group, key=share)
        if share(best) >= 0.5 * total:
            if group is walker.article_bodies:
                # title and standfirst usually sit just outside articleBody: widen to its article
                for art in walker.articles:
                    if art in next(b.path for b in goods if best in b.path):
                        return art
            return best
    return None


def _deepest_holder(scope: list[Blk], total: int, threshold: float) -> int:
    """Deepest element whose descendants hold `threshold` of the prose (the body container)."""
    score: dict[int, int] = {}
    for b in scope:
        n = len(b.text)
        for mid in b.path:
            score[mid] = score.get(mid, 0) + n
    need = threshold * total
    best_path: tuple[int, ...] = scope[0].path[:1]
    for b in scope:
        for depth in range(len(b.path)):
            if score[b.path[depth]] >= need and depth >= len(best_path):
                best_path = b.path[: depth + 1]
    # siblings of the body container that add prose (a trailing "txt2" div) belong to it too,
    # as long as the parent still holds nearly all of the prose
    while len(best_path) > 1:
        parent = best_path[-2]
        if score[parent] > score[best_path[-1]] and score[parent] >= 0.9 * total:
            best_path = best_path[:-1]
        else:
            break
    return best_path[-1]


def _pick_title(h1s: list[Blk], region: int | None, first_body_idx: int) -> Blk | None:
    if not h1s:
        return None
    if region is not None:
        inside = [b for b in h1s if region in b.path]
        if inside:
            h1s = inside
    before = [b for b in h1s if b.idx < first_body_idx]
    return before[-1] if before else h1s[0]


def _find_published(
    times: list[LexborNode],
    walker: Walker,
    article_ld: dict | None,
    metas: dict[str, str],
    blocks: list[Blk],
    region: int | None,
    t_idx: int,
    first_body_idx: int,
    container: int,
    lang: str,
) -> tuple[dt.date | None, int]:
    """The publication date and the index of the visible block it was read from (or -1)."""
    if article_ld is not None:
        for key in ("datePublished", "dateCreated"):
            d = parse_date(_ld_str(article_ld.get(key)) or "", lang)
            if d:
                return d, -1
    for key in _META_DATE_KEYS:
        if key in metas:
            d = parse_date(metas[key], lang)
            if d:
                return d, -1
    inside: list[dt.date] = []
    outside: list[dt.date] = []
    for t in times:
        anc = _ancestor_ids(t)
        if anc & walker.skipped:
            continue
        value = t.attributes.get("datetime") or ""
        d = parse_date(value, lang) if value else None
        if d is None:
            continue
        (inside if region is not None and region in anc else outside).append(d)
        if inside:
            break
    if inside:
        return inside[0], -1
    if outside and region is None:
        return outside[0], -1
    # visible text near the title: between it and the body first, then just before it
    if t_idx >= 0:
        order = list(range(t_idx + 1, min(first_body_idx + 1, t_idx + 15))) + list(
            range(t_idx - 1, max(-1, t_idx - 6), -1)
        )
    else:  # no title block: the header run right above the body
        order = list(range(max(0, first_body_idx - 10), first_body_idx + 1))
    stay_in = (
        region if (region is not None and t_idx >= 0 and region in blocks[t_idx].path) else None
    )
    order = [i for i in order if stay_in is None or stay_in in blocks[i].path]
    # a line that is a date and little else first (it may follow a standfirst that was taken
    # for the first body paragraph), then a short line that mentions one
    strict = order + [
        i
        for i in range(first_body_idx + 1, min(len(blocks), first_body_idx + 3))
        if i not in order and (stay_in is None or stay_in in blocks[i].path)
    ]
    strict.sort(key=lambda i: (i < t_idx, i if i > t_idx else -i))
    for i in strict:
        if len(blocks[i].text) <= 60 and _is_date_only(blocks[i].text, lang):
            d = parse_date(blocks[i].text, lang)
            if d:
                return d, i
    for i in order:
        if len(blocks[i].text) <= 100:
            d = parse_date(blocks[i].text, lang)
            if d:
                return d, i
    if outside:
        return outside[0], -1
    # last resort: a bare date line closing the body ("Lyon, 9 February 2023")
    tail = [b for b in blocks[first_body_idx:] if container in b.path][-3:]
    for b in reversed(tail):
        if len(b.text) <= 60 and _is_date_only(b.text, lang):
            d = parse_date(b.text, lang)
            if d:
                return d, b.idx
    return None, -1


def _pick_subtitle(
    blocks: list[Blk],
    body: list[Blk],
    region: int | None,
    container: int,
    t_idx: int,
    article_ld: dict | None,
    metas: dict[str, str],
    lang: str,
    title_key: str,
    date_idx: int,
) -> Blk | None:
    first_body = body[0].idx
    # blocks between the title and the body container (e.g. in the article header)
    pre = [
        b
        for b in blocks[t_idx + 1 : first_body]
        if b.kind in ("paragraph", "heading")
        and container not in b.path
        and (region is None or region in b.path)
        and not _is_date_only(b.text, lang)
        and _norm_key(b.text) != title_key
        and b.link_density < 0.5
        and b.idx != date_idx
    ]
    early = pre + [b for b in body[:2] if b.kind in ("paragraph", "heading")]
    for b in early:
        if b.sf and len(b.text) < 400:
            return b
    desc = [
        d
        for d in (
            _ld_str(article_ld.get("description")) if article_ld else None,
            metas.get("description"),
            metas.get("og:description"),
        )
        if d
    ]
    for d in desc:
        for b in early:
            if len(b.text) < 400 and _similar(b.text, d):
                return b
    for b in pre:
        if not b.soft and len(b.text) < 400 and len(b.text.split()) >= 4:
            return b
    if (
        len(body) >= 2
        and body[0].kind in ("paragraph", "heading")
        and len(body[0].text) < 400
        and body[1].kind == "paragraph"
        and _split_dateline(body[1].text)[0] is not None
        and _split_dateline(body[0].text)[0] is None
    ):
        return body[0]
    return None


# --- command line (used by `ingest parse`) -------------------------------------------------


def main(argv: Iterable[str] | None = None) -> int:
    """`python -m ingest.extract FILE --url URL`: print the release JSON or a one-line reason."""
    import argparse

    ap = argparse.ArgumentParser(prog="ingest parse")
    ap.add_argument("file")
    ap.add_argument("--url", required=True)
    args = ap.parse_args(list(argv) if argv is not None else None)
    try:
        with open(args.file, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        print(f"cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    try:
        rel = extract_release(data, args.url)
    except ExtractError as exc:
        print(f"{exc.reason}: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(rel.to_dict(), ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
