"""The total deadline of one exchange (`Settings.total_timeout`), enforced from outside.

requests' read timeout is per read (STACK_NOTES pitfall 16): a server that dribbles one
byte a second never trips it. So every exchange arms a `Deadline` with the one watchdog
thread, which shuts the exchange's sockets down when it passes; the connection registers
its socket with the deadline of the exchange its thread is in (`current.deadline`).
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import socket
import threading
import time


class Deadline:
    __slots__ = ("at", "done", "fired", "socks")

    def __init__(self, at: float) -> None:
        self.at = at
        self.socks: list[socket.socket] = []
        self.fired = False
        self.done = False

    def shut(self) -> None:
        self.fired = True
        for sock in self.socks:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class _Watchdog:
    """One daemon thread that shuts down the sockets of exchanges past their deadline."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Deadline]] = []
        self._cond = threading.Condition()
        self._ids = itertools.count()
        self._thread: threading.Thread | None = None

    def arm(self, seconds: float) -> Deadline:
        dl = Deadline(time.monotonic() + seconds)
        with self._cond:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._loop, name="fetch-deadlines", daemon=True
                )
                self._thread.start()
            heapq.heappush(self._heap, (dl.at, next(self._ids), dl))
            self._cond.notify()
        return dl

    def _loop(self) -> None:
        while True:
            with self._cond:
                while self._heap and self._heap[0][2].done:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._cond.wait(5.0)
                    continue
                at, _, dl = self._heap[0]
                delay = at - time.monotonic()
                if delay > 0:
                    self._cond.wait(delay)
                    continue
                heapq.heappop(self._heap)
            if not dl.done:
                dl.shut()


WATCHDOG = _Watchdog()
current = threading.local()  # the deadline of the exchange this thread is in
