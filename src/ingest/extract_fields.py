"""Finding the fields of one page: `extract_fields(html, url)` -> `Extraction`.

The page is read once (ingest.extract_page); the body is located (ingest.extract_body),
then the title and standfirst (ingest.extract_title), the date (ingest.extract_date), the
echoes of both cut from the body, the dateline split off, and the fallbacks tried for a
thin body (ingest.extract_fallback). A page-level problem (an error page, a listing) is
reported in the Extraction; the contract (ingest.extract_contract) decides.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from ingest import extract_meta as meta
from ingest.dates import parse_date
from ingest.extract_body import BodyLocation, is_prose, locate_body, text_weight
from ingest.extract_contract import METHOD_DOM, Block, Extraction
from ingest.extract_date import find_published
from ingest.extract_dom import Blk, clean_text
from ingest.extract_fallback import fallback_body
from ingest.extract_page import Page, read_page
from ingest.extract_settings import DEFAULT_SETTINGS, ExtractionSettings
from ingest.extract_title import match_title, pick_subtitle, pick_title, prominent_title
from ingest.quotes import extract_quotes


def extract_fields(
    html: str | bytes, url: str, settings: ExtractionSettings = DEFAULT_SETTINGS
) -> Extraction:
    """Everything the page has (see ingest.extract). Raises only on a parser bug."""
    page = read_page(html, url, settings)
    if isinstance(page, Extraction):
        return page
    return _fields(page, html)


def _fields(page: Page, html: str | bytes) -> Extraction:
    s, blocks = page.settings, page.blocks
    h1s = [b for b in blocks if b.kind == "h1"]
    meta_titles = [t for t in (page.meta_title, page.page_title) if t]
    title_guess = None if h1s else match_title(blocks, meta_titles, s)

    min_chars, max_links = s.prose_min_chars, s.prose_max_link_density

    def good(b: Blk) -> bool:
        return (
            b.kind in ("paragraph", "list_item")
            and not b.soft
            and text_weight(b.text) >= min_chars
            and b.links / max(1, len(b.text)) < max_links  # b.link_density
            and b is not title_guess
        )

    title_guess, loc, problem = _locate(page, h1s, title_guess, good)
    region = loc.region if loc is not None else None
    body_blocks = loc.blocks if loc is not None else []
    first_body_idx = loc.first_idx if loc is not None else len(blocks)
    title_blk = _title_block(page, h1s, title_guess, region, first_body_idx, meta_titles)
    if title_blk is not None:
        title = title_blk.text
    else:
        title = page.meta_title or meta.SITE_SUFFIX.sub("", page.page_title)
    t_idx = title_blk.idx if title_blk is not None else -1
    # kickers and labels printed above the title are never body text
    after_title = [b for b in body_blocks if b.idx > t_idx]
    if after_title:
        body_blocks = after_title

    published, date_source, date_idx = find_published(
        page, region, t_idx, first_body_idx, body_blocks
    )
    title_key = meta.norm_key(title) if title else ""
    body_blocks = _without_echoes(page, body_blocks, first_body_idx, title_key, date_idx, published)

    # standfirst and dateline
    subtitle = None
    if body_blocks and loc is not None:
        sub_blk = pick_subtitle(page, body_blocks, loc, t_idx, title_key, date_idx)
        if sub_blk is not None:
            subtitle = sub_blk.text
            body_blocks = [b for b in body_blocks if b is not sub_blk]
    out_blocks, dateline = _with_dateline(body_blocks)
    method = METHOD_DOM if out_blocks else None
    if problem is None:
        out_blocks, dateline, method = _with_fallback(
            page, html, out_blocks, dateline, method, title, subtitle
        )

    quotes = extract_quotes(b.text for b in out_blocks if b.kind != "heading")
    return Extraction(
        url=page.url,
        language=page.language,
        title=title or None,
        subtitle=subtitle,
        published_date=published,
        date_source=date_source,
        dateline=dateline,
        blocks=tuple(out_blocks),
        quotes=tuple(quotes),
        translations=meta.translations(page.late, page.url, page.language),
        extraction_method=method,
        problem=problem,
    )


def _locate(
    page: Page, h1s: list[Blk], title_guess: Blk | None, good: Callable[[Blk], bool]
) -> tuple[Blk | None, BodyLocation | None, tuple[str, str] | None]:
    """(title guess, where the body is, a page-level problem): the body located among the
    prose blocks, and whether the page is a release at all."""
    s, blocks = page.settings, page.blocks
    goods = [b for b in blocks if good(b)]
    headings = [*(b.text for b in h1s[:2]), page.page_title]
    loc: BodyLocation | None = None
    body_blocks: list[Blk] = []
    problem: tuple[str, str] | None = None
    if goods:
        loc = locate_body(page.walker, blocks, goods, good, s)
        if not h1s and title_guess is None and not page.meta_title:
            # no h1 and no metadata title: the headline-like line opening the header run
            # above the body (it may have been taken for the first body paragraph: then
            # locate again)
            title_guess = prominent_title(blocks, loc.first_idx, page.date_lang, s)
            if title_guess is not None and title_guess.idx >= loc.first_idx:
                goods = [b for b in goods if b is not title_guess]
                if goods:
                    loc = locate_body(page.walker, blocks, goods, good, s)
                else:
                    title_guess = None
                    loc = None
        if loc is not None:
            body_blocks = loc.blocks
        problem = _not_a_release(page, headings, body_blocks, loc)
    elif meta.is_error_heading(headings):
        shown = clean_text(page.page_title or h1s[0].text)[:80]
        problem = ("not_a_release", f"error page: {shown}")
    # no prose in the markup at all (a page rendered by script): the body may still be in
    # its JSON-LD or found by the fallback; the contract decides
    return title_guess, loc, problem


def _title_block(
    page: Page,
    h1s: list[Blk],
    title_guess: Blk | None,
    region: int | None,
    first_body_idx: int,
    meta_titles: list[str],
) -> Blk | None:
    """The block that is the title: the h1 of the article, unless it says something else
    than the page's own headline and a visible heading says that."""
    title_blk = pick_title(h1s, region, first_body_idx) if h1s else title_guess
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
        named = match_title([b for b in page.blocks if b.kind != "h1"], meta_titles, page.settings)
        if named is not None and named.kind == "heading":
            title_blk = named
    return title_blk


