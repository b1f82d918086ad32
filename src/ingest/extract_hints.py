"""Class and id words: weak evidence of what an element is, never a veto.

`hint_of` scores a lower-cased "class id" string: how strongly it names chrome, and
whether it names page furniture (meta). The walker (ingest.extract_dom) records the score
per element; the boilerplate judgement (ingest.extract_body) weighs it with the element's
text and links.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping

# Generic class/id words: weak evidence, never a veto. Every element whose class or id
# carries one is walked like any other; the words only add to a score that decides,
# together with its text and links, whether the element is boilerplate (see
# ingest.extract_body). BOILER names chrome (share bars, related news, menus, cookie
# banners); META names page furniture that is walked for the date or byline but is rarely
# body (bylines, dates, kickers, labels); CONTENT names the text of an article and weighs
# against the other two ("field--name-body field--label-hidden" is body).
# French and Spanish words too (partager, compartir, relacionadas, a-lire-aussi...).
_OTHER_LANG_HINTS = (
    r"partag\w*|compartir\w*|relacionad\w*|lies|lire-aussi|a-lire|ver-tambien|"
    r"redes-sociales|reseaux-sociaux|etiquetas|mots-cles|fil-d-ariane|migas\w*|"
)
_BOILER_HINT = re.compile(
    r"(?<![a-z])(?:"
    + _OTHER_LANG_HINTS
    + r"related\w*|share\w*|sharing|social\w*|cookie\w*|consent|gdpr|"
    r"breadcrumbs?|newsletter\w*|subscri\w*|comments?|sidebar|widget\w*|promo\w*|advert\w*|"
    r"ads?|sponsor\w*|menu\w*|megamenu|nav|navbar|navigation|pagination|pager|skip|"
    r"sr-only|visually-hidden|screen-reader\w*|print|tags?|tagcloud|taxonomy|keywords|"
    r"captions?|wp-caption-text|credits?|copyright|lang-?switch\w*|language\w*|languages|"
    r"search\w*|login|toolbar|modal|popup|footer|more-news|read-more|see-also|"
    r"recommended|trending|most-read|popular)(?![a-z])"
)
_META_HINT = re.compile(
    r"(?<![a-z])(?:meta|byline|author\w*|date\w*|time|published|posted|info|details|"
    r"kicker|eyebrow|overline|surtitre|antetitulo|category|categories|topic|label)(?![a-z])"
)
_CONTENT_HINT = re.compile(
    r"(?<![a-z])(?:article-?body|articletext|article-text|article-content|entry-content|"
    r"post-content|post-body|story-body|story-content|body-text|bodytext|field--name-body|"
    r"text-editor|rich-?text|article__body|article__content|content-body|main-content|"
    r"body|text|content|story|entry|prose)(?![a-z])"
)
_SF_HINT = re.compile(
    r"(?<![a-z])(?:standfirst|lead|lede|intro|introduction|summary|chapo|chapeau|subtitle|"
    r"sub-title|subtitulo|subheading|strapline|deck|dek|teaser|excerpt|abstract|"
    r"entradilla|bajada|sumario|resumen|resume|description)(?![a-z])"
)
# Matches wherever one of the four matches (the union of their words, same boundaries).
_ANY_HINT = re.compile(
    "|".join(rx.pattern for rx in (_BOILER_HINT, _META_HINT, _CONTENT_HINT, _SF_HINT))
)
# Strength of each kind of word in the boilerplate score (ingest.extract_body).
BOILER, META, CONTENT = 1.0, 0.5, 0.5


@functools.lru_cache(maxsize=16384)
def _token_hint(token: str) -> int:
    """The kinds of word one class token (or id) carries, as bits: 1 chrome, 2 meta,
    4 content, 8 standfirst. Cached per token: pages differ in their class strings far more
    than in their tokens (a CSS-in-JS build hashes strings, not words)."""
    if not _ANY_HINT.search(token):
        return 0  # most tokens name nothing: one search instead of four
    return (
        (1 if _BOILER_HINT.search(token) else 0)
        | (2 if _META_HINT.search(token) else 0)
        | (4 if _CONTENT_HINT.search(token) else 0)
        | (8 if _SF_HINT.search(token) else 0)
    )


@functools.lru_cache(maxsize=8192)
def _hint_bits(hint: str) -> int:
    bits = 0
    for token in hint.split():
        bits |= _token_hint(token)
    return bits


@functools.lru_cache(maxsize=8192)
def hint_of(hint: str) -> tuple[float, bool]:
    """(boilerplate strength, names a meta element) of a lower-cased "class id" string."""
    bits = _hint_bits(hint)
    if not bits & 3:
        return 0.0, False
    boiler = BOILER if bits & 1 else 0.0
    meta = META if bits & 2 else 0.0
    content = CONTENT if bits & 4 else 0.0
    return max(0.0, max(boiler, meta) - content), boiler == 0.0


def class_words(attrs: Mapping[str, str | None]) -> str:
    """ "class id" of an element's attributes, lower-cased ("" when it has neither)."""
    cls, ident = attrs.get("class"), attrs.get("id")
    return f"{cls or ''} {ident or ''}".lower() if cls or ident else ""


def is_standfirst_hint(hint: str) -> bool:
    return bool(_hint_bits(hint) & 8)
