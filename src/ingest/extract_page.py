"""One page read once: the parse, its JSON-LD and metas, the block walk, its language.

`read_page` does every pass over the markup that the field finders share (one parse, one
walk, one boilerplate judgement) and returns them as a `Page`, or an `Extraction` that
says the document is not HTML.
"""

from __future__ import annotations

from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser, LexborNode

from ingest import extract_meta as meta
from ingest.extract_body import judge_boilerplate
from ingest.extract_contract import Extraction
from ingest.extract_dom import Blk, Walker, clean_text, nodes_by_tag, parse
from ingest.extract_meta import LdObject
from ingest.extract_settings import ExtractionSettings

_CODE = ("script", "style", "noscript", "template")
_LATE = "base[href], link[hreflang], a[hreflang], a[lang], time"
_LATE_TAGS = ("base", "link", "a", "time")


@dataclass(slots=True)
class Page:
    """Page-level facts shared by the field finders of one extraction."""

    url: str
    settings: ExtractionSettings
    walker: Walker
    blocks: list[Blk]
    boiler: set[int]
    ld: list[LdObject]
    article_ld: LdObject | None
    listing_ld: bool
    metas: dict[str, str]
    late: dict[str, list[LexborNode]]
    language: str
    date_lang: str
    page_title: str
    meta_title: str


def _text_only(node: LexborNode) -> bool:
    """Whether the element holds text and nothing else (so no element hides inside)."""
    child = node.child
    while child is not None:
        if child.tag != "-text":
            return False
        child = child.next
    return True


def _page_title_node(tree: LexborHTMLParser) -> LexborNode | None:
    """The first <title> in document order: the head's own child when it has one (nothing
    before it in the head can hold an element once the code is out), else a selector pass."""
    head = tree.head
    child = head.child if head is not None else None
    while child is not None:
        if child.tag == "title":
            return child
        child = child.next
    return tree.css_first("title")


def _arabic_letters(text: str) -> int:
    """How many characters of `text` are in U+0600-U+06FF (meta.AR_CHARS): in UTF-8 each
    is the only character whose lead byte is D8-DB, and bytes are counted in C."""
    raw = text.encode("utf-8", "surrogatepass")
    return raw.count(b"\xd8") + raw.count(b"\xd9") + raw.count(b"\xda") + raw.count(b"\xdb")


def _joined_head(texts: list[str], limit: int) -> str:
    """`" ".join(texts)[:limit]`, joining no more texts than the limit needs."""
    n = 0
    for i, t in enumerate(texts):
        n += len(t) + 1
        if n > limit:
            return " ".join(texts[: i + 1])[:limit]
    return " ".join(texts)[:limit]


def read_page(html: str | bytes, url: str, settings: ExtractionSettings) -> Page | Extraction:
    """The page's shared facts, or an Extraction with the problem when it is not HTML."""
    markup = meta.markup(html)
    head = markup[:10000]
    if ("<" not in head) if isinstance(head, str) else (b"<" not in head):
        return Extraction(url, problem=("not_html", "no markup found"))
    # The late nodes are asked for in the parse's one selector pass too: each pass walks
    # the whole tree (~0.1 ms on a 100 KB page). They are kept when no code element can
    # hold elements of its own (a template's content, noscript markup, an SVG script).
    tree, found = parse(markup, f"script, style, noscript, template, meta, {_LATE}")
    body = tree.body
    if body is None:
        return Extraction(url, problem=("not_html", "no <body>"))

    ld = meta.ld_objects([n for n in found.get("script", []) if meta.is_ld_json(n)])
    article_ld = meta.pick_article_ld(ld, url)
    listing_ld = any(meta.is_listing_ld(o) for o in ld)
    metas = meta.metas(found.get("meta", []))
    # Code and templates are never text. Detached (as strip_tags does), not destroyed, from
    # the nodes the parse pass already found: strip_tags would walk the tree once per tag.
    early = {tag: found.pop(tag) for tag in _LATE_TAGS if tag in found}
    code = [node for tag in _CODE for node in found.get(tag, ())]
    inert = "template" not in found and all(_text_only(node) for node in code)
    for node in code:
        node.decompose(recursive=False)
    # Looked up once the code is out, so nothing inside a script or template counts.
    late = early if inert else nodes_by_tag(tree.css(_LATE))

    walker = Walker(body, settings)
    blocks = walker.run()
    boiler = judge_boilerplate(blocks, walker, settings)

    html_node = tree.root  # the document element: the first <html> in document order
    lang_attr = html_node.attributes.get("lang") if html_node is not None else None
    raw_lang = (
        lang_attr
        or metas.get("content-language")
        or metas.get("og:locale")
        or (meta.ld_str(article_ld.get("inLanguage")) if article_ld else None)
    )
    language = meta.lang_code(raw_lang)
    sample = _joined_head([b.text for b in blocks if not b.soft and b.kind == "paragraph"], 3000)
    if language is None:
        language = meta.guess_language(sample or _joined_head([b.text for b in blocks], 3000))
    else:
        # a template's lang attribute can lie about the script; only that mistake is cheap to see
        head = sample[:1000]
        ar_chars = 0 if head.isascii() else _arabic_letters(head)
        is_ar = ar_chars > min(len(sample), 1000) * 0.3
        if is_ar != (language == "ar"):
            language = meta.guess_language(sample)
    date_lang = (raw_lang or language).lower() if meta.lang_code(raw_lang) == language else language

    title_node = _page_title_node(tree)
    page_title = clean_text((title_node.text(deep=True) if title_node is not None else "") or "")
    meta_title = clean_text(
        (meta.ld_str(article_ld.get("headline")) if article_ld else None)
        or metas.get("og:title")
        or metas.get("twitter:title")
        or ""
    )
    return Page(
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
