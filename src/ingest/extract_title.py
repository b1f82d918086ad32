"""The title and the standfirst of a page, picked from its blocks.

Title: the h1 in the article region (unless it is not the page's headline and a visible
heading is: a logo), else the block matching og:title / headline / <title>, else the
headline-like line above the body. Standfirst: a block named as one or matching the
description between the title and the body, else a short line there, else a short first
paragraph set above a dateline paragraph.
"""

from __future__ import annotations

from ingest import extract_meta as meta
from ingest.dates import find_date
from ingest.extract_body import BodyLocation
from ingest.extract_dom import Blk
from ingest.extract_page import Page
from ingest.extract_settings import ExtractionSettings


def match_title(blocks: list[Blk], candidates: list[str], s: ExtractionSettings) -> Blk | None:
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


def prominent_title(
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


def pick_title(h1s: list[Blk], region: int | None, first_body_idx: int) -> Blk | None:
    if not h1s:
        return None
    if region is not None:
        inside = [b for b in h1s if region in b.path]
        if inside:
            h1s = inside
    before = [b for b in h1s if b.idx < first_body_idx]
    return before[-1] if before else h1s[0]


def pick_subtitle(
    page: Page, body: list[Blk], loc: BodyLocation, t_idx: int, title_key: str, date_idx: int
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
