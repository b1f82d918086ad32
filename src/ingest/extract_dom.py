"""Flatten an HTML page into an ordered list of text blocks with layout facts attached.

One walk over the body visits containers only (leaf blocks take their text with one C
call), so the cost stays close to the parse itself. Every later decision (where the body
is, which h1 is the title, where the date and the standfirst are) is made on this flat
list, which keeps the heuristics independent of any one site's markup.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Protocol

from selectolax.lexbor import LexborHTMLParser, LexborNode

from ingest.extract_hints import BOILER, META, class_words, hint_of, is_standfirst_hint

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

_HARD_ROLES = frozenset(
    ["navigation", "contentinfo", "complementary", "search", "dialog", "alertdialog", "menu"]
)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden")
_SMALL_SUBTREE = 1000  # characters: a subtree this small is never a wrapper of the page
_ENDS = ".!?;。！？؟"  # sentence marks: what makes a block prose (ingest.extract_body)
_BR_SPLIT = re.compile(BR + r"\s*(?:" + BR + r"\s*)+")


class WalkThresholds(Protocol):
    """The walker's share of ExtractionSettings (ingest.extract)."""

    @property
    def boilerplate_score(self) -> float: ...
    @property
    def prose_min_chars(self) -> int: ...
    @property
    def walker_wrapper_share(self) -> float: ...
    @property
    def bold_heading_max_chars(self) -> int: ...
    @property
    def standfirst_box_max_chars(self) -> int: ...
    @property
    def caption_max_blocks(self) -> int: ...
    @property
    def caption_max_chars(self) -> int: ...


@dataclass(frozen=True)
class _WalkDefaults:
    boilerplate_score: float = 1.5
    prose_min_chars: int = 40
    walker_wrapper_share: float = 0.35
    bold_heading_max_chars: int = 100
    standfirst_box_max_chars: int = 600
    caption_max_blocks: int = 2
    caption_max_chars: int = 250


_WALK_DEFAULTS = _WalkDefaults()  # for a Walker used on its own (tests, tools)


class Blk:
    """One text block of the page in document order (mutable scratch record).

    `hints` are the ids of the class/id-hinted elements around the block (its own first
    when it has one); `soft` is set later, when those elements are judged boilerplate."""

    __slots__ = ("hints", "idx", "kind", "links", "path", "sf", "soft", "text")

    def __init__(
        self,
        kind: str,
        text: str,
        path: tuple[int, ...],
        hints: tuple[int, ...],
        sf: bool,
        links: int,
    ) -> None:
        self.kind = kind  # paragraph | heading | list_item | h1
        self.text = text
        self.path = path
        self.hints = hints
        self.sf = sf
        self.links = links
        self.soft = False
        self.idx = 0

    @property
    def link_density(self) -> float:
        return self.links / max(1, len(self.text))

    def __repr__(self) -> str:  # debugging aid
        return f"Blk({self.idx} {self.kind} soft={self.soft} sf={self.sf} {self.text[:50]!r})"


def clean_text(s: str) -> str:
    """Collapse whitespace (incl. NBSP and our <br> marker), strip, NFC."""
    if BR in s:
        s = s.replace(BR, " ")
    s = " ".join(s.split())
    return s if s.isascii() else unicodedata.normalize("NFC", s)


