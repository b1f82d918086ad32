"""Metamorphic tests: the golden pages dressed differently must give the same release.

Each transform (bench/eval_metamorphic.py) keeps the article a reader sees and changes only
the markup around it: class/id names scrambled, the article wrapped in extra divs,
sidebars and a related-news list moved in front of it, a 150-link mega-menu added, every
<p> turned into a <div>; and all of them at once.

Tolerance: none, except for class scrambling, where title, date, standfirst, dateline and
acceptance must hold and the body may change by at most 10% of its word 4-grams
(SCRAMBLE_MIN_F1 = 0.90). Why: class words are weak evidence; with every one of them gone
only structure decides, and a short line that a word marked as a share bar or a caption
(which structure alone reads as a short paragraph) can come back. `make eval` runs the
same transforms on a sample of real pages.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.eval_metamorphic import SCRAMBLE_MIN_F1, TRANSFORMS, anchors_of, page_text
from bench.eval_scoring import prf
from ingest.extract import Release, extract

GOLDEN = Path(__file__).parent / "golden"
PAGES = sorted(p.stem for p in (GOLDEN / "pages").glob("*.html"))
FIELDS = ("language", "title", "subtitle", "published_date", "dateline", "date_source")


def _page(name: str) -> tuple[str, str]:
    exp = json.loads((GOLDEN / "expected" / f"{name}.json").read_text(encoding="utf-8"))
    return exp["url"], page_text((GOLDEN / "pages" / f"{name}.html").read_bytes())


def _same_release(base, after, *, scrambled: bool) -> None:
    assert isinstance(after, Release) == isinstance(base, Release), getattr(after, "detail", "")
    if not isinstance(base, Release):
        assert after.reason == base.reason
        return
    for field in FIELDS:
        assert getattr(after, field) == getattr(base, field), field
    if scrambled:
        assert prf(after.body_text, base.body_text)[2] >= SCRAMBLE_MIN_F1
    else:
        assert after.blocks == base.blocks


@pytest.mark.parametrize("transform", sorted(TRANSFORMS))
@pytest.mark.parametrize("name", PAGES)
def test_markup_around_the_article_does_not_change_it(name, transform):
    url, html = _page(name)
    base = extract(html, url)
    after = extract(TRANSFORMS[transform](html, anchors_of(base)), url)
    _same_release(base, after, scrambled=transform == "scramble_classes")


@pytest.mark.parametrize("name", PAGES)
def test_every_transform_at_once(name):
    url, html = _page(name)
    base = extract(html, url)
    anchors = anchors_of(base)
    for transform in (
        "wrap_article",
        "sidebars_first",
        "mega_menu",
        "p_to_div",
        "scramble_classes",
    ):
        html = TRANSFORMS[transform](html, anchors)
    _same_release(base, extract(html, url), scrambled=True)


def test_the_transforms_do_change_the_markup():
    url, html = _page("fr-drupal")
    anchors = anchors_of(extract(html, url))
    for name, fn in TRANSFORMS.items():
        assert fn(html, anchors) != html, name
    assert "field--label-hidden" not in TRANSFORMS["scramble_classes"](html, anchors)
    assert TRANSFORMS["mega_menu"](html, anchors).count("<a ") >= html.count("<a ") + 150
    assert "<p>" not in TRANSFORMS["p_to_div"](html, anchors)
