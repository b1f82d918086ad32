"""The WordPress-like fixture newsroom: what it serves, its ground truth, its mutations.

URLs (WordPress "day and name" permalinks, Polylang for French):

    articles   /YYYY/MM/DD/<slug>/            (English)   /fr/YYYY/MM/DD/<slug>/ (French)
               the same without the trailing slash answers 301 to it (canonical redirect)
    feeds      /feed/, /fr/feed/  (RSS 2.0)   /feed/atom/, /fr/feed/atom/  (Atom 1.0)
               FEED_SIZE items a page, newest first, no next link: ?paged=N, 404 past the end
    index      /, /page/N/, /fr/, /fr/page/N/ (excerpts, rel="next")
    discovery  /robots.txt (no Sitemap line); /sitemap.xml and /wp-sitemap.xml answer 404
    anything else  a WordPress 404 page
"""

from __future__ import annotations

import hashlib
import math
import re
import threading
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qs

from newsrooms.server import Response

from . import render
from .posts import STORIES
from .render import PostView

LANGS: tuple[str, ...] = ("en", "fr")
FEED_SIZE = 3  # WordPress "Syndication feeds show the most recent" (posts_per_rss)
PAGE_SIZE = 4  # posts_per_page of the blog index
_ARTICLE = re.compile(
    r"^(?P<fr>/fr)?/(?P<y>\d{4})/(?P<m>\d{2})/(?P<d>\d{2})/"
    r"(?P<slug>[a-z0-9-]+)(?P<slash>/?)$"
)
_INDEX = re.compile(r"^(?P<fr>/fr)?/(?:page/(?P<page>\d+)/?)?$")
_FEED = re.compile(r"^(?P<fr>/fr)?/feed/(?P<atom>atom/)?$")
EDIT_NOTE = {
    "en": "Update: this release was corrected on {d}.",
    "fr": "Mise à jour : ce communiqué a été corrigé le {d}.",
}


def _http_date(when: datetime) -> str:
    return format_datetime(when, usegmt=True)


