"""Where a page states its publication date, and which statement wins.

First found wins, and `date_source` says where: JSON-LD datePublished, date metas,
<time>/[itemprop=datePublished], a visible date line near the title (decoys such as
"Updated ..." or cookie notices refused), a date in the page title, the URL path
(`/2019/11/19/`). Reading a date out of text is ingest.dates' job.
"""

from __future__ import annotations

import datetime as dt
import re

from selectolax.lexbor import LexborNode

from ingest import extract_meta as meta
from ingest.dates import find_publication_date, parse_date, url_date
from ingest.extract_dom import Blk
from ingest.extract_page import Page

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
_META_DATE_KEYED = tuple("".join(ch for ch in k if ch.isalnum()) for k in _META_DATE_KEYS)


def _ancestor_ids(node: LexborNode) -> set[int]:
    ids = set()
    p = node.parent
    while p is not None:
        ids.add(p.mem_id)
        p = p.parent
    return ids


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


def find_published(
    page: Page, region: int | None, t_idx: int, first_body_idx: int, body_blocks: list[Blk]
) -> tuple[dt.date | None, str | None, int]:
    """(publication date, its date_source, index of the visible block it was read from or -1).

    First found wins: JSON-LD, date metas, [itemprop=datePublished] and <time> in the
    article region, a visible date line near the title, a <time> outside the region, a
    bare date line closing the body, the page's title, the URL path."""
    marked = _dated_by_markup(page)
    if marked is not None:
        return marked
    stamped, outside = _dated_by_time_elements(page, region)
    if stamped is not None:
        return stamped, "time_element", -1
    shown = _dated_near_title(page, region, t_idx, first_body_idx)
    if shown is not None:
        return shown
    if outside is not None:
        return outside, "time_element", -1
    lang = page.date_lang
    # a bare date line closing the body ("Lyon, 9 February 2023")
    for b in reversed(body_blocks[-3:]):
        if len(b.text) <= page.settings.date_only_max_chars and meta.is_date_only(b.text, lang):
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


def _dated_by_markup(page: Page) -> tuple[dt.date, str, int] | None:
    """The date the page's metadata states: JSON-LD, then date metas."""
    lang = page.date_lang
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
    return None


def _dated_by_time_elements(
    page: Page, region: int | None
) -> tuple[dt.date | None, dt.date | None]:
    """(the date to take now, the date to fall back on after the visible text).

    [itemprop=datePublished] (the walker noted them) and <time>: the explicitly published
    one first, then the first one in the article region, never one inside boilerplate or
    naming an edit; the first one outside the region is taken now only when there is no
    region, else kept as a late fallback."""
    lang = page.date_lang
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
            return d, None
        (inside if region is not None and region in anc else outside).append(d)
    if inside:
        return inside[0], None
    if outside and region is None:
        return outside[0], None
    return None, outside[0] if outside else None


def _dated_near_title(
    page: Page, region: int | None, t_idx: int, first_body_idx: int
) -> tuple[dt.date, str, int] | None:
    """A visible date near the title: between it and the body first, then just before it."""
    s, lang, blocks = page.settings, page.date_lang, page.blocks
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
    return None


_NOT_ALNUM = re.compile(r"[\W_]+")


def _meta_key(key: str) -> str:
    return _NOT_ALNUM.sub("", key.lower())
