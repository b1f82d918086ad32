"""Settings: read once at the edge (CLI or flow parameters) into one frozen object passed down."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import MISSING, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ingest import __version__
from ingest.errors import ConfigError
from ingest.storage import ObjectLake, parse_lake

# The languages the lake extracts (dates, quotes, contracts): a source may follow any of them.
LANGUAGES: tuple[str, ...] = ("en", "fr", "es", "ar")
DEFAULT_LAKE = "data/lake"


def _default(attr: str) -> Any:
    """A Settings default taken from the default source definition (INTERPOL, shipped as
    ingest/sources/interpol.toml): the newsroom's shape lives in that file, not in code."""

    def factory() -> Any:
        from ingest.source import default_source

        return getattr(default_source(), attr)

    return factory


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything a run needs to know, fixed for its whole duration.

    Built once at the edge (`load_settings`: the CLI, or a deployment's flow entry) and
    passed down, never read from the environment below it. It is a flow parameter: it
    round-trips through Prefect's JSON (paths as strings, an object-store lake as
    `{"uri", "endpoint_url"}`, tuples as lists), checked again on the way in.
    """

    base_url: str = field(default_factory=_default("base_url"))
    lake: Path | ObjectLake = Path(DEFAULT_LAKE)  # a directory, or s3://bucket/prefix
    languages: tuple[str, ...] = field(default_factory=_default("languages"))
    # The source definition this run follows (ingest.source; README "Sources"): its id is
    # the lake's `source` column; source_file names where it came from, for messages.
    source: str = field(default_factory=_default("id"))
    source_name: str = field(default_factory=_default("name"))
    source_file: str = field(default_factory=_default("origin"))
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
    # How the newsroom's pages are found (from the source definition).
    sitemap_paths: tuple[str, ...] = field(default_factory=_default("sitemap_paths"))
    listing_paths: Mapping[str, tuple[str, ...]] = field(default_factory=_default("listing_paths"))
    feed_paths: Mapping[str, tuple[str, ...]] = field(default_factory=_default("feed_paths"))
    # A feed without rel="next" is paged with ?<param>=N (WordPress: paged); None: it is
    # paged only when it says how (rel="next"), or when it says WordPress made it.
    feed_page_param: str | None = field(default_factory=_default("feed_page_param"))
    article_patterns: Mapping[str, str] = field(default_factory=_default("article_patterns"))
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
    # A daily run re-checks a release this many days after publication (conditional GET),
    # because newsrooms edit fresh releases; it looks back twice the last of them, so a
    # paused schedule still catches up, and older releases are left to backfills.
    recheck_after_days: tuple[int, ...] = (1, 7)
    batch_size: int = 500  # pages per unit of work: one commit, one retry
    # Concurrency. parse_workers: processes that fetch/parse big batches (None: one more
    # than the cores, at most 4; 0: everything inline). fetch_threads: fetching threads
    # under a politeness delay (the rate limiter, not the CPU, sets the pace).
    # partition_threads: partitions of one commit rewritten side by side.
    # max_parallel_per_host: backfill chunks at once against one newsroom host, across
    # every run on the Prefect server (a global concurrency limit of that many slots).
    parse_workers: int | None = None
    fetch_threads: int = 2
    partition_threads: int = 4
    max_parallel_per_host: int = 4

    def __post_init__(self) -> None:
        # Also runs when Prefect rebuilds Settings from a flow run's JSON parameters.
        checks = {
            "fetch_threads": self.fetch_threads >= 1,
            "partition_threads": self.partition_threads >= 1,
            "max_parallel_per_host": self.max_parallel_per_host >= 1,
            "parse_workers": self.parse_workers is None or self.parse_workers >= 0,
            "recheck_after_days": bool(self.recheck_after_days)
            and all(d >= 1 for d in self.recheck_after_days),
        }
        bad = [name for name, ok in checks.items() if not ok]
        if bad:
            raise ConfigError(
                ", ".join(f"setting {b}={getattr(self, b)!r} is out of range" for b in bad)
            )
        if isinstance(self.lake, Path) and re.match(r"^[a-zA-Z][\w+.-]*:/", str(self.lake)):
            # A URI that went through a str -> Path conversion ("s3://b" became "s3:/b").
            raise ConfigError(
                f"lake {str(self.lake)!r} looks like a mangled URI: pass an "
                "object-store lake as {'uri': 's3://...'} or use load_settings"
            )
        check_limits(self)

    @property
    def recheck_window_days(self) -> int:
        return 2 * max(self.recheck_after_days)

    @property
    def workers(self) -> int:
        """parse_workers resolved: an unpaced worker waits on the server part of the time,
        so one more than the cores keeps them busy."""
        if self.parse_workers is not None:
            return self.parse_workers
        cores = os.cpu_count() or 1
        return 1 if cores == 1 else min(cores + 1, 4)

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
    "max_redirects": (int, 0),
    "max_body_bytes": (int, 1),
    "max_decoded_bytes": (int, 1),
    "max_sitemap_bytes": (int, 1),
    "robots_max_bytes": (int, 1),
    "connect_timeout": (float, 1e-3),
    "read_timeout": (float, 1e-3),
    "total_timeout": (float, 1e-3),
    "crawl_delay_max": (float, 0),
    "retry_after_max": (float, 0),
    "retry_after_budget": (float, 0),
    "host_failure_limit": (int, 1),
    "max_retries": (int, 0),
    "backoff_factor": (float, 0),
    "max_urls_per_sitemap": (int, 1),
    "max_sitemaps_per_run": (int, 1),
    "max_sitemap_depth": (int, 0),
    "max_planned_fetches": (int, 1),
    "max_listing_pages": (int, 1),
    "batch_size": (int, 1),
    "requests_per_second": (float, 0),
}


def check_limits(settings: Settings) -> Settings:
    """Refuse values no run can work with (negative rates, zero caps, NaN) in one line."""
    for name, (kind, low) in _LIMITS.items():
        value = getattr(settings, name)
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or value != value
            or value in (float("inf"), float("-inf"))
            or value < low
            or (kind is int and int(value) != value)
        ):
            need = f"an integer >= {int(low)}" if kind is int else f"a number >= {low:g}"
            raise ConfigError(
                f"setting {name}={value!r} is invalid: it must be {need} "
                f"(flag or INGEST_{name.upper()})"
            )
    if "@" in urlsplit(settings.base_url).netloc:
        raise ConfigError(
            "base URL must not carry credentials (user:password@): the "
            "pipeline sends none to any host"
        )
    for host in settings.allowed_hosts:
        if not re.fullmatch(r"[A-Za-z0-9.-]+(:\d{1,5})?|\[[0-9A-Fa-f:.]+\](:\d{1,5})?", host):
            raise ConfigError(f"allowed host {host!r} is not 'host' or 'host:port'")
    return settings


def parse_languages(
    value: str | Iterable[str] | None,
    allowed: tuple[str, ...] = LANGUAGES,
    *,
    source: str | None = None,
) -> tuple[str, ...]:
    """`"en,fr"` or `["en", "fr"]` -> `("en", "fr")`; rejects languages the source (`allowed`,
    in its order when `value` is None) does not publish in."""
    if value is None:
        return allowed
    items = value.split(",") if isinstance(value, str) else list(value)
    langs = tuple(dict.fromkeys(s.strip().lower() for s in items if s.strip()))
    unknown = [x for x in langs if x not in allowed]
    if unknown or not langs:
        of = f" of source {source}" if source else ""
        raise ConfigError(
            f"unknown language(s) {unknown or value!r}{of}: choose from {','.join(allowed)}"
        )
    return langs


def _is_loopback(base_url: str) -> bool:
    """A newsroom mirror on this machine: politeness delays only slow our own server."""
    host = (urlsplit(base_url).hostname or "").lower()
    return host == "localhost" or host == "::1" or host.startswith("127.")


ENV_PREFIX = "INGEST_"
# Settings an operator may set as INGEST_<NAME> (flags and explicit values win). The
# newsroom's shape (patterns, listing and feed paths) comes from its source definition,
# which INGEST_SOURCE names.
_NOT_FROM_ENV = frozenset(
    {
        "base_url",
        "lake",
        "languages",
        "listing_paths",
        "article_patterns",
        "source",
        "source_name",
        "source_file",
        "feed_paths",
        "feed_page_param",
    }
)


def env_names() -> dict[str, str]:
    """Environment variable -> setting, for every setting the environment can give."""
    names = {
        f"{ENV_PREFIX}{name.upper()}": name
        for name in Settings.__dataclass_fields__
        if name not in _NOT_FROM_ENV
    }
    return {
        "INGEST_SOURCE": "source",
        "INGEST_BASE_URL": "base_url",
        "INGEST_LAKE": "lake",
        "INGEST_LANGUAGES": "languages",
        **names,
    }


def _from_env(name: str, raw: str) -> object:
    """An environment string as the type of the setting's default."""
    spec = Settings.__dataclass_fields__[name]
    factory = spec.default_factory
    default = factory() if spec.default is MISSING and callable(factory) else spec.default
    var = f"{ENV_PREFIX}{name.upper()}"
    try:
        if isinstance(default, bool):
            low = raw.strip().lower()
            if low not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
                raise ValueError(raw)
            return low in ("1", "true", "yes", "on")
        if isinstance(default, int) or (default is None and name == "parse_workers"):
            # "2.5" reaches the range check, which names the setting and what it needs.
            number = float(raw)
            return int(number) if number.is_integer() else number
        if isinstance(default, float):
            return float(raw)
        if isinstance(default, tuple):
            items = [x.strip() for x in raw.split(",") if x.strip()]
            return (
                tuple(int(x) for x in items)
                if default and isinstance(default[0], int)
                else tuple(items)
            )
    except ValueError as exc:
        kind = "a number" if not isinstance(default, bool) else "true or false"
        raise ConfigError(f"environment variable {var}={raw!r} is not {kind}") from exc
    return raw


