"""The release contract: what a page must have to be a release, checked in one place.

`Extraction` is everything found on a page (None where nothing was found); `accept` turns
it into a `Release` (title, publication date and a body of `body_min_chars` or more) or a
`Rejection` (reason code, detail, and the `Extraction` it refused). The pipeline calls
`accept` again with its own last-resort dates (sitemap `<lastmod>`, HTTP `Last-Modified`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from ingest.errors import ExtractError, NotAReleaseError
from ingest.extract_settings import DEFAULT_SETTINGS, ExtractionSettings
from ingest.quotes import Quote

# extraction_method values: which path produced the body.
METHOD_DOM = "dom"  # our structural pass over the page
METHOD_JSON_LD = "json_ld"  # the page's JSON-LD articleBody
METHOD_TRAFILATURA = "trafilatura"  # the fallback extractor
EXTRACTION_METHODS = (METHOD_DOM, METHOD_JSON_LD, METHOD_TRAFILATURA)

# date_source values, in the order they are tried (the last two come from the pipeline).
DATE_SOURCES = (
    "json_ld",
    "meta",
    "time_element",
    "page_text",
    "page_title",
    "url_path",
    "sitemap_lastmod",
    "http_last_modified",
)


@dataclass(frozen=True, slots=True)
class Block:
    kind: str
    text: str


@dataclass(frozen=True, slots=True)
class Release:
    url: str
    language: str
    title: str
    subtitle: str | None
    published_date: dt.date
    dateline: str | None
    blocks: tuple[Block, ...]
    quotes: tuple[Quote, ...]
    translations: dict[str, str] = field(default_factory=dict)
    extraction_method: str = METHOD_DOM
    date_source: str = "json_ld"

    @property
    def body_text(self) -> str:
        return "\n\n".join(b.text for b in self.blocks)

    def to_dict(self) -> dict[str, object]:
        return {
            "url": self.url,
            "language": self.language,
            "title": self.title,
            "subtitle": self.subtitle,
            "published_date": self.published_date.isoformat(),
            "dateline": self.dateline,
            "blocks": [{"kind": b.kind, "text": b.text} for b in self.blocks],
            "quotes": [{"text": q.text, "speaker": q.speaker} for q in self.quotes],
            "translations": dict(self.translations),
            "body_text": self.body_text,
            "extraction_method": self.extraction_method,
            "date_source": self.date_source,
        }


@dataclass(frozen=True, slots=True)
class Extraction:
    """Everything found on one page; None (or empty) where nothing was found."""

    url: str
    language: str | None = None
    title: str | None = None
    subtitle: str | None = None
    published_date: dt.date | None = None
    date_source: str | None = None
    dateline: str | None = None
    blocks: tuple[Block, ...] = ()
    quotes: tuple[Quote, ...] = ()
    translations: dict[str, str] = field(default_factory=dict)
    extraction_method: str | None = None
    # a page-level refusal seen while extracting: (reason code, detail)
    problem: tuple[str, str] | None = None

    @property
    def body_chars(self) -> int:
        return sum(len(b.text) for b in self.blocks)

    def summary(self, excerpt: int = 300) -> dict[str, object]:
        """The found fields as JSON-able values (for quarantine rows and `ingest parse`)."""
        body = "\n\n".join(b.text for b in self.blocks)
        return {
            "language": self.language,
            "title": self.title,
            "subtitle": self.subtitle,
            "published_date": self.published_date.isoformat() if self.published_date else None,
            "date_source": self.date_source,
            "dateline": self.dateline,
            "blocks": len(self.blocks),
            "body_chars": len(body),
            "body_excerpt": body[:excerpt] or None,
            "extraction_method": self.extraction_method,
            "translations": dict(self.translations),
        }


@dataclass(frozen=True, slots=True)
class Rejection:
    """A page that is not (or not yet) a release: why, and what was found on it."""

    url: str
    reason: str  # no_title | no_date | no_body | not_html | not_a_release | parser_error
    detail: str
    found: Extraction | None = None

    def error(self) -> ExtractError:
        if self.reason == "not_a_release":
            return NotAReleaseError(self.url, self.detail)
        return ExtractError(self.url, self.reason, self.detail)

    def found_json(self) -> str | None:
        return (
            json.dumps(self.found.summary(), ensure_ascii=False, sort_keys=True)
            if self.found is not None
            else None
        )


Outcome = Release | Rejection


def accept(
    found: Extraction,
    *,
    fallback_dates: Sequence[tuple[str, dt.date | None]] = (),
    settings: ExtractionSettings = DEFAULT_SETTINGS,
) -> Outcome:
    """The release contract, in one place: title, publication date and body required.

    `fallback_dates` are last resorts from outside the page, in order, as (date_source,
    date) pairs: the pipeline passes the sitemap lastmod and the HTTP Last-Modified."""
    url = found.url
    if found.problem is not None:
        return Rejection(url, found.problem[0], found.problem[1], found)
    if not found.title:
        return Rejection(url, "no_title", "no h1, headline, og:title or <title>", found)
    published, source = found.published_date, found.date_source
    if published is None:
        for src, value in fallback_dates:
            if value is not None:
                published, source = value, src
                break
    if published is None or source is None:
        return Rejection(
            url,
            "no_date",
            "no datePublished, date meta, <time>, visible date or date in the URL",
            found,
        )
    if not found.blocks or found.body_chars < settings.body_min_chars:
        return Rejection(
            url,
            "no_body",
            f"no body paragraphs found ({found.body_chars} "
            f"characters, {settings.body_min_chars} needed)",
            found,
        )
    return Release(
        url=url,
        language=found.language or "und",
        title=found.title,
        subtitle=found.subtitle,
        published_date=published,
        dateline=found.dateline,
        blocks=found.blocks,
        quotes=found.quotes,
        translations=dict(found.translations),
        extraction_method=found.extraction_method or METHOD_DOM,
        date_source=source,
    )
