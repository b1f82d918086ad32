"""Turn one saved HTML page into a structured release (no network, ever).

Two steps with one job each:

* `extract_fields(html, url)` finds what the page has and returns an `Extraction`: every
  field it found, `None` where it found none (a page without a date is not an error here),
  and the page-level problems it saw (not HTML, an error page, a listing).
* `accept(extraction)` is the release contract, checked in this one place: a release has a
  title, a publication date and a body of `body_min_chars` or more; it returns a `Release`
  or a `Rejection` (reason code, detail, and the `Extraction` it refused). The pipeline
  calls it again with its own last-resort dates (sitemap `<lastmod>`, HTTP `Last-Modified`).

`extract(html, url)` is both, and never raises; `extract_release` raises the rejection as
an `ExtractError` (the original interface).

How fields are found, semantic signals first:

* language: html lang / content-language / og:locale / JSON-LD inLanguage, any language
  (a guess from the script and function words when the page names none);
* title: the h1 in the article region (unless it is not the page's headline and a visible
  heading is: a logo), else the block matching og:title / headline / <title>, else the
  headline-like line above the body;
* body: JSON-LD and itemprop=articleBody, <article>, <main> as regions; inside, a content
  score per container (ingest.extract_body). Class/id words are weak evidence only. When the
  DOM body is missing or thin, JSON-LD `articleBody`, then trafilatura (only if the page
  holds enough paragraph text for it to find) are tried; a DOM body that the page's own
  articleBody shows to be a fraction of the article is replaced by it; `extraction_method`
  says which path produced the body;
* date, first found wins, and `date_source` says where: JSON-LD datePublished, date metas,
  <time>/[itemprop=datePublished], a visible date line near the title (decoys such as
  "Updated ..." or cookie notices refused), a date in the page title, the URL path
  (`/2019/11/19/`).

Every threshold is a field of the frozen `ExtractionSettings`.

This module is the public face (every name above is importable from here); the work is
done in modules named for it: `extract_settings` (the thresholds), `extract_contract`
(Extraction, accept, Release, Rejection), `extract_page` (the page read once),
`extract_fields` (the fields, step by step), `extract_title` (title and standfirst),
`extract_date` (the publication date), `extract_fallback` (articleBody, trafilatura),
with `extract_dom` (the block walk), `extract_body` (where the body is) and
`extract_meta` (JSON-LD, metas, language, translations).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable

from ingest.extract_contract import (
    DATE_SOURCES,
    EXTRACTION_METHODS,
    METHOD_DOM,
    METHOD_JSON_LD,
    METHOD_TRAFILATURA,
    Block,
    Extraction,
    Outcome,
    Rejection,
    Release,
    accept,
)
from ingest.extract_fields import extract_fields
from ingest.extract_settings import DEFAULT_SETTINGS, ExtractionSettings
from ingest.quotes import Quote

__all__ = [
    "DATE_SOURCES",
    "DEFAULT_SETTINGS",
    "EXTRACTION_METHODS",
    "METHOD_DOM",
    "METHOD_JSON_LD",
    "METHOD_TRAFILATURA",
    "PARSER_VERSION",
    "Block",
    "Extraction",
    "ExtractionSettings",
    "Outcome",
    "Quote",
    "Rejection",
    "Release",
    "accept",
    "extract",
    "extract_fields",
    "extract_release",
    "main",
]

PARSER_VERSION = "2.1.0"


def extract(
    html: str | bytes, url: str, settings: ExtractionSettings = DEFAULT_SETTINGS
) -> Outcome:
    """extract_fields + accept; never raises (a parser crash is a `parser_error` rejection)."""
    try:
        found = extract_fields(html, url, settings)
    except Exception as exc:  # odd markup must never stop a run
        return Rejection(url, "parser_error", f"{type(exc).__name__}: {exc}")
    return accept(found, settings=settings)


def extract_release(html: str | bytes, url: str) -> Release:
    """Extract one release from a saved page; raises ExtractError / NotAReleaseError."""
    out = extract(html, url)
    if isinstance(out, Rejection):
        raise out.error()
    return out


# --- command line (used by `ingest parse`) -------------------------------------------------


def main(argv: Iterable[str] | None = None) -> int:
    """`python -m ingest.extract FILE --url URL`: print the release JSON or a one-line reason."""
    import argparse

    ap = argparse.ArgumentParser(prog="ingest parse")
    ap.add_argument("file")
    ap.add_argument("--url", required=True)
    args = ap.parse_args(list(argv) if argv is not None else None)
    try:
        with open(args.file, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        print(f"cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    out = extract(data, args.url)
    if isinstance(out, Rejection):
        print(f"{out.reason}: {out.error()}", file=sys.stderr)
        return 1
    print(json.dumps(out.to_dict(), ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