def load_settings(
    *,
    base_url: str | None = None,
    lake: str | Path | ObjectLake | None = None,
    languages: str | Iterable[str] | None = None,
    source: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    **overrides: object,
) -> Settings:
    """Build the run's Settings: explicit values (flags, flow parameters), then INGEST_*
    environment variables (`env_names()`), then the source definition, then defaults. The
    one place that reads the environment; `env` defaults to the process's (pass {} to
    ignore it).

    `source` (or INGEST_SOURCE) is a built-in source name or a source file (ingest.source);
    it gives the newsroom's base URL, languages, URL patterns, discovery paths and rate.
    The rate is 0 for a newsroom mirror on this machine, unless set explicitly or by
    INGEST_REQUESTS_PER_SECOND.
    """
    from ingest.source import load_source

    env = os.environ if env is None else env
    unknown = set(overrides) - set(Settings.__dataclass_fields__) - {"base_url", "lake"}
    if unknown:
        raise ConfigError(f"unknown setting(s): {sorted(unknown)}")
    src = load_source(source if source is not None else env.get("INGEST_SOURCE"))
    base = (base_url or env.get("INGEST_BASE_URL") or src.base_url).rstrip("/")
    if not re.match(r"^https?://[^/]+", base):
        raise ConfigError(f"base URL {base!r} must be an absolute http(s) URL")
    # The object-store endpoint comes from the same environment (INGEST_S3_ENDPOINT_URL,
    # then the AWS_ENDPOINT_URL* variables botocore knows).
    lake_path = parse_lake(lake or env.get("INGEST_LAKE") or DEFAULT_LAKE, env)
    langs = parse_languages(
        languages if languages is not None else env.get("INGEST_LANGUAGES"),
        src.languages,
        source=src.id,
    )
    rate = (
        0.0
        if _is_loopback(base)
        else (src.requests_per_second if src.requests_per_second is not None else 1.0)
    )
    values: dict[str, object] = {
        "source": src.id,
        "source_name": src.name,
        "source_file": src.origin,
        "article_patterns": dict(src.article_patterns),
        "listing_paths": dict(src.listing_paths),
        "feed_paths": dict(src.feed_paths),
        "sitemap_paths": src.sitemap_paths,
        "feed_page_param": src.feed_page_param,
        "allowed_hosts": src.allowed_hosts,
        "requests_per_second": rate,
    }
    for var, name in env_names().items():
        raw = env.get(var)
        if name not in _NOT_FROM_ENV and raw is not None and raw.strip() != "":
            values[name] = _from_env(name, raw)
    values.update(overrides)
    try:
        return Settings(base_url=base, lake=lake_path, languages=langs, **values)  # type: ignore[arg-type]
    except TypeError as exc:  # pragma: no cover - guarded by the unknown-name check
        raise ConfigError(str(exc)) from exc