def _without_echoes(
    page: Page,
    body_blocks: list[Blk],
    first_body_idx: int,
    title_key: str,
    date_idx: int,
    published: dt.date | None,
) -> list[Blk]:
    """The body without the title and date echoed at its top, <time> stamps, boxes the
    page repeats and second copies of a block."""
    s, lang = page.settings, page.date_lang
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
        and _has_alnum(b.text)
    ]
    # a line that is all the text of a <time> element is a date, whatever its form
    stamps = {clean_text(t.text(deep=True)) for t in page.late.get("time", ())}
    if stamps:
        body_blocks = [b for b in body_blocks if b.text not in stamps]
    # an article does not repeat itself: a box whose text the page repeats word for word
    # (a subscription prompt shown twice, captions for each screen size) is not body, and
    # neither is a second copy of any block (a pull quote)
    body_blocks = _without_repeated_boxes(page.blocks, body_blocks, s)
    once: set[str] = set()
    kept: list[Blk] = []
    for b in body_blocks:
        if len(b.text) < s.repeat_min_chars:
            kept.append(b)
        elif b.text not in once:
            once.add(b.text)
            kept.append(b)
    return kept


def _with_fallback(
    page: Page,
    html: str | bytes,
    out_blocks: list[Block],
    dateline: str | None,
    method: str | None,
    title: str | None,
    subtitle: str | None,
) -> tuple[list[Block], str | None, str | None]:
    """(blocks, dateline, extraction_method) after the fallbacks: for a thin or missing
    body, the page's own articleBody, then the fallback extractor; and for a DOM body that
    the page's own articleBody shows to be a fraction of the article (text hidden until a
    script shows it), that articleBody."""
    s = page.settings
    cap = s.thin_body_chars
    have = sum(
        n if (n := len(b.text)) >= cap or b.text.isascii() else text_weight(b.text, cap=cap)
        for b in out_blocks
    )
    ld_body = (
        len(meta.ld_str(page.article_ld.get("articleBody")) or "")
        if page.article_ld is not None
        else 0
    )
    thin = have < s.thin_body_chars
    if not (thin or ld_body >= max(s.thin_body_chars, s.fallback_gain * have)):
        return out_blocks, dateline, method
    better = fallback_body(page, html, out_blocks, title, subtitle, other_extractor=thin)
    if better is None:
        return out_blocks, dateline, method
    out_blocks, method = better
    if dateline is None:
        out_blocks, dateline = _with_dateline(list(out_blocks))
    if subtitle and out_blocks and meta.norm_key(out_blocks[0].text) == meta.norm_key(subtitle):
        out_blocks = out_blocks[1:]
    return out_blocks, dateline, method


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


def _has_alnum(text: str) -> bool:
    # the first character settles it for nearly every block
    return text[:1].isalnum() or any(ch.isalnum() for ch in text)


def _with_dateline(blocks: Sequence[Blk | Block]) -> tuple[list[Block], str | None]:
    """Blocks as `Block`s, a leading "LYON, France –" of the first paragraph recorded."""
    out: list[Block] = []
    dateline = None
    for b in blocks:
        text = b.text
        if dateline is None and not out and b.kind == "paragraph":
            # The dateline is recorded on its own and stays in the paragraph as the page
            # prints it: body offsets (the analyst layer's mentions) then reach its place.
            dateline = meta.split_dateline(text)[0]
        if text and _has_alnum(text):
            out.append(Block(b.kind, text))
    return out, dateline


def _not_a_release(
    page: Page, headings: list[str], body_blocks: list[Blk], loc: BodyLocation | None
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
