"""The deterministic fixture newsroom: families of releases, broken pages, mutations, ground truth.

Nothing per page is stored. A page is a pure function of (seed, family, language, revision);
only the small overlay of changes (edits, additions, removals, request counters) lives in memory,
so a 40,000-page archive costs the same memory as a 40-page one.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import math
import random
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from functools import lru_cache
from importlib import resources
from typing import Any

from newsrooms.server import Response

from . import render
from .content import Block, Release, with_revision
from .generate import candidate_fids, gen_slug, generate
from .langs import LANGS, LISTING_PATH, article_path, parse_article_path, slugify

PAGE_SIZE = 10
UNDATED, FAIL_500, FAIL_429, LISTED_404, TRUNCATED = (
    "undated",
    "500-once",
    "429-once",
    "listed-404",
    "truncated-html",
)
# Broken pages that are not releases at all; they stay listed but leave the ground truth.
NOT_RELEASES = {LISTED_404, TRUNCATED}


@dataclass(frozen=True)
class Family:
    fid: int
    key: str
    published: date
    langs: tuple[str, ...]
    template: int


@lru_cache(maxsize=1)
def _load_corpus() -> tuple[dict[str, Any], ...]:
    recs = []
    for entry in resources.files("newsrooms.interpol").joinpath("corpus").iterdir():
        if entry.name.endswith(".json"):
            recs.append(json.loads(entry.read_text(encoding="utf-8")))
    recs.sort(key=lambda r: (r["published"], r["id"]))
    return tuple(recs)


def _corpus_release(rec: dict[str, Any], lang: str) -> Release:
    v = rec["versions"][lang]
    blocks = []
    for b in v["blocks"]:
        kind = b[0]
        if kind == "ul":
            blocks.append(Block("ul", items=tuple(b[1])))
        elif kind == "quote":
            blocks.append(Block("quote", b[1], speaker=b[2]))
        else:
            blocks.append(Block(kind, b[1]))
    en_title = rec["versions"]["en"]["title"]
    slug = slugify(en_title) if lang in ("en", "ar") else slugify(v["title"])
    return Release(
        lang,
        v["title"],
        v["standfirst"],
        v["dateline"],
        tuple(blocks),
        slug,
        rec.get("date_style", 0),
        rec.get("quote_style", 0),
    )


def _cnt(n: int, m: int, r: int) -> int:
    """How many i in [0, n) have i % m == r."""
    return max(0, (n - r + m - 1) // m)


def _http_date(dt: datetime) -> str:
    return format_datetime(dt, usegmt=True)


def _w3c(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S+00:00")


class NewsroomSite:
    """A synthetic INTERPOL-like newsroom in en/fr/es/ar; see the package docstring."""

    def __init__(
        self,
        seed: int = 7,
        families: int | None = None,
        start: date = date(2019, 1, 1),
        end: date = date(2026, 11, 28),
        page_kb: int = 20,
    ) -> None:
        if families is not None and not 10 <= families <= 45000:
            raise ValueError("families must be in 10..45000 (or None for the hand-written corpus)")
        if end < start:
            raise ValueError("end must not be before start")
        self.seed = seed
        self.start, self.end = start, end
        self.page_kb = page_kb
        self.scale = families is not None
        self._lock = threading.RLock()
        self._corpus = list(_load_corpus()) if not self.scale else []
        self.n_base = families if families is not None else len(self._corpus)
        self._span = (end - start).days + 1
        # Per-language sorted fid lists only in corpus mode (a dozen entries).
        self._members: dict[str, list[int]] = {}
        if not self.scale:
            for lang in LANGS:
                self._members[lang] = [
                    i for i, r in enumerate(self._corpus) if lang in r["versions"]
                ]
        self._overlay: dict[int, Family] = {}
        self._slugs: dict[tuple[str, str], int] = {}
        self._state: dict[tuple[int, str], str] = {}
        self._removed: dict[tuple[int, str], int] = {}
        self._rev: dict[tuple[int, str], int] = {}
        self._lastmod: dict[tuple[int, str], datetime] = {}
        self._famver: dict[int, int] = {}
        self._hits: dict[tuple[int, str], int] = {}
        self._clock = datetime(end.year, end.month, end.day, 18, 0, tzinfo=UTC)
        self._changed = self._clock
        # Rendered sitemaps until the site changes: a real newsroom serves them as files,
        # and re-rendering thousands of entries per request would bill the client's clock.
        self._sitemaps: dict[tuple[str, str], bytes] = {}
        self._sitemaps_at = self._changed
        self._next_fid = self.n_base
        self._corpus_slugs: dict[tuple[int, str], str] = {}
        if not self.scale:
            for i, r in enumerate(self._corpus):
                for lang in r["versions"]:
                    slug = _corpus_release(r, lang).slug
                    self._slugs[(lang, slug)] = i
                    self._corpus_slugs[(i, lang)] = slug
        self._plant_broken()

    # --- families ---------------------------------------------------------------------------
    def _base_date(self, i: int) -> date:
        if not self.scale:
            return date.fromisoformat(self._corpus[i]["published"])
        return self.start + timedelta(days=i * self._span // self.n_base)

    def _base_langs(self, i: int) -> tuple[str, ...]:
        if not self.scale:
            return tuple(x for x in LANGS if x in self._corpus[i]["versions"])
        if i % 40 == 13:
            return ("en", "ar")
        if i % 25 == 7:
            return ("en", "fr", "es")
        return LANGS

    def family(self, fid: int) -> Family:
        if fid in self._overlay:
            return self._overlay[fid]
        if not 0 <= fid < self.n_base:
            raise KeyError(fid)
        key = self._corpus[fid]["id"] if not self.scale else f"g{fid:06d}"
        return Family(fid, key, self._base_date(fid), self._base_langs(fid), fid % 2)

    def _count_lang(self, lang: str, n: int) -> int:
        """Base families with fid < n that exist in `lang`."""
        if not self.scale:
            return bisect.bisect_left(self._members[lang], n)
        if lang == "en":
            return n
        # The two gaps never coincide (i%40==13 and i%25==7 has no solution), so they count
        # independently.
        if lang == "ar":
            return n - _cnt(n, 25, 7)
        return n - _cnt(n, 40, 13)

    def _kth(self, lang: str, k: int) -> int:
        """The fid of the k-th (0-based, oldest first) base family present in `lang`."""
        lo, hi = k, self.n_base - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if self._count_lang(lang, mid + 1) >= k + 1:
                hi = mid
            else:
                lo = mid + 1
        return lo

    def _hi(self, d: date) -> int:
        """Number of base families published on or before `d`."""
        return bisect.bisect_right(range(self.n_base), d, key=self._base_date)

    def release(self, fid: int, lang: str, rev: int | None = None) -> Release:
        fam = self.family(fid)
        if lang not in fam.langs:
            raise KeyError((fid, lang))
        if not self.scale and fid < self.n_base:
            rel = _corpus_release(self._corpus[fid], lang)
        else:
            rel = generate(self.seed, fid, lang, fam.published.year)
        r = self._rev.get((fid, lang), 0) if rev is None else rev
        return with_revision(rel, r)

    def _slug(self, fid: int, lang: str) -> str:
        if not self.scale and fid < self.n_base:
            return self._corpus_slugs[(fid, lang)]
        return gen_slug(self.seed, fid, lang)

    def path_of(self, fid: int, lang: str) -> str:
        fam = self.family(fid)
        if lang not in fam.langs:
            raise KeyError((fid, lang))
        return article_path(lang, fam.published.year, self._slug(fid, lang))

    def resolve(self, path: str) -> tuple[int, str] | None:
        """(fid, lang) of an article path that exists (including removed/broken ones)."""
        parsed = parse_article_path(path)
        if parsed is None:
            return None
        lang, year, slug = parsed
        with self._lock:
            fid = self._slugs.get((lang, slug))
            cands = [fid] if fid is not None else candidate_fids(slug) if self.scale else []
            for c in cands:
                if c is None or not (0 <= c < self.n_base or c in self._overlay):
                    continue
                fam = self.family(c)
                if lang in fam.langs and fam.published.year == year and self._slug(c, lang) == slug:
                    return c, lang
        return None

    def is_article_path(self, path: str) -> bool:
        """True when `path` has the shape of an article URL (whether or not it exists)."""
        return parse_article_path(path.split("?", 1)[0]) is not None

    # --- broken pages -------------------------------------------------------------------------
    def _plant_broken(self) -> None:
        def pick(rng: random.Random, lang: str, taken: set[int]) -> int:
            while True:
                f = rng.randrange(self.n_base)
                if f not in taken and lang in self._base_langs(f):
                    taken.add(f)
                    return f

        if self.scale:
            rng = random.Random(f"broken:{self.seed}:{self.n_base}")
            taken: set[int] = set()
            self._state[(pick(rng, "en", taken), "en")] = UNDATED
            self._state[(pick(rng, "es", taken), "es")] = FAIL_500
            self._state[(pick(rng, "ar", taken), "ar")] = FAIL_429
            d404 = self.start + timedelta(days=int(self._span * 0.37))
            dtrunc = self.start + timedelta(days=int(self._span * 0.63))
        else:
            ix = {r["id"]: i for i, r in enumerate(self._corpus)}
            self._state[(ix["operation-pandora-silk-2022"], "en")] = UNDATED
            self._state[(ix["operation-blue-meridian-2024"], "fr")] = FAIL_500
            self._state[(ix["operation-quiet-harbour-2021"], "en")] = FAIL_429
            d404, dtrunc = date(2024, 8, 1), date(2021, 5, 5)
        f404 = self._new_family(d404, ("en",))
        ftr = self._new_family(dtrunc, ("fr",))
        self._state[(f404, "en")] = LISTED_404
        self._state[(ftr, "fr")] = TRUNCATED

    def _new_family(self, published: date, langs: tuple[str, ...]) -> int:
        fid = self._next_fid
        self._next_fid += 1
        self._overlay[fid] = Family(fid, f"x{fid:06d}", published, langs, fid % 2)
        for lang in langs:
            self._slugs[(lang, self._slug(fid, lang))] = fid
        return fid

    # --- time, validators ---------------------------------------------------------------------
    def _lastmod_of(self, fid: int, lang: str) -> datetime:
        lm = self._lastmod.get((fid, lang))
        if lm is not None:
            return lm
        d = self.family(fid).published
        return datetime(d.year, d.month, d.day, 9 + fid % 8, fid * 7 % 60, tzinfo=UTC)

    def _tick(self, at_least: datetime | None = None) -> datetime:
        self._clock += timedelta(minutes=1)
        if at_least is not None and at_least > self._clock:
            self._clock = at_least
        self._changed = self._clock
        return self._clock

    def _etag(self, fid: int, lang: str) -> str:
        raw = (
            f"{self.seed}:{fid}:{lang}:{self._rev.get((fid, lang), 0)}:"
            f"{self._famver.get(fid, 0)}:{self.page_kb}:{self._state.get((fid, lang), '')}"
        )
        return '"' + hashlib.sha1(raw.encode()).hexdigest()[:20] + '"'

    # --- visibility ---------------------------------------------------------------------------
    def _live(self, fid: int, lang: str) -> bool:
        return (fid, lang) not in self._removed

    def _alternates(self, fid: int, lang: str) -> dict[str, str]:
        fam = self.family(fid)
        return {x: self.path_of(fid, x) for x in fam.langs if x != lang and self._live(fid, x)}

    def _seq(self, lang: str) -> _Seq:
        return _Seq(self, lang)

    # --- ground truth -------------------------------------------------------------------------
    def _truth(self, fid: int, lang: str) -> dict[str, Any]:
        fam = self.family(fid)
        rel = self.release(fid, lang)
        return {
            "url_path": self.path_of(fid, lang),
            "language": lang,
            "title": rel.title,
            "subtitle": rel.standfirst,
            "published_date": None if self._state.get((fid, lang)) == UNDATED else fam.published,
            "dateline": rel.dateline,
            "translations": self._alternates(fid, lang),
            "family": fam.key,
            "quote_speakers": rel.speakers,
            "paragraph_count": len(rel.paragraphs),
            "paragraphs": rel.paragraphs,
            "template": "AB"[fam.template],
            "lastmod": self._lastmod_of(fid, lang),
        }

    def expected_releases(self, lang: str | None = None) -> list[dict[str, Any]]:
        """Ground truth for every valid release (newest first per language).

        Besides the documented keys each dict carries `paragraphs` (body paragraphs, quote
        paragraphs included, the first one without its dateline), `template` and `lastmod`.
        Undated releases are included with `published_date` None.
        """
        out: list[dict[str, Any]] = []
        with self._lock:
            for lg in [lang] if lang else list(LANGS):
                seq = self._seq(lg)
                for k in range(seq.visible):
                    fid = seq.fid_at(k)
                    if self._state.get((fid, lg)) in NOT_RELEASES:
                        continue
                    out.append(self._truth(fid, lg))
        return out

    def broken_paths(self) -> dict[str, str]:
        """{path: reason} for broken, flaky, undated and removed article pages."""
        with self._lock:
            out = {self.path_of(f, lg): why for (f, lg), why in self._state.items()}
            for (f, lg), status in self._removed.items():
                out[self.path_of(f, lg)] = f"removed-{status}"
            return out

    def article_paths(self, lang: str | None = None, limit: int | None = None) -> list[str]:
        """Listed article paths (valid or broken), newest first per language.

        `limit` caps the count per language, so callers can sample a huge archive cheaply.
        """
        with self._lock:
            out = []
            for lg in [lang] if lang else list(LANGS):
                seq = self._seq(lg)
                n = seq.visible if limit is None else min(limit, seq.visible)
                out.extend(self.path_of(seq.fid_at(k), lg) for k in range(n))
            return out

    def page_count(self) -> int:
        """Number of listed article pages (the sitemap's url count)."""
        with self._lock:
            return sum(self._seq(lg).visible for lg in LANGS)

    # --- mutations ----------------------------------------------------------------------------
    def _must_resolve(self, path: str) -> tuple[int, str]:
        hit = self.resolve(path)
        if hit is None or hit in self._removed:
            raise KeyError(f"no live article at {path}")
        return hit

    def edit_release(self, path: str) -> None:
        """Amend a paragraph (and on every second edit the title); bumps lastmod and ETag."""
        with self._lock:
            fid, lang = self._must_resolve(path)
            self._rev[(fid, lang)] = self._rev.get((fid, lang), 0) + 1
            self._lastmod[(fid, lang)] = self._tick(self._lastmod_of(fid, lang))

    def add_releases(self, n: int, published: date) -> list[str]:
        """n new families in all four languages; returns their article paths."""
        with self._lock:
            paths = []
            start = datetime(published.year, published.month, published.day, 9, tzinfo=UTC)
            for _ in range(n):
                fid = self._new_family(published, LANGS)
                for lang in LANGS:
                    self._lastmod[(fid, lang)] = self._tick(start)
                    paths.append(self.path_of(fid, lang))
            return paths

    def remove_release(self, path: str, status: int = 410) -> None:
        """The page answers `status` from now on and leaves listings, sitemaps, ground truth."""
        if status not in (404, 410):
            raise ValueError("status must be 404 or 410")
        with self._lock:
            fid, lang = self._must_resolve(path)
            self._removed[(fid, lang)] = status
            self._famver[fid] = self._famver.get(fid, 0) + 1
            self._tick()

    def next_day(self, new: int, edits: int) -> dict[str, Any]:
        """Advance the clock one day, publish `new` families and edit `edits` live releases."""
        with self._lock:
            day = self._clock.date() + timedelta(days=1)
            self._clock = datetime(day.year, day.month, day.day, 8, tzinfo=UTC)
            added = self.add_releases(new, day)
            rng = random.Random(f"day:{self.seed}:{day.isoformat()}")
            edited: list[str] = []
            tries = 0
            while len(edited) < edits and tries < edits * 50:
                tries += 1
                lang = rng.choice(LANGS)
                seq = self._seq(lang)
                if seq.visible == 0:
                    continue
                fid = seq.fid_at(rng.randrange(seq.visible))
                path = self.path_of(fid, lang)
                if self._state.get((fid, lang)) in NOT_RELEASES or path in edited or path in added:
                    continue
                self.edit_release(path)
                edited.append(path)
            return {"date": day, "added": added, "edited": edited}

    @property
    def today(self) -> date:
        return self._clock.date()

    def reset_flaky(self) -> None:
        """Re-arm the 500-once and 429-once pages."""
        with self._lock:
            self._hits.clear()

    # --- HTTP ---------------------------------------------------------------------------------
    def respond(
        self, method: str, target: str, headers: dict[str, str], host: str = "127.0.0.1"
    ) -> Response:
        """Answer one request; `target` is path plus optional query."""
        path, _, query = target.partition("?")
        base = f"http://{host}"
        with self._lock:
            if path == "/robots.txt":
                body = (
                    f"User-agent: *\nDisallow: /private/\n\nSitemap: {base}/sitemap.xml\n"
                ).encode()
                return self._ok(body, "text/plain; charset=utf-8", headers)
            if path == "/sitemap.xml":
                return self._ok(self._cached_sitemap(base, ""), "application/xml", headers)
            if path.startswith("/sitemaps/") and path.endswith(".xml"):
                body = self._cached_sitemap(base, path[len("/sitemaps/") : -4])
                if body is not None:
                    return self._ok(body, "application/xml", headers)
            for lang, lp in LISTING_PATH.items():
                if path == lp:
                    return self._listing(base, lang, query, headers)
            if path.strip("/") in LANGS and path.count("/") == 1:
                lang = path.strip("/")
                seq = self._seq(lang)
                items = [self._item(seq.fid_at(k), lang) for k in range(min(5, seq.visible))]
                html = render.render_home(lang, items, self.page_kb)
                return self._ok(html.encode("utf-8"), "text/html; charset=utf-8", headers)
            hit = self.resolve(path)
            if hit is not None:
                return self._article(base, path, hit, method, headers)
        return self._error(404)

    def _ok(
        self,
        body: bytes,
        ctype: str,
        req: dict[str, str],
        lastmod: datetime | None = None,
        etag: str | None = None,
    ) -> Response:
        etag = etag or '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
        lm = lastmod or self._changed
        hdrs = {
            "Content-Type": ctype,
            "ETag": etag,
            "Last-Modified": _http_date(lm),
            "Cache-Control": "no-cache",
        }
        if _not_modified(req, etag, lm):
            return Response(304, hdrs, b"")
        return Response(200, hdrs, body)

    def _error(self, status: int, extra: dict[str, str] | None = None) -> Response:
        hdrs = {"Content-Type": "text/html; charset=utf-8", **(extra or {})}
        return Response(status, hdrs, render.render_error(status).encode())

    def _item(self, fid: int, lang: str) -> tuple[str, date | None, str, str, int]:
        rel = self.release(fid, lang)
        d = None if self._state.get((fid, lang)) == UNDATED else self.family(fid).published
        return rel.title, d, self.path_of(fid, lang), rel.teaser, rel.date_style

    def _listing(self, base: str, lang: str, query: str, req: dict[str, str]) -> Response:
        page = 1
        for part in query.split("&"):
            k, _, v = part.partition("=")
            if k == "page":
                if not v.isdigit() or int(v) < 1:
                    return self._error(404)
                page = int(v)
        seq = self._seq(lang)
        last = max(1, math.ceil(seq.visible / PAGE_SIZE))
        if page > last:
            return self._error(404)
        lo = (page - 1) * PAGE_SIZE
        items = [
            self._item(seq.fid_at(k), lang) for k in range(lo, min(seq.visible, lo + PAGE_SIZE))
        ]
        html = render.render_listing(base, lang, items, page, last, self.page_kb)
        return self._ok(html.encode("utf-8"), "text/html; charset=utf-8", req)

    def _article(
        self,
        base: str,
        path: str,
        hit: tuple[int, str],
        method: str,
        req: dict[str, str],
        flaky: bool = True,
    ) -> Response:
        fid, lang = hit
        if hit in self._removed:
            return self._error(self._removed[hit])
        state = self._state.get(hit)
        if state == LISTED_404:
            return self._error(404)
        if state in (FAIL_500, FAIL_429) and flaky:
            n = self._hits.get(hit, 0)
            self._hits[hit] = n + 1
            if n == 0:
                if state == FAIL_500:
                    return self._error(500)
                return self._error(429, {"Retry-After": "1"})
        etag, lm = self._etag(fid, lang), self._lastmod_of(fid, lang)
        if _not_modified(req, etag, lm):
            return self._ok(b"", "text/html; charset=utf-8", req, lm, etag)
        fam = self.family(fid)
        view = render.ArticleView(
            base=base,
            path=path,
            release=self.release(fid, lang),
            published=None if state == UNDATED else fam.published,
            modified=lm,
            template=fam.template,
            alternates=self._alternates(fid, lang),
            related=self._related(fid, lang),
            page_kb=self.page_kb,
        )
        html = render.render_article(view)
        if state == TRUNCATED:
            html = render.garbage(html)
        return self._ok(html.encode("utf-8"), "text/html; charset=utf-8", req, lm, etag)

    def render_article(self, path: str, host: str = "127.0.0.1") -> str:
        """The HTML an article page serves once it answers 200 (no HTTP, no flaky counting).

        Removed and listed-404 pages give their error page; the truncated page its garbage.
        """
        with self._lock:
            hit = self.resolve(path)
            if hit is None:
                raise KeyError(path)
            r = self._article(f"http://{host}", path, hit, "GET", {}, flaky=False)
            return r.body.decode("utf-8", "replace")

    def _related(self, fid: int, lang: str) -> list[tuple[str, date | None, str]]:
        out: list[tuple[str, date | None, str]] = []
        if fid < self.n_base:
            cands = range(fid - 1, max(-1, fid - 40), -1)
        else:
            top = self._hi(self.family(fid).published)
            cands = range(top - 1, max(-1, top - 40), -1)
        for c in cands:
            if (
                lang in self._base_langs(c)
                and self._live(c, lang)
                and self._state.get((c, lang)) not in NOT_RELEASES
            ):
                rel = self.release(c, lang)
                out.append((rel.title, self._base_date(c), self.path_of(c, lang)))
                if len(out) == 3:
                    break
        return out

    # --- sitemaps -----------------------------------------------------------------------------
    def _groups(self) -> list[str]:
        if not self.scale:
            return list(LANGS)
        years = {
            self._base_date(0).year + k
            for k in range(self._base_date(self.n_base - 1).year - self._base_date(0).year + 1)
        }
        years |= {f.published.year for f in self._overlay.values()}
        return [f"{lang}-{y}" for lang in LANGS for y in sorted(years)]

    def _group_members(self, group: str) -> list[int]:
        lang, _, year = group.partition("-")
        if self.scale:
            y = int(year)
            lo, hi = self._hi(date(y - 1, 12, 31)), self._hi(date(y, 12, 31))
        else:
            y, lo, hi = None, 0, self.n_base
        fids = [i for i in range(lo, hi) if lang in self._base_langs(i)]
        fids += [
            f.fid
            for f in self._overlay.values()
            if lang in f.langs and (y is None or f.published.year == y)
        ]
        return [f for f in fids if self._live(f, lang)]

    def publish_sitemaps(self, base_url: str) -> None:
        """Render every sitemap now, as a newsroom does when it publishes (not when a
        crawler asks); `base_url` is the server's own, e.g. http://127.0.0.1:8000."""
        with self._lock:
            self._cached_sitemap(base_url, "")
            for group in self._groups():
                self._cached_sitemap(base_url, group)

    def _cached_sitemap(self, base: str, group: str) -> bytes | None:
        """The sitemap index (group "") or one child sitemap, rendered once per site state."""
        if self._sitemaps_at != self._changed:
            self._sitemaps.clear()
            self._sitemaps_at = self._changed
        key = (base, group)
        if key not in self._sitemaps:
            body = self._sitemap_index(base) if not group else self._sitemap(base, group)
            if body is None:
                return None
            self._sitemaps[key] = body
        return self._sitemaps[key]

    def _sitemap_index(self, base: str) -> bytes:
        parts = [
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        ]
        for g in self._groups():
            lang = g.partition("-")[0]
            mods = [self._lastmod_of(f, lang) for f in self._group_members(g)]
            lm = f"<lastmod>{_w3c(max(mods))}</lastmod>" if mods else ""
            parts.append(f"<sitemap><loc>{base}/sitemaps/{g}.xml</loc>{lm}</sitemap>\n")
        parts.append("</sitemapindex>\n")
        return "".join(parts).encode("utf-8")

    def _sitemap(self, base: str, group: str) -> bytes | None:
        if group not in self._groups():
            return None
        lang = group.partition("-")[0]
        parts = [
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:xhtml="http://www.w3.org/1999/xhtml">\n'
        ]
        for fid in self._group_members(group):
            alts = self._alternates(fid, lang)
            links = "".join(
                f'<xhtml:link rel="alternate" hreflang="{x}" href="{base}{p}"/>'
                for x, p in sorted({lang: self.path_of(fid, lang), **alts}.items())
            )
            parts.append(
                f"<url><loc>{base}{self.path_of(fid, lang)}</loc>"
                f"<lastmod>{_w3c(self._lastmod_of(fid, lang))}</lastmod>{links}</url>\n"
            )
        parts.append("</urlset>\n")
        return "".join(parts).encode("utf-8")


def _not_modified(req: dict[str, str], etag: str, lastmod: datetime) -> bool:
    lower = {k.lower(): v for k, v in req.items()}
    inm = lower.get("if-none-match")
    if inm is not None:
        tags = [t.strip() for t in inm.split(",")]
        return "*" in tags or etag in tags or f"W/{etag}" in tags
    ims = lower.get("if-modified-since")
    if ims:
        try:
            since = parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        return lastmod.replace(microsecond=0) <= since
    return False


class _Seq:
    """Newest-first visible sequence of one language: base families merged with the overlay.

    Base families are ordered by (date, fid) ascending by construction, overlay families have
    larger fids, so the merge only needs counts, never a materialised list.
    """

    def __init__(self, site: NewsroomSite, lang: str) -> None:
        self.site, self.lang = site, lang
        self.nb = site._count_lang(lang, site.n_base)
        added = sorted(
            (f for f in site._overlay.values() if lang in f.langs),
            key=lambda f: (f.published, f.fid),
            reverse=True,
        )
        self.added_pos: list[int] = []
        self.added: list[int] = []
        for idx, f in enumerate(added):
            before = self.nb - site._count_lang(lang, site._hi(f.published))
            self.added_pos.append(before + idx)
            self.added.append(f.fid)
        removed: list[int] = []
        for fid, lg in site._removed:
            if lg != lang:
                continue
            if fid in site._overlay:
                removed.append(self.added_pos[self.added.index(fid)])
            else:
                j = self.nb - 1 - site._count_lang(lang, fid)
                d = site._base_date(fid)
                removed.append(j + sum(1 for a in added if a.published >= d))
        self.removed = sorted(removed)
        self.visible = self.nb + len(self.added) - len(self.removed)

    def fid_at(self, k: int) -> int:
        if not 0 <= k < self.visible:
            raise IndexError(k)
        m = k
        while True:
            m2 = k + bisect.bisect_right(self.removed, m)
            if m2 == m:
                break
            m = m2
        i = bisect.bisect_left(self.added_pos, m)
        if i < len(self.added_pos) and self.added_pos[i] == m:
            return self.added[i]
        j = m - i
        return self.site._kth(self.lang, self.nb - 1 - j)
