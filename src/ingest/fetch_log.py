"""The fetch log: one row per request, and per refusal that made none.

URL, hop, status, bytes, elapsed, wait, robots decision, redirect chain: every exchange is
data. The rows of a run are shared by its fetchers until a commit drains them.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from urllib.parse import urlsplit

from ingest.errors import (
    DeadlineExceededError,
    FetchError,
    HostPausedError,
    RefusedRedirectError,
    ResponseTooLargeError,
)


class FetchLog:
    """The fetch_log rows of a run, shared by its fetchers until a commit drains them."""

    def __init__(self) -> None:
        self._rows: list[dict[str, object]] = []
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, object]:
        return {}  # rows travel by drain(), never twice through a pickle

    def __setstate__(self, state: dict[str, object]) -> None:
        FetchLog.__init__(self)

    def add(self, row: dict[str, object]) -> None:
        with self._lock:
            self._rows.append(row)

    def extend(self, rows: Iterable[dict[str, object]]) -> None:
        with self._lock:
            self._rows.extend(rows)

    def drain(self) -> list[dict[str, object]]:
        with self._lock:
            rows, self._rows = self._rows, []
        return rows

    def record(
        self,
        url: str,
        hop: str,
        kind: str,
        outcome: str,
        *,
        status: int | None = None,
        wire: int = 0,
        decoded: int = 0,
        elapsed: float = 0.0,
        wait: float = 0.0,
        robots: str = "",
        chain: Iterable[str] = (),
        attempt: int = 0,
        error: str | None = None,
        requested_at: datetime | None = None,
    ) -> None:
        """One row: a request made (or refused before one was made) and what came of it."""
        self.add(
            {
                "requested_at": requested_at or datetime.now(UTC),
                "url": url,
                "hop_url": hop,
                "host": urlsplit(hop).netloc.lower(),
                "kind": kind,
                "attempt": attempt,
                "status": status,
                "outcome": outcome,
                "bytes": wire,
                "decoded_bytes": decoded,
                "elapsed_s": round(elapsed, 6),
                "wait_s": round(wait, 6),
                "robots": robots,
                "redirect_chain": json.dumps(list(chain)) if chain else None,
                "error": error[:500] if error else None,
            }
        )

    def __len__(self) -> int:
        return len(self._rows)


def outcome_of(exc: FetchError) -> str:
    """The fetch_log outcome of a failed exchange."""
    if isinstance(exc, DeadlineExceededError):
        return "deadline"
    if isinstance(exc, ResponseTooLargeError):
        return "too_large"
    if isinstance(exc, RefusedRedirectError):
        return "refused_redirect"
    if isinstance(exc, HostPausedError):
        return "paused"
    return "error"
