"""robots.txt by RFC 9309, per origin, read once per run through a bound Fetcher.

4xx: no robots.txt, everything allowed; 5xx, 429, a redirect off the newsroom or no
answer at all: nothing allowed for this run. Its Crawl-delay and Sitemap lines are read
here too (the Fetcher and discovery use them).
"""

from __future__ import annotations

import threading
import urllib.robotparser
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ingest.errors import (
    FetchError,
    GoneError,
    RefusedRedirectError,
    RobotsDisallowedError,
    RobotsUnavailableError,
)

if TYPE_CHECKING:
    from ingest.fetch import Fetcher


@dataclass(frozen=True, slots=True)
class RobotsRules:
    """robots.txt of one origin as fetched for this run."""

    state: str  # ok | none (4xx: allow all) | unavailable (5xx, 429, unreachable)
    detail: str
    parser: urllib.robotparser.RobotFileParser | None = None
    answered: bool = True  # False: no HTTP answer at all (refused, timed out, no DNS)


@dataclass
class RobotsPolicy:
    """robots.txt per origin by RFC 9309, fetched once per run through a bound Fetcher."""

    user_agent: str
    _rules: dict[str, RobotsRules] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _fetcher: Fetcher | None = None

    def __getstate__(self) -> dict[str, object]:
        return {"user_agent": self.user_agent, "_rules": dict(self._rules)}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()
        self._fetcher = None

    def bind(self, fetcher: Fetcher) -> None:
        if self._fetcher is None:
            self._fetcher = fetcher

    def rules(self, url: str) -> RobotsRules:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            if origin in self._rules:
                return self._rules[origin]
            rules = self._load(origin)
            self._rules[origin] = rules
            return rules

    def _load(self, origin: str) -> RobotsRules:
        if self._fetcher is None:
            return RobotsRules("unavailable", "no fetcher to read robots.txt with")
        try:
            res = self._fetcher.get(f"{origin}/robots.txt", kind="robots")
        except GoneError as exc:
            return RobotsRules("none", f"HTTP {exc.status}: no robots.txt, all allowed")
        except RefusedRedirectError as exc:
            # The host answered, but sent us somewhere we do not go: we cannot read its
            # rules, so nothing is allowed this run (RFC 9309 lets a crawler stop there).
            return RobotsRules("unavailable", f"redirected off the newsroom ({exc.reason})")
        except FetchError as exc:
            if exc.status is not None and 400 <= exc.status < 500 and exc.status != 429:
                return RobotsRules("none", f"HTTP {exc.status}: all allowed (RFC 9309)")
            if exc.status is not None:
                return RobotsRules("unavailable", f"HTTP {exc.status}")
            return RobotsRules("unavailable", str(exc), answered=False)
        parser = urllib.robotparser.RobotFileParser()
        parser.parse(res.body.decode("utf-8", "replace").splitlines())
        cut = " (cut at the size cap)" if res.truncated else ""
        return RobotsRules("ok", f"HTTP {res.status}{cut}", parser)

    def loaded(self, urls: Iterable[str]) -> dict[str, RobotsRules]:
        """robots.txt of every origin among `urls`, fetched now if not yet: for workers."""
        for url in urls:
            self.rules(url)
        with self._lock:
            return dict(self._rules)

    def adopt(self, rules: Mapping[str, RobotsRules]) -> None:
        """Use robots.txt already fetched elsewhere (the parent of a worker)."""
        with self._lock:
            self._rules.update(rules)

    def decision(self, url: str) -> str:
        """allowed | disallowed | unavailable (raises nothing; see `check`)."""
        rules = self.rules(url)
        if rules.state == "unavailable":
            return "unavailable"
        if rules.parser is None or rules.parser.can_fetch(self.user_agent, url):
            return "allowed"
        return "disallowed"

    def check(self, url: str) -> str:
        decision = self.decision(url)
        if decision == "unavailable":
            raise RobotsUnavailableError(url, self.rules(url).detail)
        if decision == "disallowed":
            raise RobotsDisallowedError(url)
        return decision

    def allowed(self, url: str) -> bool:
        return self.decision(url) == "allowed"

    def forbids_everything(self, url: str) -> bool:
        """True when robots.txt disallows the site root and the newsroom's entry points."""
        rules = self.rules(url)
        return rules.parser is not None and not rules.parser.can_fetch(self.user_agent, url)

    def crawl_delay(self, url: str) -> float | None:
        rules = self.rules(url)
        if rules.parser is None:
            return None
        delay = rules.parser.crawl_delay(self.user_agent)
        return float(delay) if delay is not None else None

    def sitemaps(self, url: str) -> list[str]:
        rules = self.rules(url)
        return list(rules.parser.site_maps() or []) if rules.parser is not None else []
