"""Page identity and release URLs: a page is its normalised path; a release page is one
whose path matches the source's pattern for a followed language.

URLs are identified by their path and always fetched from the configured base URL, so a
mirror whose sitemap or feed still names the live host works the same.
"""

from __future__ import annotations

import functools
import re

from ingest.settings import Settings, _compile

# RFC 3986 appendix B: scheme, authority, then the path up to "?" or "#". One C-level match
# instead of urlsplit: discovery takes the path of every URL in every sitemap it reads.
_URL_PATH = re.compile(r"(?:[A-Za-z][A-Za-z0-9+.-]*:)?(?://[^/?#]*)?([^?#]*)")


_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_PCT = re.compile(r"%([0-9A-Fa-f]{2})")


def url_path(url: str) -> str:
    """The identity of a page: its normalised path, without query, fragment or trailing slash.

    Normalised once, here, by RFC 3986 section 6.2.2: percent-encoded unreserved characters
    are decoded (`%7E` -> `~`, `%41` -> `A`), other escapes get upper-case hex (`%2f` ->
    `%2F`), characters outside ASCII are percent-encoded as UTF-8 (an IRI and its URI are
    one page), and dot segments are resolved (`/a/./b/../c` -> `/a/c`). Case is kept: paths
    are case-sensitive (only the scheme and host are not, and they are not part of the
    identity). Empty segments (`//`) are kept, as the RFC says.
    """
    m = _URL_PATH.match(url.strip())
    path = m.group(1) if m else ""
    if "%" in path or "/." in path or not path.isascii():
        path = normalise_path(path)
    return path.rstrip("/") or "/"


def site_form(url: str, path: str) -> str | None:
    """The path as `url` spells it, when that is the identity `path` plus a trailing slash."""
    if not url.endswith("/"):  # most URLs: one C-level check per sitemap entry
        return None
    m = _URL_PATH.match(url.strip())
    raw = m.group(1) if m else ""
    return raw if len(raw) == len(path) + 1 and raw.endswith("/") and raw[:-1] == path else None


def normalise_path(path: str) -> str:
    """RFC 3986 syntax-based normalisation of a path (see url_path)."""
    if not path.isascii():
        path = "".join(
            ch if ch.isascii() else "".join(f"%{b:02X}" for b in ch.encode()) for ch in path
        )

    def fix(m: re.Match[str]) -> str:
        byte = int(m.group(1), 16)
        return chr(byte) if byte in _UNRESERVED else f"%{m.group(1).upper()}"

    path = _PCT.sub(fix, path)
    if "/." in path or path.startswith("."):
        path = _remove_dot_segments(path)
    return path


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4."""
    out: list[str] = []
    segments = path.split("/")
    for i, seg in enumerate(segments):
        last = i == len(segments) - 1
        if seg == ".":
            if last:
                out.append("")
        elif seg == "..":
            if len(out) > 1:
                out.pop()
            if last:
                out.append("")
        else:
            out.append(seg)
    result = "/".join(out)
    return result if result.startswith("/") or not path.startswith("/") else "/" + result


def absolute(base_url: str, path: str) -> str:
    return base_url.rstrip("/") + path


def classify(url: str, settings: Settings) -> tuple[str, int | None] | None:
    """(language, year) when the URL is a release page of a followed language, else None.
    The year is None when the source's pattern has no `year` group."""
    hit = Classifier(settings)(url)
    return hit[1:] if hit is not None else None


class Classifier:
    """classify() for one run: the settings read once, and every URL classified once.

    A sitemap names each release about five times (its own entry, and as an hreflang
    alternate of each translation), and listing pages repeat their chrome links.
    """

    def __init__(self, settings: Settings) -> None:
        self._patterns = tuple(sorted(settings.article_patterns.items()))
        self._languages = frozenset(settings.languages)
        self._seen: dict[str, tuple[str, str, int | None] | None] = {}

    def __call__(self, url: str) -> tuple[str, str, int | None] | None:
        """(path, language, year) of a release page of a followed language, else None."""
        try:
            return self._seen[url]
        except KeyError:
            pass
        path = url_path(url)
        hit = _classify_path(path, self._patterns)
        out = (path, *hit) if hit is not None and hit[0] in self._languages else None
        self._seen[url] = out
        return out


@functools.lru_cache(maxsize=65536)
def _classify_path(
    path: str, patterns: tuple[tuple[str, str], ...]
) -> tuple[str, int | None] | None:
    # Listing pages repeat the same site chrome links on every page: memoise by path.
    for lang, pattern in _compile(patterns).items():
        m = pattern.match(path)
        if m:
            year = m.groupdict().get("year")
            return lang, int(year) if year and year.isascii() and year.isdigit() else None
    return None
