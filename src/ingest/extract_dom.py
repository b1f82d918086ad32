"""Flatten an HTML page into an ordered list of text blocks with layout facts attached.

One walk over the body visits containers only (leaf blocks take their text with one C
call), so the cost stays close to the parse itself. Every later decision (where the body
is, which h1 is the title, where the date and the standfirst are) is made on this flat
list, which keeps the heuristics independent of any one site's markup.
"""

from __future__ import annotations

import re
import unicodedata

from selectolax.lexbor import LexborHTMLParser, LexborNode

BR = "\ue000"  # stands in for <br> so that line breaks survive text() calls

INLINE = frozenset(
    [
        "a",
        "abbr",
        "b",
        "bdi",
        "bdo",
        "big",
        "cite",
        "code",
        "data",
        "del",
        "dfn",
        "em",
        "font",
        "i",
        "ins",
        "kbd",
        "label",
        "mark",
        "nobr",
        "q",
        "s",
        "samp",
        "small",
        "span",
        "strike",
        "strong",
        "sub",
        "sup",
        "time",
        "tt",
        "u",
        "var",
        "wbr",
    ]
)
DROP = frozenset(
    [
        "script",
        "style",
        "noscript",
        "template",
        "svg",
        "math",
        "iframe",
        "object",
        "embed",
        "video",
        "audio",
        "canvas",
        "map",
        "img",
        "picture",
        "source",
        "track",
        "input",
        "select",
        "textarea",
        "button",
        "head",
        "meta",
        "link",
        "title",
        "base",
        "option",
        "-comment",
    ]
)
# Landmarks that never hold the release body.
SKIP_ALWAYS = frozenset(["nav", "aside", "footer", "figure", "figcaption", "dialog", "menu"])
HEADINGS = frozenset(["h2", "h3", "h4", "h5", "h6"])
BLOCKISH = frozenset(
    [
        "p",
        "div",
        "ul",
        "ol",
        "dl",
        "table",
        "section",
        "article",
        "main",
        "header",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "figure",
        "pre",
        "form",
        "address",
        "li",
    ]
)
_BLOCK_SEL = "p,div,ul,ol,table,section,article,h1,h2,h3,h4,h5,h6,blockquote"

# Generic class/id words. HARD: the subtree is boilerplate and is not walked.
# SOFT: walked (it may hold the date or the byline) but never part of the body.
# French and Spanish class words too (partager, compartir, relacionadas, a-lire-aussi...).
_OTHER_LANG_HINTS = (
    r"partag\w*|compartir\w*|relacionad\w*|lies|lire-aussi|a-lire|ver-tambien|"
    r"redes-sociales|reseaux-sociaux|etiquetas|mots-cles|fil-d-ariane|migas\w*|"
)
_HARD_HINT = re.compile(
    r"(?<![a-z])(?:" + _OTHER_LANG_HINTS +
    r"related\w*|share\w*|sharing|social\w*|cookie\w*|consent|gdpr|"
    r"breadcrumbs?|newsletter\w*|subscri\w*|comments?|sidebar|widget\w*|promo\w*|advert\w*|"
    r"ads?|sponsor\w*|menu\w*|megamenu|nav|navbar|navigation|pagination|pager|skip|"
    r"sr-only|visually-hidden|screen-reader\w*|print|tags?|tagcloud|taxonomy|keywords|"
    r"captions?|wp-caption-text|credits?|copyright|lang-?switch\w*|language\w*|languages|"
    r"search\w*|login|toolbar|modal|popup|footer|more-news|read-more|see-also|"
    r"recommended|trending|most-read|popular)(?![a-z])"
)
# Words that name boilerplate outright: skipped even when large (a long related-news column).
_STRONG_HINT = re.compile(
    r"(?<![a-z])(?:" + _OTHER_LANG_HINTS +
    r"related\w*|share\w*|sharing|social\w*|cookie\w*|consent|gdpr|breadcrumbs?|"
    r"newsletter\w*|comments?|captions?|credits?|tags?|more-news|read-more|see-also|"
    r"recommended|trending|most-read|popular)(?![a-z])"
)
_SOFT_HINT = re.compile(
    r"(?<![a-z])(?:meta|byline|author\w*|date\w*|time|published|posted|info|details|"
    r"kicker|eyebrow|overline|surtitre|antetitulo|category|categories|topic|label)(?![a-z])"
)
_SF_HINT = re.compile(
    r"(?<![a-z])(?:standfirst|lead|lede|intro|introduction|summary|chapo|chapeau|subtitle|"
    r"sub-title|subtitulo|subheading|strapline|deck|dek|teaser|excerpt|abstract|"
    r"entradilla|bajada|sumario|resumen|resume|description)(?![a-z])"
)
_HARD_ROLES = frozenset(
    ["navigation", "contentinfo", "complementary", "search", "dialog", "alertdialog", "menu"]
)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden")
_BR_SPLIT = re.compile(BR + r"\s*(?:" + BR + r"\s*)+")


