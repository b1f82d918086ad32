"""Sources as data: a newsroom the lake follows is a TOML file, not code.

A source definition names the newsroom (its id is the lake's `source` column), where it is
(base URL, other hosts it may redirect to), the languages it publishes in, how its release
pages are recognised (one URL pattern per language, with the year in the path where the
site has one) and found (sitemaps, listing pages, RSS/Atom feeds), and how politely to ask.
The built-in ones ship in the package (`ingest/sources/<name>.toml`: INTERPOL); any other
is a file the operator writes. `--source NAME|FILE` (or INGEST_SOURCE) selects one, and
`load_settings` copies it into the run's Settings.

Read with the standard library's `tomllib`, and checked key by key: anything wrong is one
`SourceError` line naming the file, the key and what to fix (README "Sources" lists every
key).
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

from ingest.errors import SourceError

DEFAULT_SOURCE = "interpol"
_BUILTIN_DIR = "sources"
_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")
_PARAM = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,40}")
_HOST = re.compile(r"[A-Za-z0-9.-]+(:\d{1,5})?|\[[0-9A-Fa-f:.]+\](:\d{1,5})?")

# The keys a source file may have, table by table (README "Sources").
_TOP_KEYS = ("id", "name", "base_url", "allowed_hosts", "discovery", "politeness", "languages")
_DISCOVERY_KEYS = ("sitemaps", "feed_page_param")
_POLITENESS_KEYS = ("requests_per_second",)
_LANGUAGE_KEYS = ("article", "listings", "feeds")


@dataclass(frozen=True, slots=True)
class Source:
    """One newsroom, as its definition file says (see the module docstring)."""

    id: str
    base_url: str
    languages: tuple[str, ...]
    article_patterns: Mapping[str, str]
    name: str = ""
    listing_paths: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    feed_paths: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    sitemap_paths: tuple[str, ...] = ()
    feed_page_param: str | None = None
    requests_per_second: float | None = None
    allowed_hosts: tuple[str, ...] = ()
    origin: str = ""  # where the definition came from (a file, or "built-in <name>")


def builtin_names() -> list[str]:
    """The sources shipped with the package (`--source NAME`)."""
    folder = resources.files("ingest").joinpath(_BUILTIN_DIR)
    return sorted(e.name[:-5] for e in folder.iterdir() if e.name.endswith(".toml"))


def is_file_reference(ref: str | Path) -> bool:
    """A path (has a separator or ends in .toml), as opposed to a built-in name."""
    text = str(ref)
    return isinstance(ref, Path) or text.endswith(".toml") or "/" in text or "\\" in text


def load_source(ref: str | Path | None = None) -> Source:
    """The source `ref` names: a built-in name (`interpol`) or a path to a TOML file."""
    ref = DEFAULT_SOURCE if ref is None or str(ref).strip() == "" else ref
    if is_file_reference(ref):
        path = Path(ref).expanduser()
        where = str(path)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise SourceError(
                where,
                "",
                "no such file: give the path of a source definition "
                f"(.toml) or a built-in name ({', '.join(builtin_names())})",
            ) from None
        except OSError as exc:
            raise SourceError(where, "", f"cannot read it ({exc.strerror or exc})") from None
        return parse_source(data, str(path.resolve()))
    name = str(ref).strip()
    known = builtin_names()
    if name not in known:
        hint = difflib.get_close_matches(name, known, n=1)
        raise SourceError(
            repr(name),
            "",
            "no built-in source of that name"
            + (f" (did you mean {hint[0]!r}?)" if hint else "")
            + f": choose one of {', '.join(known)}, or give the path of a "
            ".toml file",
        )
    return _builtin(name)


_BUILTIN_CACHE: dict[str, Source] = {}


def _builtin(name: str) -> Source:
    # Read once per process: Settings() defaults come from the default source.
    if name not in _BUILTIN_CACHE:
        entry = resources.files("ingest").joinpath(_BUILTIN_DIR, f"{name}.toml")
        _BUILTIN_CACHE[name] = parse_source(
            entry.read_bytes(), f"built-in {name} (ingest/{_BUILTIN_DIR}/{name}.toml)"
        )
    return _BUILTIN_CACHE[name]


def default_source() -> Source:
    return _builtin(DEFAULT_SOURCE)


def parse_source(data: bytes | str, where: str) -> Source:
    """A source definition from TOML text; `where` names it in every error."""
    try:
        doc = tomllib.loads(data.decode("utf-8") if isinstance(data, bytes) else data)
    except UnicodeDecodeError as exc:
        raise SourceError(where, "", f"not UTF-8 text ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise SourceError(where, "", f"not valid TOML: {exc}; fix the syntax there") from None
    except ValueError as exc:  # pragma: no cover - tomllib raises TOMLDecodeError
        raise SourceError(where, "", f"not valid TOML: {exc}") from None
    return _Checker(where).source(doc)


class _Checker:
    """Turns a parsed TOML document into a Source, refusing the first wrong key."""

    def __init__(self, where: str) -> None:
        self.where = where

    def fail(self, key: str, problem: str) -> SourceError:
        return SourceError(self.where, key, problem)

    def keys(self, table: Mapping[str, object], known: tuple[str, ...], prefix: str) -> None:
        for key in table:
            if key not in known:
                hint = difflib.get_close_matches(key, known, n=1)
                raise self.fail(
                    f"{prefix}{key}",
                    "unknown key"
                    + (f" (did you mean {hint[0]!r}?)" if hint else "")
                    + f": the keys here are {', '.join(known)}",
                )

    def table(self, doc: Mapping[str, object], key: str, prefix: str = "") -> dict[str, object]:
        value = doc.get(key, {})
        if not isinstance(value, dict):
            raise self.fail(prefix + key, f"must be a table ([{prefix}{key}]), got {_kind(value)}")
        return value

    def string(
        self, doc: Mapping[str, object], key: str, prefix: str = "", *, required: bool = False
    ) -> str | None:
        value = doc.get(key)
        if value is None:
            if required:
                raise self.fail(prefix + key, "missing: this key is required")
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(prefix + key, f"must be a non-empty string, got {_kind(value)}")
        return value.strip()

    def strings(self, doc: Mapping[str, object], key: str, prefix: str = "") -> tuple[str, ...]:
        value = doc.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(prefix + key, f"must be a list of strings, got {_kind(value)}")
        return tuple(dict.fromkeys(v.strip() for v in value if v.strip()))

    def paths(self, doc: Mapping[str, object], key: str, prefix: str = "") -> tuple[str, ...]:
        out = self.strings(doc, key, prefix)
        for i, path in enumerate(out):
            if not path.startswith("/") or path.startswith("//") or any(c.isspace() for c in path):
                raise self.fail(
                    f"{prefix}{key}[{i}]",
                    f"{path!r} must be a path on the "
                    "newsroom's host, starting with '/' (e.g. '/feed/')",
                )
        return out

    def source(self, doc: Mapping[str, object]) -> Source:
        self.keys(doc, _TOP_KEYS, "")
        ident = self.string(doc, "id", required=True) or ""
        if not _ID.fullmatch(ident):
            raise self.fail(
                "id",
                f"{ident!r} must be lower-case letters, digits, '-' or '_' "
                "(at most 63, starting with a letter or digit): it is stored in "
                "every row of the lake",
            )
        base_url = (self.string(doc, "base_url", required=True) or "").rstrip("/")
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise self.fail(
                "base_url",
                f"{base_url!r} must be an absolute http(s) URL such as 'https://www.example.org'",
            )
        if "@" in parts.netloc:
            raise self.fail("base_url", "must not carry credentials (user:password@)")
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise self.fail(
                "base_url",
                f"{base_url!r} must be the site's root (scheme and "
                "host, no path): paths in this file are from the root",
            )
        hosts = self.strings(doc, "allowed_hosts")
        for i, host in enumerate(hosts):
            if not _HOST.fullmatch(host):
                raise self.fail(f"allowed_hosts[{i}]", f"{host!r} is not 'host' or 'host:port'")

        discovery = self.table(doc, "discovery")
        self.keys(discovery, _DISCOVERY_KEYS, "discovery.")
        sitemaps = self.paths(discovery, "sitemaps", "discovery.")
        page_param = self.string(discovery, "feed_page_param", "discovery.")
        if page_param is not None and not _PARAM.fullmatch(page_param):
            raise self.fail(
                "discovery.feed_page_param",
                f"{page_param!r} must be a query parameter name, such as 'paged' (WordPress)",
            )

        politeness = self.table(doc, "politeness")
        self.keys(politeness, _POLITENESS_KEYS, "politeness.")
        rate = politeness.get("requests_per_second")
        if rate is not None and (
            isinstance(rate, bool)
            or not isinstance(rate, int | float)
            or not 0 <= rate < float("inf")
        ):
            raise self.fail(
                "politeness.requests_per_second",
                f"must be a number >= 0 (requests per second to the host), got {rate!r}",
            )

        languages = self.table(doc, "languages")
        if not languages:
            raise self.fail(
                "languages",
                "missing: add one [languages.xx] table per language "
                "the newsroom publishes in, each with an `article` pattern",
            )
        patterns: dict[str, str] = {}
        listings: dict[str, tuple[str, ...]] = {}
        feeds: dict[str, tuple[str, ...]] = {}
        for lang, spec in languages.items():
            self.language(lang, spec, patterns, listings, feeds)
        return Source(
            id=ident,
            name=self.string(doc, "name") or ident,
            base_url=base_url,
            languages=tuple(patterns),
            article_patterns=patterns,
            listing_paths=listings,
            feed_paths=feeds,
            sitemap_paths=sitemaps,
            feed_page_param=page_param,
            requests_per_second=float(rate) if rate is not None else None,
            allowed_hosts=hosts,
            origin=self.where,
        )

    def language(
        self,
        lang: str,
        spec: object,
        patterns: dict[str, str],
        listings: dict[str, tuple[str, ...]],
        feeds: dict[str, tuple[str, ...]],
    ) -> None:
        from ingest.settings import LANGUAGES

        prefix = f"languages.{lang}."
        if lang not in LANGUAGES:
            raise self.fail(
                f"languages.{lang}",
                f"{lang!r} is not a language the lake "
                f"extracts ({', '.join(LANGUAGES)}): remove this table or use "
                "one of those codes",
            )
        if not isinstance(spec, dict):
            raise self.fail(
                f"languages.{lang}", f"must be a table ([languages.{lang}]), got {_kind(spec)}"
            )
        self.keys(spec, _LANGUAGE_KEYS, prefix)
        pattern = self.string(spec, "article", prefix, required=True) or ""
        try:
            compiled = re.compile(pattern, re.ASCII)
        except re.error as exc:
            raise self.fail(
                prefix + "article", f"not a valid regular expression ({exc}): fix the pattern"
            ) from None
        if compiled.match("/") is not None:
            raise self.fail(
                prefix + "article",
                "matches '/' (the home page): anchor it to "
                "the release path, e.g. '^/news/(?P<year>\\d{4})/[^/]+$'",
            )
        patterns[lang] = pattern
        listings[lang] = self.paths(spec, "listings", prefix)
        feeds[lang] = self.paths(spec, "feeds", prefix)
        for key, values in (("listings", listings[lang]), ("feeds", feeds[lang])):
            for i, path in enumerate(values):
                if compiled.match(path.split("?", 1)[0].rstrip("/") or "/"):
                    raise self.fail(
                        f"{prefix}{key}[{i}]",
                        f"{path!r} matches this language's "
                        "article pattern, so it would be fetched as a release: "
                        "make `article` stricter (anchor it with '$')",
                    )


def _kind(value: object) -> str:
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"[:80]
