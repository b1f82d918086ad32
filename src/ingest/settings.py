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
    # ---- Safety limits (README "Safety limits"; each also INGEST_<NAME> in the environment).
    # Where we go: the base URL's host and port, plus these "host" or "host:port" entries.
    allowed_hosts: tuple[str, ...] = ()
    # Private (RFC 1918, ULA) addresses are refused unless the base URL is one, or this is set.
    allow_private_addresses: bool = False
    max_redirects: int = 5
    # Bounded responses: bytes on the wire, and after gzip/deflate, per page.
    max_body_bytes: int = 10 * 1024 * 1024
    max_decoded_bytes: int = 20 * 1024 * 1024
    # A sitemap may be 50 MB uncompressed (sitemaps.org); past this it is cut and warned about.
    max_sitemap_bytes: int = 50 * 1024 * 1024
    robots_max_bytes: int = 512 * 1024  # RFC 9309: parse at least 500 KiB, ignore the rest
    # Connect + headers + body of one exchange; connect/read_timeout still apply per step.
    total_timeout: float = 60.0
    # Politeness beyond these caps pauses the host for the rest of the run (resumable).
    crawl_delay_max: float = 30.0
    retry_after_budget: float = 600.0  # seconds of Retry-After waits per host per run
    host_failure_limit: int = 5  # consecutive failed exchanges (timeouts, refused) pause it
    # Bounded discovery.
    max_urls_per_sitemap: int = 50_000
    max_sitemaps_per_run: int = 500
    max_sitemap_depth: int = 3  # robots/configured sitemap = 0, its children 1, ...
    max_planned_fetches: int = 50_000
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
    # ASCII: a year segment in Arabic-Indic or full-width digits is not the page's year.
    return {lang: re.compile(p, re.ASCII) for lang, p in patterns}


# Safety limits read from INGEST_<NAME> (README "Safety limits"), with their kind and bound.
_LIMITS: Mapping[str, tuple[type, float]] = {
    "max_redirects": (int, 0), "max_body_bytes": (int, 1), "max_decoded_bytes": (int, 1),
    "max_sitemap_bytes": (int, 1), "robots_max_bytes": (int, 1),
    "connect_timeout": (float, 1e-3), "read_timeout": (float, 1e-3),
    "total_timeout": (float, 1e-3), "crawl_delay_max": (float, 0),
    "retry_after_max": (float, 0), "retry_after_budget": (float, 0),
    "host_failure_limit": (int, 1), "max_retries": (int, 0), "backoff_factor": (float, 0),
    "max_urls_per_sitemap": (int, 1), "max_sitemaps_per_run": (int, 1),
    "max_sitemap_depth": (int, 0), "max_planned_fetches": (int, 1),
    "max_listing_pages": (int, 1), "batch_size": (int, 1), "requests_per_second": (float, 0),
}


def check_limits(settings: Settings) -> Settings:
    """Refuse values no run can work with (negative rates, zero caps, NaN) in one line."""
    for name, (kind, low) in _LIMITS.items():
        value = getattr(settings, name)
        if isinstance(value, bool) or not isinstance(value, int | float) or value != value \
                or value in (float("inf"), float("-inf")) or value < low \
                or (kind is int and int(value) != value):
            need = f"an integer >= {int(low)}" if kind is int else f"a number >= {low:g}"
            raise ConfigError(f"setting {name}={value!r} is invalid: it must be {need} "
                              f"(flag or INGEST_{name.upper()})")
    if "@" in urlsplit(settings.base_url).netloc:
        raise ConfigError("base URL must not carry credentials (user:password@): the "
                          "pipeline sends none to any host")
    for host in settings.allowed_hosts:
        if not re.fullmatch(r"[A-Za-z0-9.-]+(:\d{1,5})?|\[[0-9A-Fa-f:.]+\](:\d{1,5})?", host):
            raise ConfigError(f"allowed host {host!r} is not 'host' or 'host:port'")
    return settings


def _limits_from_env(env: Mapping[str, str]) -> dict[str, object]:
    out: dict[str, object] = {}
    for name, (kind, _low) in _LIMITS.items():
        if name in ("requests_per_second", "batch_size"):
            continue  # read by load_settings itself
        raw = env.get(f"INGEST_{name.upper()}")
        if raw is None or raw.strip() == "":
            continue
        try:
            value = float(raw)
        except ValueError as exc:
            raise ConfigError(f"environment variable INGEST_{name.upper()}={raw!r} is not a "
                              "number") from exc
        out[name] = int(value) if kind is int and value == int(value) else value
    hosts = env.get("INGEST_ALLOWED_HOSTS")
    if hosts:
        out["allowed_hosts"] = tuple(h.strip() for h in hosts.split(",") if h.strip())
    if env.get("INGEST_ALLOW_PRIVATE_ADDRESSES", "").strip().lower() in ("1", "true", "yes"):
        out["allow_private_addresses"] = True
    return out


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
        **_limits_from_env(env),  # type: ignore[arg-type]
    )
    if overrides:
        unknown = set(overrides) - set(Settings.__dataclass_fields__)
        if unknown:
            raise ConfigError(f"unknown setting(s): {sorted(unknown)}")
        settings = replace(settings, **overrides)  # type: ignore[arg-type]
    if settings.batch_size < 1:
        raise ConfigError("batch_size must be at least 1")
    return check_limits(settings)