class Blk:
    """One text block of the page in document order (mutable scratch record)."""

    __slots__ = ("idx", "kind", "links", "path", "sf", "soft", "text")

    def __init__(
        self, kind: str, text: str, path: tuple[int, ...], soft: bool, sf: bool, links: int
    ) -> None:
        self.kind = kind  # paragraph | heading | list_item | h1
        self.text = text
        self.path = path
        self.soft = soft
        self.sf = sf
        self.links = links
        self.idx = 0

    @property
    def link_density(self) -> float:
        return self.links / max(1, len(self.text))

    def __repr__(self) -> str:  # debugging aid
        return f"Blk({self.idx} {self.kind} soft={self.soft} sf={self.sf} {self.text[:50]!r})"


def clean_text(s: str) -> str:
    """Collapse whitespace (incl. NBSP and our <br> marker), strip, NFC."""
    s = " ".join(s.replace(BR, " ").split())
    return unicodedata.normalize("NFC", s) if not s.isascii() else s


class Walker:
    """Collect blocks, landmark containers and skipped subtrees from a parsed page."""

    def __init__(self, body: LexborNode) -> None:
        self.blocks: list[Blk] = []
        self.articles: list[int] = []
        self.mains: list[int] = []
        self.article_bodies: list[int] = []
        self.skipped: set[int] = set()
        self._body_len: int | None = None  # the page's text length, measured when needed
        self._body = body

    def run(self) -> list[Blk]:
        self._walk(self._body, (self._body.mem_id,), False, False, "paragraph")
        for i, b in enumerate(self.blocks):
            b.idx = i
        return self.blocks

    # -- helpers ------------------------------------------------------------------------

    def _emit(self, kind: str, raw: str, path: tuple[int, ...], soft: bool, sf: bool, links: int):
        text = clean_text(raw)
        if text:
            self.blocks.append(Blk(kind, text, path, soft, sf, links))

    def _flush(self, run: list[str], links: int, path, soft, sf, kind, bold=None) -> None:
        if not run:
            return
        raw = "".join(run)
        flags = list(bold) if bold is not None else [False] * len(run)
        pieces = list(run)
        run.clear()
        if bold is not None:
            bold.clear()
        if BR not in raw:
            self._emit(self._kind_for(kind, pieces, flags), raw, path, soft, sf, links)
            return
        # split on two or more <br>: old markup separates paragraphs that way
        segs: list[tuple[list[str], list[bool]]] = [([], [])]
        brs = 0
        for piece, flag in zip(pieces, flags, strict=True):
            if piece == BR:
                brs += 1
                continue
            if brs >= 2 and piece.strip() and any(t.strip() for t in segs[-1][0]):
                segs.append(([], []))
            if brs:
                segs[-1][0].append(" ")
                segs[-1][1].append(False)
            brs = 0 if piece.strip() else brs
            segs[-1][0].append(piece)
            segs[-1][1].append(flag)
        single = len(segs) == 1
        for texts, fl in segs:
            self._emit(
                self._kind_for(kind, texts, fl),
                "".join(texts),
                path,
                soft,
                sf,
                links if single else 0,
            )

    @staticmethod
    def _kind_for(kind: str, pieces: list[str], flags: list[bool]) -> str:
        """A short line that is bold from end to end is a section heading in old markup."""
        if kind != "paragraph" or not any(flags):
            return kind
        text = "".join(pieces).strip()
        if not text or len(text) > 100 or text[-1] in ".:;,!?،؛":
            return kind
        if all(f or not p.strip() for p, f in zip(pieces, flags, strict=True)):
            return "heading"
        return kind

    def _is_wrapper(self, node: LexborNode, hint: str = "") -> bool:
        """A hinted element that holds the title or much of the page is a layout wrapper."""
        if node.css_first("h1") is not None:
            return True
        if hint and _STRONG_HINT.search(hint):
            return False
        if self._body_len is None:
            # The whole page's text, only when a hinted element needs comparing against it.
            self._body_len = max(1, len(self._body.text(deep=True)))
        return len(node.text(deep=True)) > 0.35 * self._body_len

    @staticmethod
    def _inline_hint(node: LexborNode) -> str | None:
        attrs = node.attributes
        hint = ((attrs.get("class") or "") + " " + (attrs.get("id") or "")).lower()
        if not hint.strip():
            return None
        if _HARD_HINT.search(hint):
            return "hard"
        if _SOFT_HINT.search(hint):
            return "soft"
        return None

    @staticmethod
    def _p_kind(node: LexborNode, kind: str) -> str:
        if kind != "paragraph":
            return kind
        first = node.child
        while first is not None and first.tag == "-text" and not (first.text_content or "").strip():
            first = first.next
        if first is None or first.tag not in ("b", "strong"):
            return kind
        rest = first.next
        while rest is not None and rest.tag == "-text" and not (rest.text_content or "").strip():
            rest = rest.next
        if rest is not None:
            return kind
        text = first.text(deep=True).strip()
        if not text or len(text) > 100 or text[-1] in ".:;,!?،؛":
            return kind
        return "heading"

    @staticmethod
    def _link_chars(node: LexborNode) -> int:
        if node.tag == "a":
            return len(node.text(deep=True).strip())
        if node.css_first("a") is None:
            return 0
        return sum(len(a.text(deep=True).strip()) for a in node.css("a"))

    # -- the walk -----------------------------------------------------------------------

    def _walk(self, node: LexborNode, path: tuple[int, ...], soft: bool, sf: bool, kind: str):
        run: list[str] = []
        bold: list[bool] = []
        run_links = 0
        start = len(self.blocks)
        has_img = False
        for child in node.iter(include_text=True):
            tag = child.tag
            if tag == "-text":
                run.append(child.text_content or "")
                bold.append(False)
                continue
            if tag in DROP:
                if tag in ("img", "picture"):
                    has_img = True
                continue
            if tag == "br":
                run.append(BR)
                bold.append(False)
                continue
            if tag in INLINE:
                if tag in ("span", "a", "font", "label") and child.css_first(_BLOCK_SEL):
                    pass  # an inline wrapper around blocks: walk it like a container
                elif tag in ("span", "div", "a", "small", "time") and self._inline_hint(child):
                    # a hinted inline element at block level ("category" label, share link):
                    # keep it out of the running paragraph
                    self._flush(run, run_links, path, soft, sf, kind, bold)
                    run_links = 0
                    if self._inline_hint(child) == "soft":
                        self._emit(kind, child.text(deep=True, separator=""), path, True, sf, 0)
                    continue
                else:
                    txt = child.text(deep=True, separator="")
                    run.append(txt)
                    bold.append(tag in ("b", "strong"))
                    if tag == "a":
                        run_links += len(txt.strip())
                    elif "<a" in (child.html or ""):
                        run_links += self._link_chars(child)
                    continue
            # a block-level element: close the running inline text first
            self._flush(run, run_links, path, soft, sf, kind, bold)
            run_links = 0

            attrs = child.attributes
            mid = child.mem_id
            hint = ((attrs.get("class") or "") + " " + (attrs.get("id") or "")).lower()
            role = (attrs.get("role") or "").lower()
            if (
                "hidden" in attrs
                or attrs.get("aria-hidden") == "true"
                or _HIDDEN_STYLE.search(attrs.get("style") or "")
            ):
                self.skipped.add(mid)
                continue
            if tag in SKIP_ALWAYS or role in _HARD_ROLES:
                self.skipped.add(mid)
                continue
            if (
                tag == "form" or (hint.strip() and _HARD_HINT.search(hint))
            ) and not self._is_wrapper(child, hint):
                self.skipped.add(mid)
                continue
            c_soft = soft
            c_sf = sf
            if hint.strip():
                if _SOFT_HINT.search(hint) and not self._is_wrapper(child):
                    c_soft = True
                if _SF_HINT.search(hint) and len(child.text(deep=True)) < 600:
                    c_sf = True
            cpath = (*path, mid)
            if tag == "article":
                self.articles.append(mid)
            elif tag == "main" or role == "main":
                self.mains.append(mid)
            if (attrs.get("itemprop") or "").lower() == "articlebody":
                self.article_bodies.append(mid)

            if tag == "p" or tag == "pre" or tag == "address":
                self._emit(
                    self._p_kind(child, kind),
                    child.text(deep=True, separator=""),
                    path,
                    c_soft,
                    c_sf,
                    self._link_chars(child),
                )
            elif tag in HEADINGS:
                self._emit(
                    "heading",
                    child.text(deep=True, separator=""),
                    path,
                    c_soft,
                    c_sf,
                    self._link_chars(child),
                )
            elif tag == "h1":
                self._emit("h1", child.text(deep=True, separator=""), path, c_soft, c_sf, 0)
            elif tag == "li":
                if any(c.tag in BLOCKISH for c in child.iter()):
                    self._walk(child, cpath, c_soft, c_sf, "list_item")
                else:
                    self._emit(
                        "list_item",
                        child.text(deep=True, separator=""),
                        path,
                        c_soft,
                        c_sf,
                        self._link_chars(child),
                    )
            else:
                self._walk(child, cpath, c_soft, c_sf, kind)
        self._flush(run, run_links, path, soft, sf, kind, bold)
        if has_img and len(self.blocks) > start:
            self._drop_caption(node, start)

    def _drop_caption(self, node: LexborNode, start: int) -> None:
        """An image with a line or two of text beside it in its own box is a figure without
        <figure>: the text is a caption or credit, never body."""
        new = self.blocks[start:]
        if len(new) > 2 or sum(len(b.text) for b in new) > 250:
            return
        if any(b.kind == "h1" or b.links for b in new):
            return
        del self.blocks[start:]
        self.skipped.add(node.mem_id)


def parse(
    html: str | bytes, signals: str = "",
) -> tuple[LexborHTMLParser, dict[str, list[LexborNode]]]:
    """Parse; every <br> becomes a BR marker; and the nodes matching `signals` (a selector
    list), by tag. Each css() call walks the whole tree, about 0.1 ms on a 100 KB page,
    while one selector list walks it once: callers ask for all they need in one go."""
    tree = LexborHTMLParser(html)
    found = nodes_by_tag(tree.css(f"br, {signals}" if signals else "br"))
    for br in found.pop("br", ()):
        br.replace_with(BR)
    return tree, found


def nodes_by_tag(nodes: list[LexborNode]) -> dict[str, list[LexborNode]]:
    """css() results grouped by tag, each group in document order."""
    out: dict[str, list[LexborNode]] = {}
    for node in nodes:
        out.setdefault(node.tag or "", []).append(node)
    return out
