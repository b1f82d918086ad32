"""Fallback bodies for a page whose DOM body is thin, missing or a fraction of the article.

The page's own JSON-LD `articleBody` first, then trafilatura (only for a thin DOM body, and
only if the page holds enough paragraph text for it to find); a fallback body is taken only
when it is longer by `fallback_gain` and reads as an article (mostly prose).
"""

from __future__ import annotations

from ingest import extract_meta as meta
from ingest.extract_body import text_weight
from ingest.extract_contract import METHOD_JSON_LD, METHOD_TRAFILATURA, Block
from ingest.extract_dom import clean_text
from ingest.extract_page import Page
from ingest.extract_settings import ExtractionSettings


def fallback_body(
    page: Page,
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
        blocks = _text_blocks(_trafilatura_text(html, page.url) or "", title)
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