class Walker:
    """Collect blocks, landmark containers, hinted elements and skipped subtrees.

    Skipped (never walked): hidden elements, semantic landmarks that never hold an article
    body (nav, aside, footer, figure, dialog, ARIA navigation/complementary/...), code and
    media. Class and id words skip nothing: they are recorded in `hints` (element id ->
    (strength, meta word)) for the boilerplate score."""

    def __init__(self, body: LexborNode, settings: WalkThresholds | None = None) -> None:
        s = settings or _WALK_DEFAULTS
        self.blocks: list[Blk] = []
        self.articles: list[int] = []
        self.mains: list[int] = []
        self.article_bodies: list[int] = []
        self.skipped: set[int] = set()
        self.hints: dict[int, tuple[float, bool]] = {}
        self.chrome: set[int] = set()  # chrome-named link lists, judged without a walk
        self.stamped: list[LexborNode] = []  # elements marked itemprop=datePublished
        self.chrome_score = s.boilerplate_score
        self.prose_min_chars = s.prose_min_chars
        self.wrapper_share = s.walker_wrapper_share
        self.bold_heading_max_chars = s.bold_heading_max_chars
        self.standfirst_box_max_chars = s.standfirst_box_max_chars
        self.caption_max_blocks = s.caption_max_blocks
        self.caption_max_chars = s.caption_max_chars
        self._page_len: int | None = None  # the page's text length, measured when needed
        self._body = body

    def run(self) -> list[Blk]:
        self._walk(self._body, (self._body.mem_id,), (), False, "paragraph")
        for i, b in enumerate(self.blocks):
            b.idx = i
        return self.blocks

    # -- helpers ------------------------------------------------------------------------

    def _emit(
        self,
        kind: str,
        raw: str,
        path: tuple[int, ...],
        hints: tuple[int, ...],
        sf: bool,
        links: int,
    ) -> None:
        text = clean_text(raw)
        if text:
            self.blocks.append(Blk(kind, text, path, hints, sf, links))

    def _flush(
        self,
        run: list[str],
        links: int,
        path: tuple[int, ...],
        hints: tuple[int, ...],
        sf: bool,
        kind: str,
        bold: list[bool] | None = None,
    ) -> None:
        if not run:
            return
        raw = "".join(run)
        if BR not in raw:
            # whitespace between two blocks makes no block (clean_text would empty it)
            if not raw.isspace():
                flags = bold if bold is not None else [False] * len(run)
                self._emit(self._kind_for(kind, run, flags), raw, path, hints, sf, links)
            run.clear()
            if bold is not None:
                bold.clear()
            return
        flags = list(bold) if bold is not None else [False] * len(run)
        pieces = list(run)
        run.clear()
        if bold is not None:
            bold.clear()
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
                hints,
                sf,
                links if single else 0,
            )

    def _kind_for(self, kind: str, pieces: list[str], flags: list[bool]) -> str:
        """A short line that is bold from end to end is a section heading in old markup."""
        if kind != "paragraph" or not any(flags):
            return kind
        text = "".join(pieces).strip()
        if not text or len(text) > self.bold_heading_max_chars or text[-1] in ".:;,!?،؛":
            return kind
        if all(f or not p.strip() for p, f in zip(pieces, flags, strict=True)):
            return "heading"
        return kind

    def _hinted(
        self, node: LexborNode, hints: tuple[int, ...], cls: str, extra: float = 0.0
    ) -> tuple[int, ...]:
        """`hints` plus this element when its class/id words (`cls`) or its tag (`extra`)
        name chrome."""
        strength, meta = hint_of(cls) if cls else (0.0, False)
        strength = max(strength, extra)
        if not strength:
            return hints
        self.hints[node.mem_id] = (strength, meta)
        return (node.mem_id, *hints)

    def _plainly_chrome(self, node: LexborNode, mid: int) -> bool:
        """A chrome-named element that scores as boilerplate whatever its blocks turn out to
        be need not be walked: measured here with C-level text calls, much cheaper than
        walking a 150-link menu. Its score (word + link share + non-prose share) reaches
        `chrome_score` when its link text alone makes up the difference, or when it cannot
        hold prose at all (shorter than one prose block, or no sentence mark in text too
        short to count as prose without one). Meta-named elements are always walked (the
        date may be there), and so is an element holding an h1 (the title may be there) or
        much of the page's text (a page wrapper named for its ad slots)."""
        strength = self.hints[mid][0]
        if strength < BOILER or node.css_first("h1") is not None:
            return False
        text = node.text(deep=True).strip()
        n = len(text)
        if n > _SMALL_SUBTREE:
            if self._page_len is None:  # the page's text, measured once and only if needed
                self._page_len = len(self._body.text(deep=True))
            if n > self.wrapper_share * self._page_len:
                return False  # a wrapper around much of the page ("l-wrapper gate-ad")
        if n < self.prose_min_chars or (
            n < 3 * self.prose_min_chars and not any(c in text for c in _ENDS)
        ):
            self.skipped.add(mid)
            self.chrome.add(mid)
            return True
        links = self._link_chars(node)
        if strength + links / n >= self.chrome_score:
            self.skipped.add(mid)
            self.chrome.add(mid)
            return True
        return False

    def _inline_words(self, node: LexborNode) -> str:
        """class/id words of an inline element at block level; notes [itemprop=datePublished]
        on the way (its attributes are read here anyway)."""
        attrs = node.attributes
        if not attrs:
            return ""
        prop = attrs.get("itemprop")
        if prop and prop.lower() == "datepublished":
            self.stamped.append(node)
        return class_words(attrs)

    def _p_kind(self, node: LexborNode, kind: str) -> str:
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
        if not text or len(text) > self.bold_heading_max_chars or text[-1] in ".:;,!?،؛":
            return kind
        return "heading"

    @staticmethod
    def _link_chars(node: LexborNode) -> int:
        if node.tag == "a":
            return len(node.text(deep=True).strip())
        first = node.child
        if first is None or (first.tag == "-text" and first.next is None):
            return 0  # text alone holds no link (and spares a selector pass)
        anchors = node.css("a")
        if not anchors:
            return 0
        return sum(len(a.text(deep=True).strip()) for a in anchors)

    # -- the walk -----------------------------------------------------------------------

    def _walk(
        self, node: LexborNode, path: tuple[int, ...], hints: tuple[int, ...], sf: bool, kind: str
    ) -> None:
        run: list[str] = []
        bold: list[bool] = []
        run_links = 0
        start = len(self.blocks)
        has_img = False
        for child in node.iter(include_text=True):
            tag = child.tag
            if tag == "-text":
                text = child.text_content or ""
                if run or (text and not text.isspace()):
                    # (whitespace opening a run is dropped: clean_text would strip it)
                    run.append(text)
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
                first = child.child
                if first is None:
                    continue  # an empty inline element (an icon): no text, nothing to weigh
                nested = first.tag != "-text" or first.next is not None  # more than text
                if tag in ("span", "a", "font", "label") and nested and child.css_first(_BLOCK_SEL):
                    pass  # an inline wrapper around blocks: walk it like a container
                elif (
                    tag in ("span", "div", "a", "small", "time")
                    and (own := self._hinted(child, hints, self._inline_words(child))) is not hints
                ):
                    # a hinted inline element at block level ("category" label, share link)
                    # is a block of its own, so that its words weigh on it alone
                    self._flush(run, run_links, path, hints, sf, kind, bold)
                    run_links = 0
                    self._emit(
                        kind,
                        child.text(deep=True, separator=""),
                        path,
                        own,
                        sf,
                        self._link_chars(child),
                    )
                    continue
                else:
                    txt = child.text(deep=True, separator="")
                    run.append(txt)
                    bold.append(tag in ("b", "strong"))
                    if tag == "a":
                        run_links += len(txt.strip())
                    elif nested and child.css_first("a") is not None:
                        run_links += self._link_chars(child)
                    continue
            if child.child is None:
                continue  # an empty element (an ad slot, a spacer) ends no paragraph either
            # a block-level element: close the running inline text first
            if run:
                self._flush(run, run_links, path, hints, sf, kind, bold)
                run_links = 0

            entered = self._enter(child, tag, hints, sf)
            if entered is None:
                continue
            c_hints, c_sf = entered
            # a block of its own (p, headings, a plain li), or a container to walk
            if tag == "p" or tag == "pre" or tag == "address":
                as_kind = self._p_kind(child, kind)
            elif tag in HEADINGS:
                as_kind = "heading"
            elif tag == "h1":
                as_kind = "h1"
            elif tag == "li" and not any(c.tag in BLOCKISH for c in child.iter()):
                as_kind = "list_item"
            else:
                sub_kind = "list_item" if tag == "li" else kind
                self._walk(child, (*path, child.mem_id), c_hints, c_sf, sub_kind)
                continue
            links = 0 if as_kind == "h1" else self._link_chars(child)
            self._emit(as_kind, child.text(deep=True, separator=""), path, c_hints, c_sf, links)
        self._flush(run, run_links, path, hints, sf, kind, bold)
        if has_img and len(self.blocks) > start:
            self._drop_caption(node, start)

    def _enter(
        self, child: LexborNode, tag: str | None, hints: tuple[int, ...], sf: bool
    ) -> tuple[tuple[int, ...], bool] | None:
        """A block-level element about to be walked: None when it is skipped (hidden, a
        landmark that never holds a body, plainly chrome), else its (hints, standfirst
        flag); semantic landmarks and [itemprop] markers are noted on the way."""
        attrs = child.attributes
        mid = child.mem_id
        if not attrs:
            return self._enter_bare(child, mid, tag, hints, sf)
        role = (attrs.get("role") or "").lower()
        if attrs and (
            ("hidden" in attrs and not (attrs.get("id") or "").startswith("S:"))
            or attrs.get("aria-hidden") == "true"
            or ("style" in attrs and _HIDDEN_STYLE.search(attrs["style"] or ""))
        ):
            # (React's streaming server rendering sends page segments in
            # <div hidden id="S:n"> for a script to move into place: that is content)
            self.skipped.add(mid)
            return None
        if tag in SKIP_ALWAYS or role in _HARD_ROLES:
            self.skipped.add(mid)
            return None
        # A form is chrome (search, login, newsletter) unless its text says otherwise:
        # some CMSs wrap the whole page in one.
        cls = class_words(attrs) if attrs else ""
        if cls or tag == "form":
            c_hints = self._hinted(child, hints, cls, META if tag == "form" else 0.0)
            if c_hints is not hints and self._plainly_chrome(child, mid):
                return None
            c_sf = sf or (
                bool(cls)
                and is_standfirst_hint(cls)
                and len(child.text(deep=True)) < self.standfirst_box_max_chars
            )
        else:
            c_hints, c_sf = hints, sf
        if tag == "article":
            self.articles.append(mid)
        elif tag == "main" or role == "main":
            self.mains.append(mid)
        prop = attrs.get("itemprop") if attrs else None
        if prop:
            prop = prop.lower()
            if prop == "articlebody":
                self.article_bodies.append(mid)
            elif prop == "datepublished":
                self.stamped.append(child)
        return c_hints, c_sf

    def _enter_bare(
        self, child: LexborNode, mid: int, tag: str | None, hints: tuple[int, ...], sf: bool
    ) -> tuple[tuple[int, ...], bool] | None:
        """`_enter` for an element without attributes: only its tag can say anything."""
        if tag in SKIP_ALWAYS:
            self.skipped.add(mid)
            return None
        if tag == "form":
            c_hints = self._hinted(child, hints, "", META)
            if c_hints is not hints and self._plainly_chrome(child, mid):
                return None
            return c_hints, sf
        if tag == "article":
            self.articles.append(mid)
        elif tag == "main":
            self.mains.append(mid)
        return hints, sf

    def _drop_caption(self, node: LexborNode, start: int) -> None:
        """An image with a line or two of text beside it in its own box is a figure without
        <figure>: the text is a caption or credit, never body."""
        new = self.blocks[start:]
        if (
            len(new) > self.caption_max_blocks
            or sum(len(b.text) for b in new) > self.caption_max_chars
        ):
            return
        if any(b.kind == "h1" or b.links for b in new):
            return
        del self.blocks[start:]
        self.skipped.add(node.mem_id)


def parse(
    html: str | bytes,
    signals: str = "",
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
