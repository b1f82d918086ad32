"""Bodies read under caps: streamed, inflated here, never past their limit.

Bodies are streamed (`stream=True`) and inflated with a `zlib.decompressobj` and
`max_length`, so a size cap holds on the wire (`max_body_bytes`) and after decompression
(`max_decoded_bytes`): a gzip bomb stops at the cap, never inflated past it. Sitemaps,
feeds and robots.txt are cut at their caps instead (the cut is reported). The exchange's
deadline is checked between chunks.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Mapping

import requests

from ingest.errors import DeadlineExceededError, FetchError, ResponseTooLargeError
from ingest.fetch_deadline import Deadline
from ingest.settings import Settings

CHUNK = 64 * 1024


class _TooMuch(ResponseTooLargeError):
    """Inflation passed its room; the fetcher re-raises it with the page's URL (or cuts a
    sitemap there)."""

    def __init__(self, room: int) -> None:
        super().__init__("(body)", "inflated body", room)


class _Inflater:
    """gzip/zlib/raw-deflate inflation that never produces more than it is allowed."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        # 32 + 15: gzip or zlib header, detected; raw deflate is tried if that fails.
        self._d = zlib.decompressobj(47 if encoding in ("gzip", "x-gzip") else 15)
        self._started = False

    def feed(self, data: bytes, room: int) -> bytes:
        """Inflate `data`; raises _TooMuch (a ResponseTooLargeError without a URL yet) as
        soon as more than `room` bytes would come."""
        out = bytearray()
        while data:
            try:
                piece = self._d.decompress(data, room - len(out) + 1)
            except zlib.error:
                if self._started or self.encoding in ("gzip", "x-gzip"):
                    raise
                self._d = zlib.decompressobj(-15)  # "deflate" sent as raw deflate
                self._started = True
                continue
            self._started = True
            out += piece
            if len(out) > room:
                raise _TooMuch(room)
            data = self._d.unconsumed_tail
            if self._d.eof and self._d.unused_data:  # a gzip body of several members
                data = self._d.unused_data
                self._d = zlib.decompressobj(47)
        return bytes(out)

    def flush(self, room: int) -> bytes:
        piece = self._d.flush(room + 1)
        if len(piece) > room:
            raise _TooMuch(room)
        return piece


def inflate_bounded(data: bytes, limit: int) -> tuple[bytes, bool]:
    """A gzip/zlib file (a `.xml.gz` sitemap) inflated to at most `limit` bytes:
    (bytes, cut)."""
    inflater = _Inflater("gzip")
    out = bytearray()
    for i in range(0, len(data), CHUNK):
        try:
            out += inflater.feed(data[i : i + CHUNK], limit - len(out))
        except _TooMuch:
            return bytes(out), True
    return bytes(out), False


def _content_encoding(headers: Mapping[str, str], url: str) -> str | None:
    codings = [c.strip().lower() for c in headers.get("content-encoding", "").split(",")]
    codings = [c for c in codings if c and c != "identity"]
    if not codings:
        return None
    if len(codings) > 1 or codings[0] not in ("gzip", "x-gzip", "deflate"):
        raise FetchError(
            url,
            f"unsupported Content-Encoding {','.join(codings)!r} (we ask "
            "for gzip or deflate only); dropped",
        )
    return codings[0]


def read_body(
    resp: requests.Response, url: str, kind: str, dl: Deadline, s: Settings
) -> tuple[bytes, int, bool]:
    """The body, streamed under the caps: (bytes, bytes on the wire, cut).

    `kind` picks the size rule: pages are refused past `max_body_bytes` on the wire or
    `max_decoded_bytes` inflated; sitemaps and feeds are cut at `max_sitemap_bytes`,
    robots.txt at `robots_max_bytes` (the cut is reported)."""
    cut_ok = kind in ("sitemap", "feed", "robots")
    decoded_cap = (
        s.max_sitemap_bytes
        if kind in ("sitemap", "feed")
        else s.robots_max_bytes
        if kind == "robots"
        else s.max_decoded_bytes
    )
    wire_cap = decoded_cap if cut_ok else s.max_body_bytes
    coding = _content_encoding(resp.headers, url)
    length = resp.headers.get("content-length", "")
    if length.isdigit() and int(length) > wire_cap and not cut_ok:
        raise ResponseTooLargeError(url, f"Content-Length {int(length):,}", wire_cap)
    inflater = _Inflater(coding) if coding else None
    out = bytearray()
    wire = 0
    try:
        for chunk in resp.raw.stream(CHUNK, decode_content=False):
            wire += len(chunk)
            if wire > wire_cap and not cut_ok:
                raise ResponseTooLargeError(url, "body on the wire", wire_cap)
            room = decoded_cap - len(out)
            try:
                data = inflater.feed(chunk, room) if inflater else chunk
            except _TooMuch:
                if cut_ok:
                    return bytes(out), wire, True
                raise ResponseTooLargeError(url, "inflated body", decoded_cap) from None
            if len(data) > room:
                if cut_ok:
                    out += data[:room]
                    return bytes(out), wire, True
                raise ResponseTooLargeError(url, "body", decoded_cap)
            out += data
            if cut_ok and wire > wire_cap:  # compressed, yet longer than its cap
                return bytes(out), wire, True
            if dl.fired or time.monotonic() > dl.at:
                raise DeadlineExceededError(url, s.total_timeout, wire)
        if inflater:
            try:
                out += inflater.flush(decoded_cap - len(out))
            except _TooMuch:
                if not cut_ok:
                    raise ResponseTooLargeError(url, "inflated body", decoded_cap) from None
                return bytes(out), wire, True
    except ResponseTooLargeError:
        raise
    except DeadlineExceededError:
        raise
    except Exception as exc:
        if dl.fired:
            raise DeadlineExceededError(url, s.total_timeout, wire) from exc
        raise
    return bytes(out), wire, False
