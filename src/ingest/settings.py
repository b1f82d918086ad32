"""Settings: read once at the edge (CLI or flow parameters) into one frozen object passed down."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from ingest import __version__
from ingest.errors import ConfigError
from ingest.storage import ObjectLake, parse_lake

LANGUAGES: tuple[str, ...] = ("en", "fr", "es", "ar")
DEFAULT_BASE_URL = "https://www.interpol.int"
DEFAULT_LAKE = "data/lake"

# How the INTERPOL newsroom names its release pages, one pattern per language. The year
# is in the path, which lets a backfill plan by year before fetching anything.
ARTICLE_PATTERNS: Mapping[str, str] = {
    "en": r"^/en/News-and-Events/News/(?P<year>\d{4})/(?P<slug>[^/?#]+?)/?$",
    "fr": r"^/fr/Actualites-et-evenements/Actualites/(?P<year>\d{4})/(?P<slug>[^/?#]+?)/?$",
    "es": r"^/es/Noticias-y-acontecimientos/Noticias/(?P<year>\d{4})/(?P<slug>[^/?#]+?)/?$",
    "ar": r"^/ar/1/1/(?P<year>\d{4})/(?P<slug>[^/?#]+?)/?$",
}

# Newsroom listing pages followed through rel="next" / ?page=N.
LISTING_PATHS: Mapping[str, tuple[str, ...]] = {
    "en": ("/en/News-and-Events/News",),
    "fr": ("/fr/Actualites-et-evenements/Actualites",),
    "es": ("/es/Noticias-y-acontecimientos/Noticias",),
    "ar": ("/ar/1/1", "/ar/News"),
}


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything a run needs to know, fixed for its whole duration."""

    base_url: str = DEFAULT_BASE_URL
    lake: Path | ObjectLake = Path(DEFAULT_LAKE)  # a directory, or s3://bucket/prefix
    languages: tuple[str, ...] = LANGUAGES
    source: str = "interpol"
    user_agent: str = (
        f"press-lake/{__version__} (press-release archive; polite crawler; contact: data-eng)"
    )
    # Politeness: at most this many requests per second to one host (robots.txt
    # Crawl-delay, when larger, wins). 0 disables the delay (benchmarks, local mirrors).
    requests_per_second: float = 1.0
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_retries: int = 3
    backoff_factor: float = 0.5
    retry_after_max: float = 120.0
    respect_robots: bool = True
    sitemap_paths: tuple[str, ...] = ("/sitemap.xml",)
    listing_paths: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: LISTING_PATHS)
    article_patterns: Mapping[str, str] = field(default_factory=lambda: ARTICLE_PATTERNS)
    max_listing_pages: int = 500
    # Re-check releases this many days after publication with a conditional GET,
    # because newsrooms edit fresh releases.
    recheck_days: int = 7
    batch_size: int = 500

    @property
    def compiled_patterns(self) -> dict[str, re.Pattern[str]]:
        return _compile(tuple(sorted(self.article_patterns.items())))


@functools.lru_cache(maxsize=32)
def _compile(patterns: tuple[tuple[str, str], ...]) -> dict[str, re.Pattern[str]]:
    # Classifying a listing's links calls this for every link: compile once per pattern set.
    return {lang: re.compile(p) for lang, p in patterns}


def parse_languages(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """`"en,fr"` or `["en", "fr"]` -> `("en", "fr")`; rejects languages we do not follow."""
    if value is None:
        return LANGUAGES
    items = value.split(",") if isinstance(value, str) else list(value)
    langs = tuple(dict.fromkeys(s.strip().lower() for s in items if s.strip()))
    unknown = [x for x in langs if x not in LANGUAGES]
    if unknown or not langs:
        raise ConfigError(
            f"unknown language(s) {unknown or value!r}: choose from {','.join(LANGUAGES)}"
        )
    return langs


def _float_env(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ConfigError(f"environment variable {name}={raw!r} is not a number") from exc


def _is_loopback(base_url: str) -> bool:
    """A newsroom mirror on this machine: politeness delays only slow our own server."""
    host = (urlsplit(base_url).hostname or "").lower()
    return host == "localhost" or host == "::1" or host.startswith("127.")


def load_settings(
    *,
    base_url: str | None = None,
    lake: str | Path | ObjectLake | None = None,
    languages: str | Iterable[str] | None = None,
    env: Mapping[str, str] | None = None,
    **overrides: object,
) -> Settings:
    """Build the run's Settings from explicit values, then INGEST_* env vars, then defaults."""
    env = os.environ if env is None else env
    base = (base_url or env.get("INGEST_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
    if not re.match(r"^https?://[^/]+", base):
        raise ConfigError(f"base URL {base!r} must be an absolute http(s) URL")
    lake_path = parse_lake(lake or env.get("INGEST_LAKE") or DEFAULT_LAKE, env)
    langs = parse_languages(languages if languages is not None else env.get("INGEST_LANGUAGES"))
    settings = Settings(
        base_url=base,
        lake=lake_path,
        languages=langs,
        requests_per_second=_float_env(env, "INGEST_REQUESTS_PER_SECOND",
                                       0.0 if _is_loopback(base) else 1.0),
        batch_size=int(_float_env(env, "INGEST_BATCH_SIZE", 500)),
    )
    if overrides:
        unknown = set(overrides) - set(Settings.__dataclass_fields__)
        if unknown:
            raise ConfigError(f"unknown setting(s): {sorted(unknown)}")
        settings = replace(settings, **overrides)  # type: ignore[arg-type]
    if settings.batch_size < 1:
        raise ConfigError("batch_size must be at least 1")
    return settings
