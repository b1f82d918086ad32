"""Page transforms that must not change what a reader sees as the release (metamorphic tests).

Each transform takes HTML and returns HTML with the same article, dressed differently:

* `scramble_classes`: every class token and id replaced by a random token (the same token
  for the same name, so the page keeps its structure but loses every word a template uses);
* `wrap_article`: the element that holds the body wrapped in three extra `<div>`s;
* `sidebars_first`: asides, related-news blocks and a synthetic related list moved in front
  of the article in document order;
* `mega_menu`: a 150-link navigation panel (plain divs and lists, no `<nav>`) at the top;
* `p_to_div`: every `<p>` becomes a `<div>`.

Used by tests/test_extract_metamorphic.py (golden pages, in `make test`) and by
`make eval` (a sample of the real-page corpus).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

from selectolax.lexbor import LexborHTMLParser, LexborNode

_RELATED = re.compile(
    r"(?<![a-z])(?:related|sidebar|more-news|read-more|teaser|recommend\w*|"
    r"aside|most-read|popular|trending)(?![a-z])",
    re.I,
)


def _serialize(tree: LexborHTMLParser) -> str:
    return tree.html or ""


def scramble_classes(html: str, seed: int = 7) -> str:
    rng = random.Random(seed)
    names: dict[str, str] = {}

    def token(name: str) -> str:
        if name not in names:
            names[name] = "x" + "".join(rng.choice("bcdfghjkmnpqrstvwxz") for _ in range(7))
        return names[name]

    tree = LexborHTMLParser(html)
    for node in tree.css("[class], [id]"):
        attrs = node.attrs
        if "class" in attrs:
            attrs["class"] = " ".join(token(c) for c in (attrs["class"] or "").split())
        if "id" in attrs:
            attrs["id"] = token(attrs["id"] or "")
    return _serialize(tree)


def _holder(tree: LexborHTMLParser, snippets: list[str]) -> LexborNode | None:
    """The article: the smallest element whose text holds every snippet (the title, the
    start and the end of the body)."""
    best = None
    for node in tree.css("body *"):
        if node.tag in ("script", "style"):
            continue
        text = " ".join(node.text(deep=True).split())
        if all(s in text for s in snippets):
            best = node  # css() walks in document order: later matches are deeper
    return best


def _snippets(anchors: list[str]) -> list[str]:
    """anchors = [title, body block texts...] of the untransformed extraction."""
    if not anchors:
        return []
    title, body = anchors[0], [" ".join(t.split()) for t in anchors[1:] if len(t.split()) >= 4]
    if not body:
        return []
    return [" ".join(title.split())[:40], body[0][:40], body[-1][-40:]]


def wrap_article(html: str, anchors: list[str]) -> str:
    tree = LexborHTMLParser(html)
    snip = _snippets(anchors)
    node = _holder(tree, snip) if snip else None
    if node is None or node.tag in ("html", "body"):
        return html
    inner = node.html or ""
    node.replace_with(
        LexborHTMLParser(f"<div><div class='wrap-a'><div>{inner}</div></div></div>").body.child
    )
    return _serialize(tree)


_SYNTHETIC_RELATED = (
    "<div class='more-stories'><h2>More stories</h2><ul>"
    + "".join(
        f"<li><a href='/news/2024/story-{i}'>Another story about a different subject, "
        f"number {i} in the list</a></li>"
        for i in range(8)
    )
    + "</ul></div>"
)


def sidebars_first(html: str, anchors: list[str]) -> str:
    tree = LexborHTMLParser(html)
    snip = _snippets(anchors)
    node = _holder(tree, snip) if snip else None
    if node is None or node.tag in ("html", "body"):
        return html
    anchor = node
    moved: list[str] = []
    for cand in tree.css("aside, [class], [id]"):
        hint = f"{cand.attributes.get('class') or ''} {cand.attributes.get('id') or ''}"
        if cand.tag != "aside" and not _RELATED.search(hint):
            continue
        if _contains(cand, anchor) or (_contains(anchor, cand) and cand is not anchor):
            continue
        moved.append(cand.html or "")
        cand.decompose()
    block = "".join(moved) + _SYNTHETIC_RELATED
    anchor.insert_before(LexborHTMLParser(f"<div>{block}</div>").body.child)
    return _serialize(tree)


def _contains(outer: LexborNode, inner: LexborNode) -> bool:
    p = inner
    while p is not None:
        if p.mem_id == outer.mem_id:
            return True
        p = p.parent
    return False


def mega_menu(html: str, links: int = 150) -> str:
    sections = [
        "World",
        "Politics",
        "Business",
        "Sport",
        "Culture",
        "Science",
        "Opinion",
        "Travel",
        "Health",
        "Technology",
    ]
    per = links // len(sections)
    cols = []
    n = 0
    for s in sections:
        items = []
        for i in range(per):
            n += 1
            items.append(
                f"<li><a href='/{s.lower()}/topic-{i}'>{s} topic number {i} and "
                f"related coverage</a></li>"
            )
        cols.append(
            f"<div class='col'><div class='col-head'><a href='/{s.lower()}'>{s}</a>"
            f"</div><ul>{''.join(items)}</ul></div>"
        )
    panel = f"<div class='site-panel'><div class='panel-inner'>{''.join(cols)}</div></div>"
    tree = LexborHTMLParser(html)
    body = tree.body
    if body is None:
        return html
    first = body.child
    node = LexborHTMLParser(panel).body.child
    if first is None:
        body.insert_child(node)
    else:
        first.insert_before(node)
    return _serialize(tree)


def p_to_div(html: str) -> str:
    """Every <p> becomes a <div> with the same attributes and content."""
    tree = LexborHTMLParser(html)
    for p in tree.css("p"):
        div = LexborHTMLParser(f"<div>{p.inner_html or ''}</div>").body.child
        for name, value in p.attributes.items():
            div.attrs[name] = value or ""
        p.replace_with(div)
    return _serialize(tree)


# name -> transform(html, anchors): anchors = [title, body block texts...] of the
# untransformed extraction, used to find the article in the page
TRANSFORMS: dict[str, Callable[[str, list[str]], str]] = {
    "scramble_classes": lambda html, _anchors: scramble_classes(html),
    "wrap_article": wrap_article,
    "sidebars_first": sidebars_first,
    "mega_menu": lambda html, _anchors: mega_menu(html),
    "p_to_div": lambda html, _anchors: p_to_div(html),
}

# Class and id words are weak evidence: with all of them gone, structure alone decides, so a
# short share line or caption the words used to remove may come back (or a short block the
# words protected may go). At most 10% of the body's word 4-grams may change; title, date
# and acceptance must not.
SCRAMBLE_MIN_F1 = 0.90


def page_text(html: bytes | str) -> str:
    """The page as text, decoded the way the extractor decodes it (meta charset honoured),
    so that a transformed page is the same page in the same characters."""
    from ingest.extract_meta import markup

    m = markup(html)
    return m if isinstance(m, str) else m.decode("utf-8", errors="replace")


def anchors_of(release: object) -> list[str]:
    """[title, body block texts...] of a Release (empty for a refusal)."""
    blocks = getattr(release, "blocks", None)
    if not blocks:
        return []
    return [release.title, *(b.text for b in blocks)]  # type: ignore[attr-defined]
