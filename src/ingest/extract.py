"""Turn one saved HTML page into a structured release (no network, ever).

Two steps with one job each:

* `extract_fields(html, url)` finds what the page has and returns an `Extraction`: every
  field it found, `None` where it found none (a page without a date is not an error here),
  and the page-level problems it saw (not HTML, an error page, a listing).
* `accept(extraction)` is the release contract, checked in this one place: a release has a
  title, a publication date and a body of `body_min_chars` or more; it returns a `Release`
  or a `Rejection` (reason code, detail, and the `Extraction` it refused). The pipeline
  calls it again with its own last-resort dates (sitemap `<lastmod>`, HTTP `Last-Modified`).

`extract(html, url)` is both, and never raises; `extract_release` raises the rejection as
an `ExtractError` (the original interface).

How fields are found, semantic signals first:

* language: html lang / content-language / og:locale / JSON-LD inLanguage, any language
  (a guess from the script and function words when the page names none);
* title: the h1 in the article region (unless it is not the page's headline and a visible
  heading is: a logo), else the block matching og:title / headline / <title>, else the
  headline-like line above the body;
* body: JSON-LD and itemprop=articleBody, <article>, <main> as regions; inside, a content
  score per container (ingest.extract_body). Class/id words are weak evidence only. When the
  DOM body is missing or thin, JSON-LD `articleBody`, then trafilatura (only if the page
  holds enough paragraph text for it to find) are tried; a DOM body that the page's own
  articleBody shows to be a fraction of the article is replaced by it; `extraction_method`
  says which path produced the body;
* date, first found wins, and `date_source` says where: JSON-LD datePublished, date metas,
  <time>/[itemprop=datePublished], a visible date line near the title (decoys such as
  "Updated ..." or cookie notices refused), a date in the page title, the URL path
  (`/2019/11/19/`).

Every threshold is a field of the frozen `ExtractionSettings`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from selectolax.lexbor import LexborNode

from ingest import extract_meta as meta
from ingest.dates import find_date, find_publication_date, parse_date, url_date
from ingest.errors import ExtractError, NotAReleaseError
from ingest.extract_body import (
    BodyLocation,
    is_prose,
    judge_boilerplate,
    locate_body,
    text_weight,
)
from ingest.extract_dom import Blk, Walker, clean_text, nodes_by_tag, parse
from ingest.quotes import Quote, extract_quotes

__all__ = [
    "DEFAULT_SETTINGS",
    "PARSER_VERSION",
    "Block",
    "Extraction",
    "ExtractionSettings",
    "Quote",
    "Rejection",
    "Release",
    "accept",
    "extract",
    "extract_fields",
    "extract_release",
    "main",
]

PARSER_VERSION = "2.0.0"

# extraction_method values: which path produced the body.
METHOD_DOM = "dom"  # our structural pass over the page
METHOD_JSON_LD = "json_ld"  # the page's JSON-LD articleBody
METHOD_TRAFILATURA = "trafilatura"  # the fallback extractor
EXTRACTION_METHODS = (METHOD_DOM, METHOD_JSON_LD, METHOD_TRAFILATURA)

# date_source values, in the order they are tried (the last two come from the pipeline).
DATE_SOURCES = (
    "json_ld",
    "meta",
    "time_element",
    "page_text",
    "page_title",
    "url_path",
    "sitemap_lastmod",
    "http_last_modified",
)


@dataclass(frozen=True, slots=True)
class ExtractionSettings:
    """Every threshold of extraction, named once. Evidence is weighed, never a veto."""

    # prose: a block that reads like running text
    prose_min_chars: int = 40
    prose_max_link_density: float = 0.35
    # boilerplate score = class/id word (1.0 chrome, 0.5 meta, less 0.5 for a content word)
    # + link-text share + non-prose share; an element scoring this much is boilerplate.
    # Prose counts in full from prose_full_chars (a caption line is only partly prose).
    boilerplate_score: float = 1.5
    prose_full_chars: int = 200
    # ...unless it holds the h1 or more than wrapper_share of the page's prose (a wrapper);
    # text the page repeats word for word adds repeat_weight x its share
    wrapper_share: float = 0.5
    repeat_weight: float = 0.5
    # a container inside the body whose text is this much repeated elsewhere is a box
    repeated_box_share: float = 0.5
    # the walker judges a chrome-named element without walking it only when it holds less
    # than this share of the page's text
    walker_wrapper_share: float = 0.35
    # the walker: a wholly bold line up to this long is a heading (old markup); a box named
    # as a standfirst up to this long is one; an image box with at most caption_max_blocks
    # blocks and caption_max_chars characters is a caption
    bold_heading_max_chars: int = 100
    standfirst_box_max_chars: int = 600
    caption_max_blocks: int = 2
    caption_max_chars: int = 250
    # text the page repeats counts from this length (shorter lines repeat by chance)
    repeat_min_chars: int = 20
    # prose inside an element named as chrome counts (1 - hint_damping x strength) as much
    hint_damping: float = 0.7
    # body location (extract_body): a semantic container holding region_share of the
    # content score is the region; a prose block scores for candidate_levels containers
    # above it; sibling subtrees of the top container join it with sibling_share of its
    # prose and less link text than sibling_max_link_density (see extract_body)
    region_share: float = 0.5
    titled_region_share: float = 0.25  # ...or this much when it also holds the h1
    candidate_levels: int = 5
    sibling_share: float = 0.2
    sibling_max_link_density: float = 0.3
    sibling_hint_factor: float = 4.0  # a chrome-named sibling needs (1 + 4 x strength) times
    # a single sibling block joins when it reads as a paragraph: longer than this with
    # less link text than that (readability's sibling <p> test)
    sibling_paragraph_chars: int = 80
    sibling_paragraph_max_link_density: float = 0.25
    block_max_link_density: float = 0.6  # a body block with more link text is navigation
    # the contract: a body of at least this many characters
    body_min_chars: int = 80
    # fallbacks: a DOM body shorter than thin_body_chars is thin; a fallback body replaces
    # it when it is fallback_gain times longer (and passes the contract)
    thin_body_chars: int = 400
    fallback_gain: float = 2.0
    fallback_min_prose_share: float = 0.6  # and this share of it must read as prose
    use_trafilatura: bool = True
    # not a release: an error heading with less body than this; a listing has this many
    # linked headings (three times as many on a page that says it is an article), at
    # least half as many as its paragraphs
    error_page_max_body_chars: int = 1500
    listing_min_linked_headings: int = 3
    listing_body_share: float = 0.5  # a body with less of the region's prose is one teaser
    # visible dates: lines this short only, searched this many blocks around the title
    date_line_max_chars: int = 100
    date_only_max_chars: int = 60
    date_window_after_title: int = 15
    date_window_before_title: int = 5
    date_window_no_title: int = 10  # without a title block: this many blocks above the body
    # standfirst: at most this long, with at most this share of link text
    standfirst_max_chars: int = 400
    standfirst_max_link_density: float = 0.5
    # title without an h1: a heading-like block of at most title_max_chars and
    # title_max_link_density, title_min_words..title_max_words, within title_window blocks
    # above the body; the body starts at the first long prose block (long_prose_chars,
    # less link text than long_prose_max_link_density)
    title_max_chars: int = 300
    title_max_link_density: float = 0.5
    title_min_words: int = 3
    title_max_words: int = 40
    title_window: int = 8
    long_prose_chars: int = 120
    long_prose_max_link_density: float = 0.2
    # date and title echoes cut from the top of the body: date-only lines up to this long
    date_echo_max_chars: int = 80
    # a linked heading (a teaser) has more link text than this
    linked_heading_min_link_density: float = 0.6


DEFAULT_SETTINGS = ExtractionSettings()


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
    extraction_method: str = METHOD_DOM
    date_source: str = "json_ld"

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
            "extraction_method": self.extraction_method,
            "date_source": self.date_source,
        }


@dataclass(frozen=True, slots=True)
class Extraction:
    """Everything found on one page; None (or empty) where nothing was found."""

    url: str
    language: str | None = None
    title: str | None = None
    subtitle: str | None = None
    published_date: dt.date | None = None
    date_source: str | None = None
    dateline: str | None = None
    blocks: tuple[Block, ...] = ()
    quotes: tuple[Quote, ...] = ()
    translations: dict[str, str] = field(default_factory=dict)
    extraction_method: str | None = None
    # a page-level refusal seen while extracting: (reason code, detail)
    problem: tuple[str, str] | None = None

    @property
    def body_chars(self) -> int:
        return sum(len(b.text) for b in self.blocks)

    def summary(self, excerpt: int = 300) -> dict:
        """The found fields as JSON-able values (for quarantine rows and `ingest parse`)."""
        body = "\n\n".join(b.text for b in self.blocks)
        return {
            "language": self.language,
            "title": self.title,
            "subtitle": self.subtitle,
            "published_date": self.published_date.isoformat() if self.published_date else None,
            "date_source": self.date_source,
            "dateline": self.dateline,
            "blocks": len(self.blocks),
            "body_chars": len(body),
            "body_excerpt": body[:excerpt] or None,
            "extraction_method": self.extraction_method,
            "translations": dict(self.translations),
        }


@dataclass(frozen=True, slots=True)
class Rejection:
    """A page that is not (or not yet) a release: why, and what was found on it."""

    url: str
    reason: str  # no_title | no_date | no_body | not_html | not_a_release | parser_error
    detail: str
    found: Extraction | None = None

    def error(self) -> ExtractError:
        if self.reason == "not_a_release":
            return NotAReleaseError(self.url, self.detail)
        return ExtractError(self.url, self.reason, self.detail)

    def found_json(self) -> str | None:
        return (
            json.dumps(self.found.summary(), ensure_ascii=False, sort_keys=True)
            if self.found is not None
            else None
        )


Outcome = Release | Rejection


# --- the contract -------------------------------------------------------------------------


def accept(
    found: Extraction,
    *,
    fallback_dates: Sequence[tuple[str, dt.date | None]] = (),
    settings: ExtractionSettings = DEFAULT_SETTINGS,
) -> Outcome:
    """The release contract, in one place: title, publication date and body required.

    `fallback_dates` are last resorts from outside the page, in order, as (date_source,
    date) pairs: the pipeline passes the sitemap lastmod and the HTTP Last-Modified."""
    url = found.url
    if found.problem is not None:
        return Rejection(url, found.problem[0], found.problem[1], found)
    if not found.title:
        return Rejection(url, "no_title", "no h1, headline, og:title or <title>", found)
    published, source = found.published_date, found.date_source
    if published is None:
        for src, value in fallback_dates:
            if value is not None:
                published, source = value, src
                break
    if published is None or source is None:
        return Rejection(
            url,
            "no_date",
            "no datePublished, date meta, <time>, visible date or date in the URL",
            found,
        )
    if not found.blocks or found.body_chars < settings.body_min_chars:
        return Rejection(
            url,
            "no_body",
            f"no body paragraphs found ({found.body_chars} "
            f"characters, {settings.body_min_chars} needed)",
            found,
        )
    return Release(
        url=url,
        language=found.language or "und",
        title=found.title,
        subtitle=found.subtitle,
        published_date=published,
        dateline=found.dateline,
        blocks=found.blocks,
        quotes=found.quotes,
        translations=dict(found.translations),
        extraction_method=found.extraction_method or METHOD_DOM,
        date_source=source,
    )


def extract(
    html: str | bytes, url: str, settings: ExtractionSettings = DEFAULT_SETTINGS
) -> Outcome:
    """extract_fields + accept; never raises (a parser crash is a `parser_error` rejection)."""
    try:
        found = extract_fields(html, url, settings)
    except Exception as exc:  # odd markup must never stop a run
        return Rejection(url, "parser_error", f"{type(exc).__name__}: {exc}")
    return accept(found, settings=settings)


def extract_release(html: str | bytes, url: str) -> Release:
    """Extract one release from a saved page; raises ExtractError / NotAReleaseError."""
    out = extract(html, url)
    if isinstance(out, Rejection):
        raise out.error()
    return out


# --- finding the fields ---------------------------------------------------------------------

_META_DATE_KEYS = (
    "article:published_time",
    "og:published_time",
    "og:article:published_time",
    "article:published",
    "datepublished",
    "date",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "publication_date",
    "publication-date",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date",
    "dc.date.issued",
    "dc.date.created",
    "dcterms.date",
    "dcterms.issued",
    "dcterms.created",
)
_LATE = "base[href], link[hreflang], a[hreflang], a[lang], time"
_META_DATE_KEYED = tuple("".join(ch for ch in k if ch.isalnum()) for k in _META_DATE_KEYS)


def _ancestor_ids(node: LexborNode) -> set[int]:
    ids = set()
    p = node.parent
    while p is not None:
        ids.add(p.mem_id)
        p = p.parent
    return ids


@dataclass(slots=True)
class _Page:
    """Page-level facts shared by the field finders of one extraction."""

    url: str
    settings: ExtractionSettings
    walker: Walker
    blocks: list[Blk]
    boiler: set[int]
    ld: list[dict]
    article_ld: dict | None
    listing_ld: bool
    metas: dict[str, str]
    late: dict[str, list[LexborNode]]
    language: str
    date_lang: str
    page_title: str
    meta_title: str


def extract_fields(
    html: str | bytes, url: str, settings: ExtractionSettings = DEFAULT_SETTINGS
) -> Extraction:
    """Everything the page has: see the module docstring. Raises only on a parser bug."""
    markup = meta.markup(html)
    if ("<" if isinstance(markup, str) else b"<") not in markup[:10000]:
        return Extraction(url, problem=("not_html", "no markup found"))
    tree, found = parse(markup, "script, style, noscript, template, meta")
    body = tree.body
    if body is None:
        return Extraction(url, problem=("not_html", "no <body>"))

    ld = meta.ld_objects([n for n in found.get("script", []) if meta.is_ld_json(n)])
    article_ld = meta.pick_article_ld(ld, url)
    listing_ld = any(meta.is_listing_ld(o) for o in ld)
    metas = meta.metas(found.get("meta", []))
    # Code and templates are never text. Detached (as strip_tags does), not destroyed, from
    # the nodes the parse pass already found: strip_tags would walk the tree once per tag.
    for tag in ("script", "style", "noscript", "template"):
        for node in found.get(tag, ()):
            node.decompose(recursive=False)
    # Looked up once the code is out, so nothing inside a script or template counts.
    late = nodes_by_tag(tree.css(_LATE))

    walker = Walker(body, settings)
    blocks = walker.run()
    boiler = judge_boilerplate(blocks, walker, settings)

    html_node = tree.css_first("html")
    lang_attr = html_node.attributes.get("lang") if html_node is not None else None
    raw_lang = (
        lang_attr
        or metas.get("content-language")
        or metas.get("og:locale")
        or (meta.ld_str(article_ld.get("inLanguage")) if article_ld else None)
    )
    language = meta.lang_code(raw_lang)
    sample = " ".join(b.text for b in blocks if not b.soft and b.kind == "paragraph")[:3000]
    if language is None:
        language = meta.guess_language(sample or " ".join(b.text for b in blocks)[:3000])
    else:
        # a template's lang attribute can lie about the script; only that mistake is cheap to see
        is_ar = len(meta.AR_CHARS.findall(sample[:1000])) > min(len(sample), 1000) * 0.3
        if is_ar != (language == "ar"):
            language = meta.guess_language(sample)
    date_lang = (raw_lang or language).lower() if meta.lang_code(raw_lang) == language else language

    title_node = tree.css_first("title")
    page_title = clean_text((title_node.text(deep=True) if title_node is not None else "") or "")
    meta_title = clean_text(
        (meta.ld_str(article_ld.get("headline")) if article_ld else None)
        or metas.get("og:title")
        or metas.get("twitter:title")
        or ""
    )
    page = _Page(
        url,
        settings,
        walker,
        blocks,
        boiler,
        ld,
        article_ld,
        listing_ld,
        metas,
        late,
        language,
        date_lang,
        page_title,
        meta_title,
    )
    return _fields(page, html)


def _fields(page: _Page, html: str | bytes) -> Extraction:
    s, blocks, url = page.settings, page.blocks, page.url
    h1s = [b for b in blocks if b.kind == "h1"]
    meta_titles = [t for t in (page.meta_title, page.page_title) if t]
    title_guess = None if h1s else _match_title(blocks, meta_titles, s)

    def good(b: Blk) -> bool:
        return (
            b.kind in ("paragraph", "list_item")
            and not b.soft
            and text_weight(b.text) >= s.prose_min_chars
            and b.link_density < s.prose_max_link_density
            and b is not title_guess
        )

    goods = [b for b in blocks if good(b)]
    headings = [*(b.text for b in h1s[:2]), page.page_title]
    region: int | None = None
    loc: BodyLocation | None = None
    body_blocks: list[Blk] = []
    first_body_idx = len(blocks)
    problem: tuple[str, str] | None = None
    if goods:
        loc = locate_body(page.walker, blocks, goods, good, s)
        if not h1s and title_guess is None and not page.meta_title:
            # no h1 and no metadata title: the headline-like line opening the header run
            # above the body (it may have been taken for the first body paragraph: then
            # locate again)
            title_guess = _prominent_title(blocks, loc.first_idx, page.date_lang, s)
            if title_guess is not None and title_guess.idx >= loc.first_idx:
                goods = [b for b in goods if b is not title_guess]
                if goods:
                    loc = locate_body(page.walker, blocks, goods, good, s)
                else:
                    title_guess = None
                    loc = None
        if loc is not None:
            region, body_blocks, first_body_idx = loc.region, loc.blocks, loc.first_idx
        problem = _not_a_release(page, headings, body_blocks, loc)
    elif meta.is_error_heading(headings):
        shown = clean_text(page.page_title or h1s[0].text)[:80]
        problem = ("not_a_release", f"error page: {shown}")
    # no prose in the markup at all (a page rendered by script): the body may still be in
    # its JSON-LD or found by the fallback; the contract decides

    # title ------------------------------------------------------------------------------------
    title_blk = _pick_title(h1s, region, first_body_idx) if h1s else title_guess
    headlines = [t for t in (page.meta_title, meta.SITE_SUFFIX.sub("", page.page_title)) if t]
    if (
        title_blk is not None
        and title_blk.kind == "h1"
        and page.meta_title
        and not any(
            meta.similar(title_blk.text, t) or meta.norm_key(title_blk.text) in meta.norm_key(t)
            for t in headlines
        )
    ):
        # the h1 says something else than the page's own headline (a logo: "Police
        # Network"): a visible heading that is the headline wins
        named = _match_title([b for b in blocks if b.kind != "h1"], meta_titles, s)
        if named is not None and named.kind == "heading":
            title_blk = named
    if title_blk is not None:
        title = title_blk.text
    else:
        title = page.meta_title or meta.SITE_SUFFIX.sub("", page.page_title)
    t_idx = title_blk.idx if title_blk is not None else -1
    # kickers and labels printed above the title are never body text
    after_title = [b for b in body_blocks if b.idx > t_idx]
    if after_title:
        body_blocks = after_title

    # date -------------------------------------------------------------------------------------
    published, date_source, date_idx = _find_published(
        page, region, t_idx, first_body_idx, body_blocks
    )

    # the body: title and date echoes out ------------------------------------------------------
    title_key = meta.norm_key(title) if title else ""
    lang = page.date_lang
    body_blocks = [
        b
        for b in body_blocks
        if b.idx != date_idx
        and not (b.idx <= first_body_idx + 3 and meta.norm_key(b.text) == title_key)
        and not (
            len(b.text) <= s.date_echo_max_chars
            and (b.idx < first_body_idx + 1 or len(b.text) <= s.date_echo_max_chars // 2)
            and meta.is_date_only(b.text, lang)
            and (b.idx < first_body_idx + 1 or parse_date(b.text, lang) == published)
        )
        and any(ch.isalnum() for ch in b.text)
    ]
    # a line that is all the text of a <time> element is a date, whatever its form
    stamps = {clean_text(t.text(deep=True)) for t in page.late.get("time", ())}
    if stamps:
        body_blocks = [b for b in body_blocks if b.text not in stamps]
    # an article does not repeat itself: a box whose text the page repeats word for word
    # (a subscription prompt shown twice, captions for each screen size) is not body, and
    # neither is a second copy of any block (a pull quote)
    body_blocks = _without_repeated_boxes(blocks, body_blocks, s)
    once: set[str] = set()
    body_blocks = [
        b
        for b in body_blocks
        if len(b.text) < s.repeat_min_chars or not (b.text in once or once.add(b.text))
    ]

    # standfirst and dateline ------------------------------------------------------------------
    subtitle = None
    if body_blocks and loc is not None:
        sub_blk = _pick_subtitle(page, body_blocks, loc, t_idx, title_key, date_idx)
        if sub_blk is not None:
            subtitle = sub_blk.text
            body_blocks = [b for b in body_blocks if b is not sub_blk]
    out_blocks, dateline = _with_dateline(body_blocks)
    method = METHOD_DOM if out_blocks else None

    # thin or missing body: the page's own articleBody, then the fallback extractor; and
    # a DOM body that the page's own articleBody shows to be a fraction of the article
    # (text hidden until a script shows it) ----------------------------------------------
    have = sum(text_weight(b.text, cap=s.thin_body_chars) for b in out_blocks)
    ld_body = (
        len(meta.ld_str(page.article_ld.get("articleBody")) or "")
        if page.article_ld is not None
        else 0
    )
    thin = have < s.thin_body_chars
    if problem is None and (thin or ld_body >= max(s.thin_body_chars, s.fallback_gain * have)):
        better = _fallback_body(page, html, out_blocks, title, subtitle, other_extractor=thin)
        if better is not None:
            out_blocks, method = better
            if dateline is None:
                out_blocks, dateline = _with_dateline(list(out_blocks))
            if (
                subtitle
                and out_blocks
                and meta.norm_key(out_blocks[0].text) == meta.norm_key(subtitle)
            ):
                out_blocks = out_blocks[1:]

    quotes = extract_quotes(b.text for b in out_blocks if b.kind != "heading")
    return Extraction(
        url=url,
        language=page.language,
        title=title or None,
        subtitle=subtitle,
        published_date=published,
        date_source=date_source,
        dateline=dateline,
        blocks=tuple(out_blocks),
        quotes=tuple(quotes),
        translations=meta.translations(page.late, url, page.language),
        extraction_method=method,
        problem=problem,
    )


def _without_repeated_boxes(
    page_blocks: list[Blk], body: list[Blk], s: ExtractionSettings
) -> list[Blk]:
    """Body blocks minus those in a container whose text is mostly repeated elsewhere on
    the page (`repeated_box_share`)."""
    seen: dict[str, int] = {}
    for b in page_blocks:
        if len(b.text) >= s.repeat_min_chars:
            seen[b.text] = seen.get(b.text, 0) + 1
    boxes: dict[int, list[int]] = {}
    for b in body:
        st = boxes.setdefault(b.path[-1], [0, 0])
        st[0] += len(b.text)
        if seen.get(b.text, 0) > 1:
            st[1] += len(b.text)
    dropped = {c for c, (n, again) in boxes.items() if again and again >= s.repeated_box_share * n}
    if not dropped:
        return body
    return [b for b in body if b.path[-1] not in dropped or seen.get(b.text, 0) <= 1]


def _with_dateline(blocks: Sequence[Blk | Block]) -> tuple[list[Block], str | None]:
    """Blocks as `Block`s, a leading "LYON, France –" of the first paragraph split off."""
    out: list[Block] = []
    dateline = None
    for b in blocks:
        text = b.text
        if dateline is None and not out and b.kind == "paragraph":
            dateline, text = meta.split_dateline(text)
            text = text.strip()
        if text and any(ch.isalnum() for ch in text):
            out.append(Block(b.kind, text))
    return out, dateline


def _not_a_release(
    page: _Page, headings: list[str], body_blocks: list[Blk], loc: BodyLocation | None
) -> tuple[str, str] | None:
    s = page.settings
    body_chars = sum(len(b.text) for b in body_blocks if b.kind != "heading")
    if meta.is_error_heading(headings) and body_chars < s.error_page_max_body_chars:
        return "not_a_release", f"error page: {clean_text(' '.join(headings))[:80]}"
    if page.listing_ld and page.article_ld is None:
        return "not_a_release", "listing page: JSON-LD says CollectionPage/ItemList"
    if loc is None:
        return None
    # Where to count: the body found, unless it is only one of many teasers (it holds a
    # small share of the region's prose): then the whole region.
    if loc.share >= s.listing_body_share:
        scope = [b for b in page.blocks if loc.holds(b)]
        paras = [b for b in body_blocks if b.kind == "paragraph" and is_prose(b, s)]
    else:
        scope = [b for b in page.blocks if loc.in_region(b)]
        paras = [b for b in scope if b.kind == "paragraph" and not b.soft and is_prose(b, s)]
    link_heads = [
        b
        for b in scope
        if b.kind == "heading" and b.link_density > s.linked_heading_min_link_density
    ]
    # An article names itself (JSON-LD article, og:type article): its own linked headings
    # (related stories under it) make it a listing only when it has next to no prose.
    article_evidence = page.article_ld is not None or (
        page.metas.get("og:type", "").lower() == "article"
    )
    need = s.listing_min_linked_headings * (3 if article_evidence else 1)
    if len(link_heads) >= need and len(link_heads) * 2 >= len(paras):
        return "not_a_release", f"listing page: {len(link_heads)} linked headings"
    return None


def _fallback_body(
    page: _Page,
    html: str | bytes,
    dom: list[Block],
    title: str | None,
    subtitle: str | None,
    other_extractor: bool = True,
) -> tuple[list[Block], str] | None:
    """A longer body than a thin DOM one: JSON-LD articleBody first, then (for a thin DOM
    body only: `other_extractor`) trafilatura."""
    s = page.settings
    have = sum(len(b.text) for b in dom)
    need = max(s.body_min_chars, int(have * s.fallback_gain) + 1)
    if page.article_ld is not None:
        text = meta.ld_str(page.article_ld.get("articleBody")) or ""
        blocks = _text_blocks(text, title)
        if _reads_as_article(blocks, need, s):
            return blocks, METHOD_JSON_LD
    # trafilatura reads the same markup: when the page holds less prose than is needed,
    # wherever it sits, no extractor can find more (and a call costs tens of ms)
    if (
        s.use_trafilatura
        and other_extractor
        and sum(
            len(b.text)
            for b in page.blocks
            if b.kind in ("paragraph", "list_item") and len(b.text) >= s.prose_min_chars
        )
        >= need
    ):
        text = _trafilatura_text(html, page.url)
        blocks = _text_blocks(text or "", title)
        if _reads_as_article(blocks, need, s):
            return blocks, METHOD_TRAFILATURA
    return None


def _reads_as_article(blocks: list[Block], need: int, s: ExtractionSettings) -> bool:
    """A fallback body is taken only when it is long enough and most of it is prose: a
    list of menu labels or a cookie line that another extractor kept is no article."""
    total = sum(len(b.text) for b in blocks)
    if total < need:
        return False
    prose = sum(len(b.text) for b in blocks if _is_prose_text(b.text, s))
    return prose >= s.body_min_chars and prose >= s.fallback_min_prose_share * total


def _is_prose_text(t: str, s: ExtractionSettings) -> bool:
    """A line of a fallback body that is text, not a label: long, or a sentence."""
    n = text_weight(t)
    return n >= 3 * s.prose_min_chars or (
        n >= s.prose_min_chars and any(c in t for c in ".!?。！？؟")
    )


def _text_blocks(text: str, title: str | None) -> list[Block]:
    """Plain text with one paragraph a line (articleBody, trafilatura) as blocks."""
    title_key = meta.norm_key(title or "")
    out = []
    for line in text.replace("\r", "\n").split("\n"):
        t = clean_text(line)
        if t and meta.norm_key(t) != title_key:
            out.append(Block("paragraph", t))
    return out


def _trafilatura_text(html: str | bytes, url: str) -> str | None:
    try:
        import trafilatura
    except ImportError:  # the fallback is optional: without it a thin body stays thin
        return None
    try:
        return trafilatura.extract(
            html, url=url, include_comments=False, include_tables=False, deduplicate=False
        )
    except Exception:  # its failure is the absence of a fallback, not a crash of ours
        return None


# --- title ----------------------------------------------------------------------------------


def _match_title(blocks: list[Blk], candidates: list[str], s: ExtractionSettings) -> Blk | None:
    """Without an h1: the visible block whose text is the og:title / headline / <title>.

    A <title> usually carries the site name before or after the headline, so a block whose
    text fills most of a candidate also matches. Among matches the last one before the first
    prose paragraph wins (breadcrumb trails repeat the title earlier on the page)."""
    keys = [k for k in (meta.norm_key(c) for c in candidates) if k]
    if not keys:
        return None
    best: Blk | None = None
    best_score = 0.0
    for b in blocks:
        if (
            b.kind not in ("paragraph", "heading")
            or len(b.text) > s.title_max_chars
            or b.link_density > s.title_max_link_density
        ):
            if best is not None and _is_long_prose(b, s):
                break
            continue
        k = meta.norm_key(b.text)
        score = 0.0
        if len(k.split()) >= 2:
            for key in keys:
                if k == key:
                    score = max(score, 2.0)
                elif k in key and len(k) >= 0.5 * len(key):
                    score = max(score, 1.0 + len(k) / len(key) / 2)
                elif meta.similar(k, key):
                    score = max(score, 1.0)
        if score and score >= best_score:
            best, best_score = b, score
        elif best is not None and _is_long_prose(b, s):
            break  # the body has started: later echoes of the title are not the title
    return best


def _is_long_prose(b: Blk, s: ExtractionSettings) -> bool:
    return (
        b.kind == "paragraph"
        and not b.soft
        and len(b.text) >= s.long_prose_chars
        and b.link_density < s.long_prose_max_link_density
    )


_END_PUNCT = ".!?;:،؛؟"


def _prominent_title(
    blocks: list[Blk], first_body_idx: int, lang: str, s: ExtractionSettings
) -> Blk | None:
    """No h1 and no usable metadata: the first headline-like line in the run of short blocks
    right above the body (kicker, title, date, standfirst)."""
    window: list[Blk] = []
    for b in reversed(blocks[max(0, first_body_idx - s.title_window) : first_body_idx + 1]):
        if b.link_density > s.title_max_link_density or len(b.text) > s.title_max_chars:
            break  # navigation or an earlier text column: the header run ends here
        window.append(b)
    window.reverse()
    for b in window:
        if (
            b.kind in ("paragraph", "heading")
            and not b.soft
            and not b.sf
            and s.title_min_words <= len(b.text.split()) <= s.title_max_words
            and b.text[-1] not in _END_PUNCT
            and not meta.is_date_only(b.text, lang)
            and (b.idx < first_body_idx or len(b.text) <= s.title_max_chars * 2 // 3)
        ):
            return b
    return None


def _pick_title(h1s: list[Blk], region: int | None, first_body_idx: int) -> Blk | None:
    if not h1s:
        return None
    if region is not None:
        inside = [b for b in h1s if region in b.path]
        if inside:
            h1s = inside
    before = [b for b in h1s if b.idx < first_body_idx]
    return before[-1] if before else h1s[0]


# --- date -----------------------------------------------------------------------------------


def _time_value(node: LexborNode) -> str:
    a = node.attributes
    return (
        a.get("datetime")
        or a.get("content")
        or (node.text(deep=True) if node.tag != "time" else "")
        or ""
    )


def _is_modified(node: LexborNode) -> bool:
    """A <time> that names an edit, not the publication ("date-updated", dateModified)."""
    a = node.attributes
    words = f"{a.get('class') or ''} {a.get('id') or ''} {a.get('itemprop') or ''}".lower()
    return any(w in words for w in ("modif", "updat", "revis", "edited"))


def _find_published(
    page: _Page, region: int | None, t_idx: int, first_body_idx: int, body_blocks: list[Blk]
) -> tuple[dt.date | None, str | None, int]:
    """(publication date, its date_source, index of the visible block it was read from or -1)."""
    s, lang, blocks = page.settings, page.date_lang, page.blocks
    if page.article_ld is not None:
        for key in ("datePublished", "dateCreated"):
            d = parse_date(meta.ld_str(page.article_ld.get(key)) or "", lang)
            if d:
                return d, "json_ld", -1
    for obj in meta.dated_ld(page.ld, page.article_ld, page.url):
        d = parse_date(meta.ld_str(obj.get("datePublished")) or "", lang)
        if d:
            return d, "json_ld", -1
    # metas by name, however the CMS spells it (article:published_time,
    # article:published:time, article_published_time)
    keyed = {_meta_key(k): v for k, v in page.metas.items()}
    for key in _META_DATE_KEYED:
        value = keyed.get(key)
        if value:
            d = parse_date(value, lang)
            if d:
                return d, "meta", -1
    # [itemprop=datePublished] (the walker noted them) and <time>: the explicitly published
    # one first, then the
    # first one in the article region, never one inside boilerplate or naming an edit
    shunned = page.walker.skipped | {h for h in page.boiler if not page.walker.hints[h][1]}
    inside: list[dt.date] = []
    outside: list[dt.date] = []
    stamped = [*page.walker.stamped, *page.late.get("time", ())]
    for t in stamped:
        if _is_modified(t):
            continue
        anc = _ancestor_ids(t)
        if anc & shunned:
            continue
        value = _time_value(t)
        d = parse_date(value, lang) if value else None
        if d is None:
            continue
        if (t.attributes.get("itemprop") or "").lower() == "datepublished":
            return d, "time_element", -1
        (inside if region is not None and region in anc else outside).append(d)
    if inside:
        return inside[0], "time_element", -1
    if outside and region is None:
        return outside[0], "time_element", -1
    # visible text near the title: between it and the body first, then just before it
    if t_idx >= 0:
        order = list(
            range(
                t_idx + 1, min(first_body_idx + 1, t_idx + s.date_window_after_title, len(blocks))
            )
        ) + list(range(t_idx - 1, max(-1, t_idx - s.date_window_before_title - 1), -1))
    else:  # no title block: the header run right above the body
        order = list(
            range(
                max(0, first_body_idx - s.date_window_no_title),
                min(first_body_idx + 1, len(blocks)),
            )
        )
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
        text = blocks[i].text
        if len(text) <= s.date_only_max_chars and meta.is_date_only(text, lang):
            d = find_publication_date(text, lang)
            if d:
                return d, "page_text", i
    for i in order:
        text = blocks[i].text
        if len(text) <= s.date_line_max_chars:
            d = find_publication_date(text, lang)
            if d:
                return d, "page_text", i
    if outside:
        return outside[0], "time_element", -1
    # a bare date line closing the body ("Lyon, 9 February 2023")
    for b in reversed(body_blocks[-3:]):
        if len(b.text) <= s.date_only_max_chars and meta.is_date_only(b.text, lang):
            d = find_publication_date(b.text, lang)
            if d:
                return d, "page_text", b.idx
    # the page's title ("Ukraine offensive | Europe | DW | 28.04.2023")
    for text in (page.page_title, page.metas.get("og:title", "")):
        d = find_publication_date(text, lang) if text else None
        if d is not None:
            return d, "page_title", -1
    d = url_date(page.url)
    if d is not None:
        return d, "url_path", -1
    return None, None, -1


_NOT_ALNUM = re.compile(r"[\W_]+")


def _meta_key(key: str) -> str:
    return _NOT_ALNUM.sub("", key.lower())


# --- standfirst -------------------------------------------------------------------------------


def _pick_subtitle(
    page: _Page, body: list[Blk], loc: BodyLocation, t_idx: int, title_key: str, date_idx: int
) -> Blk | None:
    """The standfirst: a block named as one, or matching the description, between the title
    and the body; else a short line there; else a short first paragraph set above a
    dateline paragraph. A first body paragraph that merely repeats the description (many
    sites describe a page by its first sentences) is body, not a standfirst."""
    s, blocks, lang = page.settings, page.blocks, page.date_lang
    first_body = body[0].idx
    pre = [
        b
        for b in blocks[t_idx + 1 : first_body]
        if b.kind in ("paragraph", "heading")
        and not loc.holds(b)
        and (loc.region is None or loc.region in b.path)
        and not meta.is_date_only(b.text, lang)
        and meta.norm_key(b.text) != title_key
        and b.link_density < s.standfirst_max_link_density
        and b.idx != date_idx
    ]
    early = pre + [b for b in body[:2] if b.kind in ("paragraph", "heading")]
    for b in early:
        if b.sf and len(b.text) < s.standfirst_max_chars:
            return b
    desc = [
        d
        for d in (
            meta.ld_str(page.article_ld.get("description")) if page.article_ld else None,
            page.metas.get("description"),
            page.metas.get("og:description"),
        )
        if d
    ]
    for d in desc:
        for b in pre:
            if len(b.text) < s.standfirst_max_chars and meta.similar(b.text, d):
                return b
    # an unnamed line between title and body, unless it is a meta line ("Published 3 May
    # 2024, 12:17", "16.05.2024 - 5 min read")
    for b in pre:
        if (
            not b.soft
            and len(b.text) < s.standfirst_max_chars
            and len(b.text.split()) >= 4
            and find_date(b.text, lang) is None
            and not any(ch.isdigit() for ch in b.text[:12])
        ):
            return b
    if (
        len(body) >= 2
        and body[0].kind in ("paragraph", "heading")
        and len(body[0].text) < s.standfirst_max_chars
        and body[1].kind == "paragraph"
        and meta.split_dateline(body[1].text)[0] is not None
        and meta.split_dateline(body[0].text)[0] is None
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
    out = extract(data, args.url)
    if isinstance(out, Rejection):
        print(f"{out.reason}: {out.error()}", file=sys.stderr)
        return 1
    print(json.dumps(out.to_dict(), ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
