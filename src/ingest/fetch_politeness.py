"""Politeness: the per-host rate limit, Retry-After, and the hosts paused for a run.

The rate limit and Crawl-delay (capped by `crawl_delay_max`), Retry-After in seconds or as
an HTTP-date (each wait capped by `retry_after_max`, all waits on a host by
`retry_after_budget`); past a cap, or after `host_failure_limit` failed exchanges in a row,
the host is paused for the rest of the run (`HostPausedError`) instead of costing minutes
page after page. The limiter and the host book are shared by the fetchers of one run.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypedDict

from ingest.errors import HostPausedError
from ingest.settings import Settings


class _LimiterState(TypedDict):
    interval: float
    _host_interval: dict[str, float]


class _HostBookState(TypedDict):
    paused: dict[str, str]
    retry_after_spent: dict[str, float]
    failures: dict[str, int]


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds from now: delta-seconds or an HTTP-date (RFC 9110 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class RateLimiter:
    """At most one request per `interval` seconds per host, shared by all threads."""

    def __init__(self, interval: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = max(0.0, interval)
        self._clock = clock
        self._next: dict[str, float] = {}
        self._host_interval: dict[str, float] = {}
        self._lock = threading.Lock()

    def __getstate__(self) -> _LimiterState:
        # Shipped to another process (a Dask worker) the limiter paces that process alone.
        return {"interval": self.interval, "_host_interval": dict(self._host_interval)}

    def __setstate__(self, state: _LimiterState) -> None:
        RateLimiter.__init__(self, state["interval"])
        self._host_interval = state["_host_interval"]

    @property
    def paced(self) -> bool:
        """True when some host gets a delay: requests must then go through this limiter."""
        return self.interval > 0 or any(v > 0 for v in self._host_interval.values())

    def set_interval(self, host: str, interval: float) -> None:
        """A host-specific interval, e.g. from robots.txt Crawl-delay."""
        with self._lock:
            self._host_interval[host] = interval

    def wait(self, host: str) -> float:
        """Sleep until this host's next slot; returns the seconds slept."""
        interval = self._host_interval.get(host, self.interval)
        if interval <= 0:
            return 0.0
        with self._lock:
            now = self._clock()
            slot = max(now, self._next.get(host, 0.0))
            self._next[host] = slot + interval
        delay = slot - now
        if delay > 0:
            time.sleep(delay)
        return max(0.0, delay)


class HostBook:
    """Per host, for one run: paused (and why), Retry-After seconds spent, failures in a
    row. Shared by the fetchers of a run like the rate limiter."""

    def __init__(self) -> None:
        self.paused: dict[str, str] = {}
        self.retry_after_spent: dict[str, float] = {}
        self.failures: dict[str, int] = {}
        self._lock = threading.Lock()

    def __getstate__(self) -> _HostBookState:
        return {
            "paused": dict(self.paused),
            "retry_after_spent": dict(self.retry_after_spent),
            "failures": dict(self.failures),
        }

    def __setstate__(self, state: _HostBookState) -> None:
        HostBook.__init__(self)
        self.paused.update(state["paused"])
        self.retry_after_spent.update(state["retry_after_spent"])
        self.failures.update(state["failures"])

    def pause(self, host: str, why: str) -> None:
        with self._lock:
            self.paused.setdefault(host, why)

    def check(self, url: str, host: str) -> None:
        why = self.paused.get(host)
        if why is not None:
            raise HostPausedError(url, host, why)

    def spend_retry_after(self, host: str, seconds: float, settings: Settings) -> bool:
        """Book a Retry-After wait; False (and the host paused) when a cap says no."""
        with self._lock:
            spent = self.retry_after_spent.get(host, 0.0)
            if seconds > settings.retry_after_max:
                why = (
                    f"Retry-After {seconds:.0f} s is beyond the cap of "
                    f"{settings.retry_after_max:g} s (INGEST_RETRY_AFTER_MAX)"
                )
            elif spent + seconds > settings.retry_after_budget:
                why = (
                    f"Retry-After waits would pass {settings.retry_after_budget:g} s for "
                    "this host in this run (INGEST_RETRY_AFTER_BUDGET)"
                )
            else:
                self.retry_after_spent[host] = spent + seconds
                return True
            self.paused.setdefault(host, why)
            return False

    def failed(self, host: str, settings: Settings) -> None:
        with self._lock:
            n = self.failures.get(host, 0) + 1
            self.failures[host] = n
            if n >= settings.host_failure_limit:
                self.paused.setdefault(
                    host, f"{n} failed exchanges in a row (INGEST_HOST_FAILURE_LIMIT)"
                )

    def succeeded(self, host: str) -> None:
        if self.failures.get(host):
            with self._lock:
                self.failures[host] = 0