class WordPressSite:
    """North Sea Customs Agency's WordPress newsroom (en, fr): see the module docstring."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._stories: list[dict[str, Any]] = [dict(s) for s in STORIES]
        self._edits: dict[tuple[int, str], int] = {}
        self._modified: dict[tuple[int, str], datetime] = {}
        self._clock = datetime(2024, 3, 6, 18, 0, tzinfo=UTC)

    # --- posts --------------------------------------------------------------------------
    def _view(self, i: int, lang: str) -> PostView:
        story = self._stories[i]
        v = story[lang]
        pid = story["id"] + (0 if lang == "en" else 1)
        n = self._edits.get((i, lang), 0)
        paragraphs = list(v["paragraphs"])
        modified = self._modified.get((i, lang), story["modified"])
        if n:
            paragraphs.append(EDIT_NOTE[lang].format(d=render.shown_date(modified, lang)))
        return PostView(
            post_id=pid,
            lang=lang,
            href=self._href(i, lang),
            title=v["title"],
            dateline=v["dateline"],
            paragraphs=paragraphs,
            published=story["published"],
            modified=modified,
            category=story["category"],
            heading=v.get("heading"),
            items=list(v.get("items", ())),
            quote=v.get("quote"),
            translations={x: self._href(i, x) for x in LANGS if x != lang and x in story},
        )

    def _href(self, i: int, lang: str) -> str:
        story = self._stories[i]
        when = story["published"]
        prefix = "" if lang == "en" else "/fr"
        return f"{prefix}/{when:%Y/%m/%d}/{story[lang]['slug']}/"

    def _order(self, lang: str) -> list[int]:
        """Story indexes with a version in `lang`, newest first."""
        live = [i for i, s in enumerate(self._stories) if lang in s]
        return sorted(live, key=lambda i: (self._stories[i]["published"], i), reverse=True)

    def _resolve(self, path: str) -> tuple[int, str] | None:
        m = _ARTICLE.match(path)
        if m is None:
            return None
        lang = "fr" if m["fr"] else "en"
        for i in self._order(lang):
            if self._href(i, lang).rstrip("/") == path.rstrip("/"):
                return i, lang
        return None

    def is_article_path(self, path: str) -> bool:
        return _ARTICLE.match(path.split("?", 1)[0]) is not None

    # --- ground truth -------------------------------------------------------------------
    def expected_releases(self, lang: str | None = None) -> list[dict[str, Any]]:
        """Every post, newest first per language: `url_path` (the lake's identity: no
        trailing slash), `href` (as linked), language, title, published_date, dateline,
        paragraphs (the first without its dateline), translations {lang: url_path},
        quote_speakers, family (the English post id), modified."""
        with self._lock:
            out = []
            for lg in [lang] if lang else list(LANGS):
                for i in self._order(lg):
                    v = self._view(i, lg)
                    out.append(
                        {
                            "url_path": v.href.rstrip("/"),
                            "href": v.href,
                            "language": lg,
                            "title": v.title,
                            "published_date": v.published.date(),
                            "dateline": v.dateline,
                            "paragraphs": v.paragraphs,
                            "translations": {x: h.rstrip("/") for x, h in v.translations.items()},
                            "quote_speakers": [v.quote[1]] if v.quote else [],
                            "family": self._stories[i]["id"],
                            "modified": v.modified,
                        }
                    )
            return out

    def article_paths(self, lang: str | None = None) -> list[str]:
        return [t["url_path"] for t in self.expected_releases(lang)]

    # --- mutations ----------------------------------------------------------------------
    @property
    def today(self) -> date:
        return self._clock.date()

    def edit_post(self, url_path: str) -> None:
        """An editor corrects a post: a note paragraph, a new modified time (Atom
        `updated`, Last-Modified, ETag); RSS `pubDate` stays, as WordPress does."""
        with self._lock:
            hit = self._resolve(url_path)
            if hit is None:
                raise KeyError(url_path)
            self._clock += timedelta(minutes=5)
            self._edits[hit] = self._edits.get(hit, 0) + 1
            self._modified[hit] = self._clock

    def add_post(
        self,
        slug: str,
        title: str,
        paragraphs: list[str],
        published: datetime | None = None,
        *,
        dateline: str = "ROTTERDAM, Netherlands",
        french: dict[str, Any] | None = None,
    ) -> list[str]:
        """Publish a new post (and its French version); returns their url_paths."""
        with self._lock:
            self._clock = max(self._clock, published or self._clock) + timedelta(minutes=1)
            when = published or self._clock
            story: dict[str, Any] = {
                "id": 1000 + 2 * len(self._stories),
                "published": when,
                "modified": when,
                "category": "press-releases",
                "en": {
                    "slug": slug,
                    "title": title,
                    "dateline": dateline,
                    "paragraphs": paragraphs,
                },
            }
            if french:
                story["fr"] = french
            self._stories.append(story)
            i = len(self._stories) - 1
            return [self._href(i, lang).rstrip("/") for lang in LANGS if lang in story]

    # --- HTTP ---------------------------------------------------------------------------
    def respond(
        self, method: str, target: str, headers: dict[str, str], host: str = "127.0.0.1"
    ) -> Response:
        path, _, query = target.partition("?")
        base = f"http://{host}"
        with self._lock:
            if path == "/robots.txt":
                body = b"User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n"
                return self._ok(body, "text/plain; charset=utf-8", headers)
            m = _FEED.match(path)
            if m:
                return self._feed(
                    base, "fr" if m["fr"] else "en", bool(m["atom"]), path, query, headers
                )
            m = _INDEX.match(path)
            if m:
                return self._index(base, "fr" if m["fr"] else "en", int(m["page"] or 1), headers)
            hit = self._resolve(path)
            if hit is not None:
                if not path.endswith("/"):  # WordPress's canonical redirect
                    return Response(
                        301,
                        {"Location": f"{base}{path}/", "Content-Type": "text/html; charset=UTF-8"},
                        b"",
                    )
                return self._article(base, hit, headers)
        return self._not_found(base, "fr" if path.startswith("/fr/") else "en")

    def _ok(
        self, body: bytes, ctype: str, req: dict[str, str], modified: datetime | None = None
    ) -> Response:
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        when = modified or self._clock
        hdrs = {
            "Content-Type": ctype,
            "ETag": etag,
            "Last-Modified": _http_date(when),
            "X-Powered-By": "PHP/8.2",
            "Link": '<http://127.0.0.1/wp-json/>; rel="https://api.w.org/"',
        }
        if _not_modified(req, etag, when):
            return Response(304, hdrs, b"")
        return Response(200, hdrs, body)

    def _not_found(self, base: str, lang: str) -> Response:
        return Response(
            404,
            {"Content-Type": "text/html; charset=UTF-8"},
            render.render_not_found(base, lang).encode(),
        )

    def _recent(self, lang: str) -> list[PostView]:
        return [self._view(i, lang) for i in self._order(lang)[:5]]

    def _article(self, base: str, hit: tuple[int, str], req: dict[str, str]) -> Response:
        i, lang = hit
        order = self._order(lang)
        k = order.index(i)
        older = self._view(order[k + 1], lang) if k + 1 < len(order) else None
        newer = self._view(order[k - 1], lang) if k > 0 else None
        view = self._view(i, lang)
        html = render.render_post(base, view, older, newer, self._recent(lang))
        return self._ok(html.encode("utf-8"), "text/html; charset=UTF-8", req, view.modified)

    def _index(self, base: str, lang: str, page: int, req: dict[str, str]) -> Response:
        order = self._order(lang)
        last = max(1, math.ceil(len(order) / PAGE_SIZE))
        if not 1 <= page <= last:
            return self._not_found(base, lang)
        posts = [self._view(i, lang) for i in order[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]]
        html = render.render_index(base, lang, posts, page, last, self._recent(lang))
        return self._ok(html.encode("utf-8"), "text/html; charset=UTF-8", req)

    def _feed(
        self, base: str, lang: str, atom: bool, path: str, query: str, req: dict[str, str]
    ) -> Response:
        raw = parse_qs(query).get("paged", ["1"])[0]
        page = int(raw) if raw.isdigit() else 1
        order = self._order(lang)
        chunk = order[(page - 1) * FEED_SIZE : page * FEED_SIZE]
        if not chunk or page < 1:
            return self._not_found(base, lang)
        posts = [self._view(i, lang) for i in chunk]
        built = max(p.modified for p in (self._view(i, lang) for i in order))
        if atom:
            body = render.render_atom(base, lang, posts, path, built)
            ctype = "application/atom+xml; charset=UTF-8"
        else:
            body = render.render_rss(base, lang, posts, path, built)
            ctype = "application/rss+xml; charset=UTF-8"
        return self._ok(body.encode("utf-8"), ctype, req, built)


def _not_modified(req: dict[str, str], etag: str, when: datetime) -> bool:
    lower = {k.lower(): v for k, v in req.items()}
    if "if-none-match" in lower:
        return etag in [t.strip() for t in lower["if-none-match"].split(",")]
    since = lower.get("if-modified-since")
    if since:
        try:
            return when.replace(microsecond=0) <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False
