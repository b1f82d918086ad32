"""Where the article body is on a flattened page: boilerplate judged, containers scored.

Two steps, both over the block list of `extract_dom.Walker` (no second tree walk):

1. **Boilerplate.** Every element whose class/id carries a chrome word (share, related,
   menu, byline, ...) is judged on three kinds of evidence added together: the word itself
   (BOILER 1.0, META 0.5, less 0.5 when a content word such as `body` sits beside it), the
   share of its text that is link text, and the share that is *not* prose (prose: a block
   of `prose_min_chars` or more, with little link text and a sentence mark, counted in full
   from `prose_full_chars`: a caption line is only partly prose), plus the share of text the
   page repeats word for word (`repeat_weight`). It is
   boilerplate when the sum reaches `boilerplate_score`. So a word alone never removes
   text: an Elementor `widget` or Drupal `field--label-hidden` full of sentences stays, a
   `share` bar of short links goes. (A chrome-named element whose text is mostly links is
   judged by the walker without being walked: it scores as boilerplate whatever else.)
2. **Body.** Each prose block scores like readability's paragraphs (1 + sentence marks, up
   to a cap, + one point per 100 characters, up to 3), scaled down by its link density and,
   weakly, by chrome words around it (`hint_damping`). The region is the semantic
   container (itemprop=articleBody, then <article>, then <main>) holding at least
   `region_share` of the score (`titled_region_share` when it holds the h1), else the page.
   Inside it the score flows to containers as in readability.js (see `locate_body`): a
   paragraph wrapped in containers of its own scores for the first one holding anything
   else; the best container, scaled by its own link density, is the top; sibling subtrees
   with enough prose and little link text join it (a body split by ad slots), teaser
   rivers, link lists and (unless they bring much more prose) chrome-named siblings such as
   comment threads do not.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from ingest.extract_dom import Blk, Walker

_SENTENCE_ENDS = frozenset(".!?;。！？؟")
_SENTENCE_MARKS = tuple(_SENTENCE_ENDS | frozenset(",،、"))


class BodyThresholds(Protocol):
    @property
    def prose_min_chars(self) -> int: ...
    @property
    def prose_max_link_density(self) -> float: ...
    @property
    def prose_full_chars(self) -> int: ...
    @property
    def wrapper_share(self) -> float: ...
    @property
    def repeat_weight(self) -> float: ...
    @property
    def boilerplate_score(self) -> float: ...
    @property
    def region_share(self) -> float: ...
    @property
    def titled_region_share(self) -> float: ...
    @property
    def candidate_levels(self) -> int: ...
    @property
    def sibling_share(self) -> float: ...
    @property
    def sibling_max_link_density(self) -> float: ...
    @property
    def sibling_hint_factor(self) -> float: ...
    @property
    def sibling_paragraph_chars(self) -> int: ...
    @property
    def sibling_paragraph_max_link_density(self) -> float: ...
    @property
    def repeat_min_chars(self) -> int: ...
    @property
    def block_max_link_density(self) -> float: ...
    @property
    def hint_damping(self) -> float: ...


_DENSE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")


@functools.lru_cache(maxsize=8192)
def text_weight(t: str, cap: int = 400) -> int:
    """Length for the prose tests, with a Chinese or Japanese character (Han, kana) counted
    twice: those scripts say in one character what others say in two or three, and the
    thresholds are set in Latin characters. Exact only up to `cap` (above it, only "long")."""
    n = len(t)
    if n >= cap or t.isascii():
        return n
    return n + len(_DENSE.findall(t))


def is_prose(b: Blk, s: BodyThresholds) -> bool:
    """Running text: long enough, little link text, at least one sentence mark."""
    t = b.text
    n = text_weight(t)
    return (
        n >= s.prose_min_chars
        and b.link_density < s.prose_max_link_density
        and (n >= 3 * s.prose_min_chars or any(c in t for c in _SENTENCE_ENDS))
    )


def _prose_value(b: Blk, s: BodyThresholds) -> int:
    """Characters of a block that count as prose: all of a long prose block, part of a short
    one (n * weight / prose_full_chars), none of anything else."""
    if b.kind == "h1" or not is_prose(b, s):
        return 0
    n = len(b.text)
    return min(n, n * text_weight(b.text) // s.prose_full_chars)


def judge_boilerplate(blocks: Sequence[Blk], walker: Walker, s: BodyThresholds) -> set[int]:
    """Ids of the hinted elements that are boilerplate; marks their blocks `soft`.

    Text that the page repeats word for word (a caption printed for desktop, tablet and
    mobile; a teaser shown twice) adds `repeat_weight` times its share to the score: an
    article does not repeat its paragraphs."""
    if not walker.hints:
        return set(walker.chrome)
    seen: dict[str, int] = {}
    for b in blocks:
        if len(b.text) >= s.repeat_min_chars:
            seen[b.text] = seen.get(b.text, 0) + 1
    stats: dict[int, list[int]] = {}
    titled: set[int] = set()
    for b in blocks:
        if not b.hints:
            continue
        if b.kind == "h1":
            titled.update(b.hints)
        n = len(b.text)
        prose = _prose_value(b, s)
        again = n if seen.get(b.text, 0) > 1 else 0
        for h in b.hints:
            st = stats.get(h)
            if st is None:
                stats[h] = [n, b.links, prose, again]
            else:
                st[0] += n
                st[1] += b.links
                st[2] += prose
                st[3] += again
    # A chrome-named element that holds the h1 or most of the page's prose is a wrapper
    # ("l-wrapper gate-ad"), not chrome. (The page's prose is summed only when needed.)
    page_prose = -1
    boiler = set()
    for h, (chars, links, prose, again) in stats.items():
        if h in titled:
            continue
        n = max(1, chars)
        score = (
            walker.hints[h][0]
            + min(1.0, links / n)
            + (1.0 - prose / n)
            + s.repeat_weight * again / n
        )
        if score < s.boilerplate_score:
            continue
        if prose:
            if page_prose < 0:
                page_prose = sum(_prose_value(b, s) for b in blocks)
            if prose > s.wrapper_share * page_prose:
                continue
        boiler.add(h)
    if boiler:
        for b in blocks:
            if b.hints and not boiler.isdisjoint(b.hints):
                b.soft = True
    boiler |= walker.chrome
    return boiler


# readability's paragraph score: 1 + one point per comma or sentence mark (up to
# _MAX_MARKS) + one point per _CHARS_PER_POINT characters (up to _MAX_LENGTH_POINTS)
_MAX_MARKS, _CHARS_PER_POINT, _MAX_LENGTH_POINTS = 10, 100, 3.0


def content_score(b: Blk, walker: Walker, s: BodyThresholds) -> float:
    """readability's paragraph score, damped by link text and (weakly) by chrome words around
    the block: prose in an element named `comments` still counts, for less."""
    text = b.text
    marks = sum(map(text.count, _SENTENCE_MARKS))
    score = (
        1.0 + min(marks, _MAX_MARKS) + min(len(text) / _CHARS_PER_POINT, _MAX_LENGTH_POINTS)
    ) * (1.0 - b.link_density)
    if b.hints:
        strength = max(walker.hints[h][0] for h in b.hints)
        score *= 1.0 - s.hint_damping * min(1.0, strength)
    return score


@dataclass(slots=True)
class BodyLocation:
    """Where the body is: the top container, the sibling subtrees and single sibling blocks
    that join it, the candidate body blocks in document order, and the first prose block."""

    region: int | None
    top: int
    members: frozenset[int]
    direct: frozenset[int]
    blocks: list[Blk]
    first_idx: int
    share: float = 1.0  # of the region's content score that the body holds

    def in_region(self, b: Blk) -> bool:
        return self.region is None or self.region in b.path

    def holds(self, b: Blk) -> bool:
        return b.idx in self.direct or not self.members.isdisjoint(b.path)


def _reads_as_paragraph(b: Blk, s: BodyThresholds) -> bool:
    """readability's test for a sibling <p>: long with little link text, or a short
    sentence with none."""
    t = b.text
    return (
        b.kind in ("paragraph", "list_item", "heading")
        and not b.soft
        and (
            (
                len(t) > s.sibling_paragraph_chars
                and b.link_density < s.sibling_paragraph_max_link_density
            )
            or (b.link_density == 0 and any(c in _SENTENCE_ENDS for c in t[-2:]))
        )
    )


def _divider(level: int) -> float:
    # readability: a paragraph scores in full for its parent, half for the grandparent,
    # then a third of a level each further up
    return 1.0 if level == 0 else 2.0 if level == 1 else level * 3.0


def locate_body(
    walker: Walker,
    blocks: list[Blk],
    goods: list[Blk],
    good: Callable[[Blk], bool],
    s: BodyThresholds,
) -> BodyLocation:
    """The body, the way readability finds it, over the flat block list.

    Each prose block adds its content score to its container and, decaying, to the
    `candidate_levels` containers above; every candidate is scaled by (1 - its link
    density). The best candidate inside the region is the top. It moves up to an ancestor
    whose score is higher still (content split over several children) and past ancestors
    that hold nothing else (readability's "only child"). Then the sibling subtrees of the
    top join it when they hold at least `sibling_share` of the top's prose with little link
    text (`sibling_max_link_density`: a body split by ad slots joins, a teaser river does
    not), and so do sibling blocks that read as a paragraph."""
    weight = {b.idx: content_score(b, walker, s) for b in goods}
    h1 = next((b for b in blocks if b.kind == "h1"), None)
    region = pick_region(
        walker, goods, weight, s, frozenset(h1.path) if h1 is not None else frozenset()
    )
    sums = _SubtreeSums(blocks, weight)
    top, chain = _top_container(goods, weight, sums, region, s)
    members, direct = _joined_siblings(walker, blocks, chain, top, sums, s)
    loc = BodyLocation(region, top, frozenset(members), frozenset(direct), [], len(blocks))
    total = sum(weight[b.idx] for b in goods if loc.in_region(b))
    held_ids, members_set = loc.direct, loc.members
    inside = [b for b in blocks if b.idx in held_ids or not members_set.isdisjoint(b.path)]
    # the goods are the blocks with a weight, in the same order: the same sum
    held = sum(weight[b.idx] for b in inside if b.idx in weight)
    loc.share = held / total if total else 1.0
    max_links = s.block_max_link_density
    loc.blocks = [
        b
        for b in inside
        if not b.soft and b.kind != "h1" and b.links / max(1, len(b.text)) < max_links
    ]
    loc.first_idx = next(
        (b.idx for b in loc.blocks if good(b)), loc.blocks[0].idx if loc.blocks else len(blocks)
    )
    return loc


class _SubtreeSums:
    """Per container: prose mass, characters, link characters and blocks of its subtree.

    Added at each block's own container, then carried up once per container: linear in the
    number of containers, not in blocks x depth."""

    __slots__ = ("count", "mass", "own")

    _ZERO = (0.0, 0, 0, 0)

    def __init__(self, blocks: list[Blk], weight: dict[int, float]) -> None:
        parent: dict[int, int] = {}
        depth: dict[int, int] = {}
        own: dict[int, list[float]] = {}
        for b in blocks:
            path = b.path
            leaf = path[-1]
            st = own.get(leaf)
            if st is None:
                st = own[leaf] = [0.0, 0, 0, 0]
                for at in range(len(path) - 1, 0, -1):
                    node = path[at]
                    if node in parent:
                        break
                    parent[node] = path[at - 1]
                    depth[node] = at
            st[1] += len(b.text)
            st[2] += b.links
            st[3] += 1
            if b.idx in weight:
                st[0] += weight[b.idx]
        for node in sorted(depth, key=depth.__getitem__, reverse=True):
            st = own.get(node)
            if st is None:
                continue
            up = parent[node]
            acc = own.get(up)
            if acc is None:
                own[up] = list(st)
            else:
                acc[0] += st[0]
                acc[1] += st[1]
                acc[2] += st[2]
                acc[3] += st[3]
        self.own = own
        self.mass = {n: v[0] for n, v in own.items()}
        self.count = {n: v[3] for n, v in own.items()}

    def link_density(self, c: int) -> float:
        st = self.own.get(c, self._ZERO)
        return min(1.0, st[2] / max(1, st[1]))


def _top_container(
    goods: list[Blk],
    weight: dict[int, float],
    sums: _SubtreeSums,
    region: int | None,
    s: BodyThresholds,
) -> tuple[int, tuple[int, ...]]:
    """The best-scoring container and its path from the region (or the body) down."""
    count = sums.count
    # Score: a paragraph wrapped in containers of its own (<div><div><p>) scores for the
    # first container that holds anything else, as readability does when it replaces a
    # div holding a single <p> by the <p>.
    score: dict[int, float] = {}
    prefix: dict[int, tuple[int, ...]] = {}
    for b in goods:
        if region is not None and region not in b.path:
            continue
        w = weight[b.idx]
        path = b.path
        end = len(path)
        while end > 1 and count.get(path[end - 1], 0) <= 1:
            end -= 1
        for level in range(min(s.candidate_levels, end)):
            at = end - 1 - level
            anc = path[at]
            score[anc] = score.get(anc, 0.0) + w / _divider(level)
            if anc not in prefix:
                prefix[anc] = path[: at + 1]

    ld = sums.link_density
    adjusted = {
        c: v * (1.0 - ld(c)) for c, v in score.items() if region is None or region in prefix[c]
    }
    top = max(adjusted, key=lambda c: adjusted[c])
    chain = prefix[top]
    if region is not None and region in chain:
        chain = chain[chain.index(region) :]  # never above the region
    # readability's climb: an ancestor scoring higher than the child it came from holds
    # more of the same content; stop once the ancestors fall below a third
    last = adjusted[top]
    floor = last / 3
    for anc in reversed(chain[:-1]):
        if anc not in adjusted:
            continue
        if adjusted[anc] < floor:
            break
        if adjusted[anc] > last:
            top = anc
            break
        last = adjusted[anc]
    chain = chain[: chain.index(top) + 1]
    while len(chain) >= 2 and count.get(chain[-2]) == count.get(top):
        chain = chain[:-1]  # a wrapper around the top and nothing else
        top = chain[-1]
    return top, chain


def _joined_siblings(
    walker: Walker,
    blocks: list[Blk],
    chain: tuple[int, ...],
    top: int,
    sums: _SubtreeSums,
    s: BodyThresholds,
) -> tuple[set[int], set[int]]:
    """(containers of the body, single blocks that join it): the top, and the sibling
    subtrees and blocks next to it that read as more of the article."""
    members = {top}
    direct: set[int] = set()
    if len(chain) < 2:
        return members, direct
    mass = sums.mass
    parent = chain[-2]
    need = s.sibling_share * mass.get(top, 0.0)
    subtrees: dict[int, list[Blk]] = {}
    for b in blocks:
        path = b.path
        if parent not in path or top in path:
            continue
        at = path.index(parent)
        if at == len(path) - 1:  # a block right under the parent: a sibling paragraph
            if _reads_as_paragraph(b, s):
                direct.add(b.idx)
            continue
        subtrees.setdefault(path[at + 1], []).append(b)
    for sib, members_of in subtrees.items():
        # a sibling named as chrome ("comments") must bring more prose to join: the
        # word and the amount weighed together
        strength = walker.hints[sib][0] if sib in walker.hints else 0.0
        if (
            mass.get(sib, 0.0) >= need * (1.0 + s.sibling_hint_factor * strength)
            and sums.link_density(sib) < s.sibling_max_link_density
        ):
            members.add(sib)
        elif len(members_of) == 1 and _reads_as_paragraph(members_of[0], s):
            direct.add(members_of[0].idx)  # a div that is one paragraph, as a <p> would be
    return members, direct


def pick_region(
    walker: Walker,
    goods: list[Blk],
    weight: dict[int, float],
    s: BodyThresholds,
    titled: frozenset[int] = frozenset(),
) -> int | None:
    """The semantic container (articleBody, article, main) that holds most of the prose,
    or, when it also holds the page's h1 (`titled`: the h1's containers), a good part of
    it (`titled_region_share`: the article with a long comment thread under it)."""
    total = sum(weight.values())

    def share(mid: int) -> float:
        return sum(weight[b.idx] for b in goods if mid in b.path)

    for group in (walker.article_bodies, walker.articles, walker.mains):
        if not group:
            continue
        best = max(group, key=share)
        need = s.titled_region_share if best in titled else s.region_share
        if share(best) >= need * total:
            if group is walker.article_bodies:
                # title and standfirst usually sit just outside articleBody: widen to its article
                for art in walker.articles:
                    if art in next(b.path for b in goods if best in b.path):
                        return art
            return best
    return None
