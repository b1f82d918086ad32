"""Bytes + HTTP headers -> the text extraction reads, by one documented precedence.

    1. a byte order mark (UTF-8, UTF-16 LE/BE)          source "bom"
    2. the HTTP Content-Type charset                     source "http-header"
    3. <meta charset> / <meta http-equiv content-type>   source "meta"  (first 4 KiB)
    4. detection (charset-normalizer)                    source "detected"
    5. UTF-8                                             source "default"

This is the order of the HTML standard's encoding sniffing (BOM, transport layer, prescan),
with a detector where the page names nothing. Labels are read the way browsers read them
(WHATWG): `iso-8859-1`, `latin1` and `us-ascii` mean windows-1252.

A declared charset that the bytes do not fit (a strict decode fails: the header or meta
lies) is not trusted blindly: the detector gets a say, and the page is flagged either way.
`suspect` is True whenever the text we hand on holds U+FFFD replacement characters or the
declaration was wrong, so such pages are flagged (`encoding_suspect`) instead of stored
silently. Whatever comes out is valid Unicode, so strings in Parquet are valid UTF-8.

Valid UTF-8 that nothing contradicts goes on as bytes: lexbor reads UTF-8 natively and a
decode-encode round trip would cost about 0.1 ms a page for nothing.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META = re.compile(
    rb"""<meta[^>]+?(?:charset\s*=\s*["']?\s*|content\s*=\s*["'][^"'>]*?charset\s*=\s*)"""
    rb"""([A-Za-z0-9_.:-]+)""",
    re.I,
)
_HEADER = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
PRESCAN_BYTES = 4096
# Detection reads this much: enough for a verdict on a page, bounded in time.
DETECT_BYTES = 64 * 1024
# WHATWG Encoding Standard: labels that browsers decode as windows-1252.
_AS_1252 = frozenset(
    {
        "iso-8859-1",
        "iso8859-1",
        "latin1",
        "latin-1",
        "l1",
        "us-ascii",
        "ascii",
        "iso-ir-100",
        "cp819",
        "ibm819",
        "csisolatin1",
        "x-cp1252",
        "windows-1252",
        "cp1252",
    }
)


@dataclass(frozen=True, slots=True)
class Decoded:
    """A body ready for extraction, and how its encoding was decided."""

    markup: str | bytes
    encoding: str
    source: str  # bom | http-header | meta | detected | default
    suspect: bool
    replacements: int

    @property
    def info(self) -> tuple[str, str, bool]:
        return self.encoding, self.source, self.suspect


def codec_name(label: str | None) -> str | None:
    """A charset label as a Python codec name, or None when it names nothing we know."""
    if not label:
        return None
    label = label.strip().strip("'\"").lower()
    if label in _AS_1252:
        return "cp1252"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def header_charset(content_type: str | None) -> str | None:
    m = _HEADER.search(content_type or "")
    return codec_name(m.group(1)) if m else None


def meta_charset(body: bytes) -> str | None:
    m = _META.search(body[:PRESCAN_BYTES])
    name = codec_name(m.group(1).decode("ascii")) if m else None
    # A page that is UTF-16 says so with a BOM; a meta naming UTF-16 in ASCII bytes lies
    # (the HTML standard reads it as UTF-8).
    return "utf-8" if name and name.startswith("utf-16") else name


# The code pages of the newsroom's languages (en, fr, es, ar), tried first: on short pages a
# detector left to all ~90 code pages confuses windows-1252 with 1250/1257 (measured:
# README "Encodings"); the whole set is the fallback when none of these fits.
LIKELY_CODEPAGES = ("utf_8", "cp1252", "iso8859_15", "cp1256", "iso8859_6")


_NON_ASCII = re.compile(rb"[\x80-\xff]")


def detect(body: bytes) -> str | None:
    """The detector's best guess for bytes that name no charset (None: no idea)."""
    try:
        body.decode("utf-8")
        return "utf-8"  # valid non-ASCII UTF-8 is practically never another encoding
    except UnicodeDecodeError:
        pass
    # The sample starts where the text stops being ASCII: a page whose first 64 KiB are
    # markup and scripts would tell the detector nothing.
    first = _NON_ASCII.search(body)
    start = max(0, first.start() - 1024) if first else 0
    sample = body[start : start + DETECT_BYTES]
    from charset_normalizer import from_bytes

    best = from_bytes(sample, cp_isolation=list(LIKELY_CODEPAGES)).best()
    if best is None:
        best = from_bytes(sample).best()
    return codec_name(best.encoding) if best is not None else None


def decide(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """(codec, source) by the precedence above, before checking that the bytes fit."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name, "bom"
    declared = header_charset(content_type)
    if declared:
        return declared, "http-header"
    declared = meta_charset(body)
    if declared:
        return declared, "meta"
    try:
        body.decode("ascii")
        return "utf-8", "default"  # plain ASCII: every candidate agrees
    except UnicodeDecodeError:
        pass
    found = detect(body)
    return (found, "detected") if found else ("utf-8", "default")


def decode_html(body: bytes, content_type: str | None = None) -> Decoded:
    """The text of an HTML body (see the module docstring for the rules)."""
    encoding, source = decide(body, content_type)
    data = body
    if source == "bom":
        data = body[len(next(b for b, n in _BOMS if n == encoding)) :]
    try:
        text = data.decode(encoding)
        suspect = False
    except UnicodeDecodeError:
        # The declaration does not fit the bytes: let the detector try, keep what fits.
        text, encoding, source = _recover(data, encoding, source)
        suspect = True
    if encoding == "utf-8" and not suspect and b"\xbd" not in data:
        # U+FFFD is EF BF BD in UTF-8: bytes that decoded cleanly without a BD byte hold
        # none (one memchr instead of a count over a text of ~100k characters)
        replacements = 0
    else:
        replacements = text.count("\ufffd")
    suspect = suspect or replacements > 0
    meta = meta_charset(body) if source != "meta" else encoding
    if encoding == "utf-8" and source != "bom" and not suspect and meta in (None, "utf-8"):
        return Decoded(body, encoding, source, suspect, replacements)
    return Decoded(text, encoding, source, suspect, replacements)


def _recover(data: bytes, declared: str, source: str) -> tuple[str, str, str]:
    """A declared charset failed: UTF-8 or the detector's guess if either fits exactly,
    else the declared charset with replacement characters."""
    if declared == "utf-8":
        # Mostly valid UTF-8 with a few broken sequences is UTF-8 with damage, not another
        # code page: more well-formed non-ASCII characters than broken ones decides it.
        text = data.decode("utf-8", errors="replace")
        broken = text.count("\ufffd")
        if sum(1 for ch in text if ch > "\x7f") - broken > broken:
            return text, declared, source
    candidates = ["utf-8"] if declared != "utf-8" else []
    found = detect(data)
    if found and found not in (declared, *candidates):
        candidates.append(found)
    for name in candidates:
        try:
            return data.decode(name), name, "detected"
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode(declared, errors="replace"), declared, source
