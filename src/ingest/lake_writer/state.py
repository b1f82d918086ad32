"""The fetch state the lake keeps: `pages` (one row per page: status, validators, release)
and `sitemaps` (child sitemaps read, at which lastmod, for which languages).

Reads are cached by data file (files are immutable and uniquely named); writes happen under
the writer lock, the page state only in the same commit as the data it describes
(`state_rows`, used by the publish), so a run that dies never advances state past data it
did not land.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import polars as pl

from ingest import lake as lk
from ingest import schemas as sc
from ingest import transform as tf
from ingest.settings import LANGUAGES

Row = dict[str, Any]


def load_pages_state(
    lake: lk.Lake, manifest: lk.Manifest | None = None, source: str | None = None
) -> pl.DataFrame:
    """The fetch state of every page (of one source, if given), as of `manifest` (default:
    the current one)."""
    manifest = manifest or lk.read_manifest(lake)
    state = _read_pages_file(lake, manifest.file("pages"))
    return state if source is None else state.filter(sc.of_source(source))


@functools.lru_cache(maxsize=2)
def _read_pages_file(lake: lk.Lake, rel: str | None) -> pl.DataFrame:
    # Data files are immutable and uniquely named, so a file read once is that file for
    # good: discovery, planning and the first publish of a run share one read.
    return sc.with_source(lk.read_data_file(lake, rel, sc.PAGES))


def load_sitemap_state(
    lake: lk.Lake, languages: Iterable[str] | None = None, source: str | None = None
) -> dict[str, str]:
    """Child sitemap path -> the lastmod we last read it at (of one source, if given). With
    `languages`, only the children whose last read covered all of them: a read for `en,ar`
    found no French page, so a full run must read that child again even though its
    lastmod did not change."""
    manifest = lk.read_manifest(lake)
    frame = sc.with_source(lk.read_data_file(lake, manifest.file("sitemaps"), sc.SITEMAPS))
    if source is not None:
        frame = frame.filter(sc.of_source(source))
    rows = frame.select("path", "lastmod", "languages").iter_rows()
    if languages is None:
        return {path: lastmod for path, lastmod, _ in rows}
    wanted = set(languages)
    return {
        path: lastmod
        for path, lastmod, covered in rows
        if covered and wanted <= set(covered.split(","))
    }


def save_sitemap_state(
    lake: lk.Lake,
    lastmods: Mapping[str, str],
    *,
    run_id: str,
    languages: Iterable[str] | None = None,
    source: str = sc.LEGACY_SOURCE,
) -> None:
    """Record the child sitemaps this run (of `source`) read, and for which languages. A
    child read again at the same lastmod keeps the languages of earlier reads too."""
    if not lastmods:
        return
    covered = set(languages) if languages is not None else set(LANGUAGES)
    with lk.writer_lock(lake):
        manifest = lk.read_manifest(lake)
        existing = sc.with_source(lk.read_data_file(lake, manifest.file("sitemaps"), sc.SITEMAPS))
        before = {
            p: (lm, langs)
            for p, lm, langs in existing.filter(sc.of_source(source))
            .select("path", "lastmod", "languages")
            .iter_rows()
        }
        rows = []
        for path, lastmod in lastmods.items():
            old_lastmod, old_langs = before.get(path, (None, None))
            langs = set(covered)
            if old_lastmod == lastmod and old_langs:
                langs |= set(old_langs.split(","))
            rows.append(
                {
                    "path": path,
                    "lastmod": lastmod,
                    "languages": ",".join(sorted(langs)),
                    "source": source,
                }
            )
        merged = tf.upsert_by(existing, pl.DataFrame(rows, schema=sc.SITEMAPS), tf.PAGE_KEY)
        rel = lk.write_data_file(lake, "sitemaps", "", merged, manifest.version + 1)
        lk.commit(lake, manifest, {"sitemaps": {"": rel}}, run_id=run_id)


def state_rows(
    state_updates: Mapping[str, Row],
    prior: Mapping[str, Row],
    validated: pl.DataFrame,
    new_revs: pl.DataFrame,
    rejects: list[Row],
    now: datetime,
) -> pl.DataFrame | None:
    """The fetch-state rows this batch changes."""
    if not state_updates:
        return None
    info = {
        r["path"]: r
        for r in validated.select(
            "path",
            "release_id",
            "content_hash",
            "published_date",
            "parser_version",
            "analysis_version",
        ).iter_rows(named=True)
    }
    revision = dict(new_revs.select("release_id", "revision").iter_rows())
    rejected = {r["path"] for r in rejects}
    rows = []
    for path, upd in state_updates.items():
        old = dict(prior.get(path) or {})
        row = {c: old.get(c) for c in sc.PAGES}
        upd = dict(upd)
        keep = upd.pop("_keep", False)
        row.update({k: v for k, v in upd.items() if v is not None})
        if upd.get("status") in ("failed", "gone", "disallowed"):
            # The status of THIS attempt, even none (the server never answered): keeping
            # the 200 of the last good fetch would hide the failure in release_status.
            row["http_status"] = upd.get("http_status")
        row["first_seen_at"] = old.get("first_seen_at") or now
        if keep:
            row["status"] = old.get("status") or "ok"
        elif "status" not in upd:
            row["status"] = "quarantined" if path in rejected else "ok"
            row["last_error"] = None
        if path in info:
            r = info[path]
            row.update(
                release_id=r["release_id"],
                content_hash=r["content_hash"],
                published_date=r["published_date"],
                parser_version=r["parser_version"],
                analysis_version=r["analysis_version"],
            )
            row["revision"] = revision.get(r["release_id"], old.get("revision"))
        rows.append(row)
    return pl.DataFrame(rows, schema=sc.PAGES)
