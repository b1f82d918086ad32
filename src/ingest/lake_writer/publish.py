"""The lake's merge rules: how one validated batch (`Landing`) becomes one commit.

    Landing ──publish (under the writer lock)──> one manifest swap of every touched table

    1. idempotence    a unit (run id + batch) a manifest already records writes nothing again
    2. classify       each release against the fetch state: new, updated, re-parsed, same
    3. gone           a page now 404/410 ends its release's current revision as `gone`
    4. emptied        a new version that lost fields the stored one had is held back
                      (quarantined, the stored version kept)
    5. families       translation links and families resolved again (families.py)
    6. partitions     changed releases merged into their language x year partition; a
                      release whose date moved leaves its old partition; its blocks, quotes
                      and analyst rows go with it; revisions closed and opened
    7. quarantine     new rejections in, pages that now landed out
    8. fetch state    the pages' new state (state.state_rows), in the same commit
    9. fetch log      the batch's requests (records.py)

The caller holds the writer lock. The fetch state is one of the tables committed, so it
never moves past data that did not land.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import polars as pl

from ingest import lake as lk
from ingest import schemas as sc
from ingest import transform as tf
from ingest.lake_writer.families import resolve_batch_families
from ingest.lake_writer.records import fetch_log_file
from ingest.lake_writer.state import load_pages_state, state_rows
from ingest.settings import Settings
from ingest.stages.batch import BatchReport

Row = dict[str, Any]
Files = dict[str, dict[str, str | None]]  # table -> partition key ("" if none) -> file

# A body that shrank below this share of its stored word count counts as emptied.
EMPTIED_BODY_SHARE = 0.2
# Release columns that, once filled, a re-extraction must not lose.
KEPT_FIELDS = ("subtitle", "dateline")


@dataclass(slots=True)
class Landing:
    """What one batch hands the lake writer: rows that passed their contracts, the pages
    refused (quarantine entries), every page's fetch-state change, and its requests."""

    releases: pl.DataFrame
    blocks: pl.DataFrame
    quotes: pl.DataFrame
    analysis: dict[str, pl.DataFrame]
    rejects: list[Row]
    state_updates: dict[str, Row]
    # page path -> the sitemap's alternates it was listed with ((language, path), ...)
    alternates: Mapping[str, Sequence[tuple[str, str]]] = field(default_factory=dict)
    fetch_log: Sequence[Mapping[str, object]] = ()


@dataclass(slots=True)
class Changes:
    """How the batch's releases stand against the lake: the inputs of the revision rules."""

    changed_ids: list[str] = field(default_factory=list)  # rows to (re)write
    closing: dict[str, str] = field(default_factory=dict)  # release_id -> superseded | gone
    old_partition: dict[str, str] = field(default_factory=dict)  # release_id -> stored key


def _prior_state(state: pl.DataFrame, paths: Sequence[str], source: str) -> dict[str, Row]:
    wanted = pl.Series(list(paths), dtype=pl.String).implode()
    return {
        r["path"]: r
        for r in state.filter(pl.col("path").is_in(wanted) & sc.of_source(source)).iter_rows(
            named=True
        )
    }


def classify_releases(
    releases: pl.DataFrame, prior: Mapping[str, Row], report: BatchReport
) -> Changes:
    """Rule 2: landed releases against the fetch state: new, edited, re-parsed, same."""
    changes = Changes()
    for rid, path, chash, pver, aver, lang in releases.select(
        "release_id", "path", "content_hash", "parser_version", "analysis_version", "language"
    ).iter_rows():
        old = prior.get(path)
        if old is None or old["content_hash"] is None or old["status"] == "gone":
            report.count(lang, "new")
        elif old["content_hash"] != chash:
            report.count(lang, "updated")
            changes.closing[rid] = "superseded"
        elif old.get("parser_version") != pver or old.get("analysis_version") != aver:
            # a new parser or analysis version: same text, rows rewritten
            report.count(lang, "reparsed")
        else:
            report.count(lang, "unchanged")
            continue
        changes.changed_ids.append(rid)
        if old and old["published_date"] is not None and old["status"] != "gone":
            changes.old_partition[rid] = lk.partition_key(
                old["language"], old["published_date"].year
            )
    return changes


def close_gone(
    state_updates: Mapping[str, Row], prior: Mapping[str, Row], changes: Changes
) -> None:
    """Rule 3: releases whose page is now 404/410: their current revision ends as 'gone'."""
    for path, upd in state_updates.items():
        old = prior.get(path)
        if (
            upd.get("status") == "gone"
            and old
            and old["release_id"]
            and old["status"] == "ok"
            and old["published_date"] is not None
        ):
            changes.closing[old["release_id"]] = "gone"
            changes.old_partition[old["release_id"]] = lk.partition_key(
                old["language"], old["published_date"].year
            )


def emptied_fields(
    lake: lk.Lake, manifest: lk.Manifest, releases: pl.DataFrame, old_partition: Mapping[str, str]
) -> dict[str, tuple[Row, list[str]]]:
    """release_id -> (new row, fields) for new versions that lost fields the stored
    version had, extracted by the same parser version (so the page changed: a redesign).
    A new parser version may drop fields on purpose (`ingest reprocess`)."""
    if not old_partition:
        return {}
    new = {
        r["release_id"]: r
        for r in releases.filter(
            pl.col("release_id").is_in(pl.Series(list(old_partition), dtype=pl.String).implode())
        ).iter_rows(named=True)
    }
    out: dict[str, tuple[Row, list[str]]] = {}
    for key in sorted(set(old_partition.values())):
        wanted = [rid for rid, k in old_partition.items() if k == key and rid in new]
        old_rows = lk.read_data_file(lake, manifest.file("releases", key), sc.RELEASES, key).filter(
            pl.col("release_id").is_in(pl.Series(wanted, dtype=pl.String).implode())
        )
        for old in old_rows.iter_rows(named=True):
            cur = new[old["release_id"]]
            if old["parser_version"] != cur["parser_version"]:
                continue  # our parser changed, not the page: a reprocess applies it
            lost = [f for f in KEPT_FIELDS if old[f] and not cur[f]]
            if (old["word_count"] or 0) >= 20 and (
                cur["word_count"] or 0
            ) < EMPTIED_BODY_SHARE * old["word_count"]:
                lost.append("body_text")
            empty = (None, "", "{}")
            if old["translations"] not in empty and cur["translations"] in empty:
                lost.append("translations")
            if lost:
                out[old["release_id"]] = (cur, lost)
    return out


def hold_back_emptied(
    lake: lk.Lake,
    manifest: lk.Manifest,
    batch: Landing,
    changes: Changes,
    report: BatchReport,
) -> pl.DataFrame:
    """Rule 4: a new version that lost fields the stored one had (a redesign the extractor
    half understands) does not replace it: it is quarantined and the run fails loudly.
    Returns the batch's releases without those versions."""
    old = {rid: k for rid, k in changes.old_partition.items() if changes.closing.get(rid) != "gone"}
    emptied = emptied_fields(lake, manifest, batch.releases, old)
    for rid, (cur, fields) in emptied.items():
        lang, path = cur["language"], cur["path"]
        changes.changed_ids.remove(rid)
        changes.old_partition.pop(rid, None)
        kind = "updated" if changes.closing.pop(rid, None) else "reparsed"
        report.counts[kind] -= 1
        report.by_language[lang][kind] -= 1
        report.emptied.append({"url": cur["url"], "fields": ", ".join(fields)})
        batch.rejects.append(
            {
                "url": cur["url"],
                "path": path,
                "language": lang,
                "stage": "validate",
                "reason": "fields_emptied",
                "detail": f"the stored release has {', '.join(fields)}; the new "
                "extraction has none: kept the stored version",
                "raw_path": (batch.state_updates.get(path) or {}).get("raw_path"),
                "parser_version": cur["parser_version"],
            }
        )
    if not emptied:
        return batch.releases
    held = pl.Series(list(emptied), dtype=pl.String).implode()
    return batch.releases.filter(~pl.col("release_id").is_in(held))


def _write_or_drop(
    lake: lk.Lake, table: str, key: str, frame: pl.DataFrame, version: int
) -> str | None:
    return lk.write_data_file(lake, table, key, frame, version) if frame.height else None


@dataclass(slots=True)
class PartitionRewrite:
    """Rule 6 for one commit: the changed rows, and how to rewrite each touched partition."""

    lake: lk.Lake
    manifest: lk.Manifest
    version: int
    releases: pl.DataFrame  # only the changed releases, with their translation keys
    blocks: pl.DataFrame
    quotes: pl.DataFrame
    analysis: dict[str, pl.DataFrame]
    changes: Changes
    existing: dict[str, pl.DataFrame] = field(default_factory=dict)  # key -> stored releases
    new_revs: pl.DataFrame = field(default_factory=pl.DataFrame)
    written_revisions: list[pl.DataFrame] = field(default_factory=list)

    def touched(self) -> list[str]:
        new_keys = {
            lk.partition_key(lang, year)
            for lang, year in self.releases.select("language", "year").unique().iter_rows()
        }
        return sorted(new_keys | set(self.changes.old_partition.values()))

    def open_revisions(self, keys: Sequence[str], prior: Mapping[str, Row], now: datetime) -> None:
        """The new revisions: every changed release but one only re-parsed (same text)."""
        changes = self.changes
        self.existing = {
            key: lk.read_data_file(self.lake, self.manifest.file("releases", key), sc.RELEASES, key)
            for key in keys
        }
        stored = pl.Series(list(changes.old_partition), dtype=pl.String).implode()
        prior_rows = {
            r["release_id"]: r
            for key in keys
            for r in self.existing[key]
            .filter(pl.col("release_id").is_in(stored))
            .iter_rows(named=True)
        }
        prior_revision = {
            r["release_id"]: r["revision"] or 0 for r in prior.values() if r["release_id"]
        }
        reparsed_only = sorted(
            rid
            for rid in changes.changed_ids
            if rid not in changes.closing and rid in changes.old_partition
        )
        self.new_revs = tf.revision_rows(
            self.releases.filter(
                ~pl.col("release_id").is_in(pl.Series(reparsed_only, dtype=pl.String).implode())
            ),
            prior_rows,
            prior_revision,
            now=now,
        )

    def partition(self, key: str, now: datetime) -> dict[str, str | None]:
        """The new files of one partition (None: the partition is now empty)."""
        lake, version, changes = self.lake, self.version, self.changes
        language, year = lk.parse_partition_key(key)
        here = (pl.col("language") == language) & (pl.col("year") == year)
        incoming = self.releases.filter(here)
        merged = tf.merge_releases(self.existing[key], incoming)
        # A gone release stays in its file (its last version is kept); the views leave it
        # out through the fetch state. Moved releases (date edited) leave the old partition.
        moved_here = [
            rid
            for rid, k in changes.old_partition.items()
            if k == key and changes.closing.get(rid) != "gone"
        ]
        staying = incoming["release_id"].to_list()
        drop = pl.Series([r for r in moved_here if r not in staying], dtype=pl.String).implode()
        merged = merged.filter(~pl.col("release_id").is_in(drop))
        files = {"releases": _write_or_drop(lake, "releases", key, merged, version)}
        leaving = pl.Series(sorted(changes.old_partition), dtype=pl.String).implode()
        ids = self.releases["release_id"].implode()  # every changed release
        children: list[tuple[str, pl.DataFrame, dict[str, pl.DataType], str]] = [
            ("release_blocks", self.blocks, sc.BLOCKS, "ordinal"),
            ("quotes", self.quotes, sc.QUOTES, "ordinal"),
        ]
        # The analyst tables: written in the same commit as the releases they describe.
        for table, frame in self.analysis.items():
            order = "quote_ordinal" if table == "speakers" else "ordinal"
            children.append((table, frame, sc.ANALYSIS_TABLES[table][0], order))
        for table, frame, schema, order in children:
            old = lk.read_data_file(lake, self.manifest.file(table, key), schema, key)
            kept = old.filter(
                ~pl.col("release_id").is_in(leaving) & ~pl.col("release_id").is_in(ids)
            )
            out = pl.concat([kept, frame.filter(here)]).sort("release_id", order)
            files[table] = _write_or_drop(lake, table, key, out, version)
        rel = self.manifest.file("release_revisions", key)
        revs = lk.read_data_file(lake, rel, sc.REVISIONS, key)
        revs = tf.close_revisions(revs, changes.closing, now=now)
        revs = pl.concat([revs, self.new_revs.filter(here)]).sort("release_id", "revision")
        files["release_revisions"] = _write_or_drop(lake, "release_revisions", key, revs, version)
        self.written_revisions.append(revs)
        return files


def rewrite_partitions(
    rewrite: PartitionRewrite,
    prior: Mapping[str, Row],
    report: BatchReport,
    *,
    threads: int,
    now: datetime,
) -> Files:
    """Rule 6: every touched partition rewritten; returns the new files by table."""
    touched = rewrite.touched()
    rewrite.open_revisions(touched, prior, now)
    # Partitions are independent, and polars reads and writes outside the GIL: a daily
    # run that touches a dozen partitions rewrites them side by side.
    changes: Files = {t: {} for t in lk.PARTITIONED}
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="partition") as ex:
        written = ex.map(lambda key: rewrite.partition(key, now), touched)
        for key, files in zip(touched, written, strict=True):
            for table, rel in files.items():
                changes[table][key] = rel
            report.partitions.add(key)
    # The revisions contract over every partition file this commit writes, in one pass
    # (a call costs ~17 ms whatever the size); the files are not visible before the
    # commit, so a failure refuses the whole batch and lands nothing.
    if rewrite.written_revisions:
        sc.check_whole(sc.RevisionModel, pl.concat(rewrite.written_revisions), "release_revisions")
    return changes


def merge_quarantine(
    lake: lk.Lake,
    manifest: lk.Manifest,
    batch: Landing,
    landed_paths: set[str],
    prior: Mapping[str, Row],
    report: BatchReport,
    *,
    source: str,
    run_id: str,
    now: datetime,
) -> str | None:
    """Rule 7: the batch's rejections enter the quarantine, pages that landed now leave it;
    returns the new quarantine file, or None when nothing in it changed."""
    existing = sc.with_source(lk.read_data_file(lake, manifest.file("quarantine"), sc.QUARANTINE))
    incoming = tf.quarantine_rows(batch.rejects, seen_at=now, run_id=run_id, source=source)
    merged = tf.merge_quarantine(existing, incoming, landed_paths, source)
    rel = None
    if (
        merged.height != existing.height
        or incoming.height
        or landed_paths & set(existing.filter(sc.of_source(source))["path"].to_list())
    ):
        merged = sc.QuarantineModel.validate(merged)
        rel = lk.write_data_file(lake, "quarantine", "", merged, manifest.version + 1)
    for r in batch.rejects:
        report.count(r["language"] or "?", "quarantined")
        if (prior.get(r["path"]) or {}).get("status") != "quarantined":
            # Refused now, not before: the evidence that a redesign broke extraction.
            report.count(r["language"] or "?", "newly_refused")
    report.quarantined.extend(
        {"url": r["url"], "stage": r["stage"], "reason": r["reason"]} for r in batch.rejects
    )
    return rel


def _only(frame: pl.DataFrame, ids: pl.Expr | pl.Series) -> pl.DataFrame:
    return frame.filter(pl.col("release_id").is_in(ids))


def publish(
    settings: Settings,
    batch: Landing,
    report: BatchReport,
    *,
    run_id: str,
    now: datetime,
    unit: str | None,
) -> None:
    """Read-merge-write every table the batch touches and commit them in one manifest swap
    (the rules in the module docstring). The caller holds the writer lock."""
    lake = settings.lake
    manifest = lk.read_manifest(lake)
    if unit is not None and unit in manifest.applied:
        # Rule 1: a retry of a unit that did commit (the failure came after the swap):
        # report what it did then, write nothing.
        report.counts = Counter({k: int(str(v)) for k, v in manifest.applied[unit].items()})
        return
    version = manifest.version + 1
    state = load_pages_state(lake, manifest)
    prior = _prior_state(state, list(batch.state_updates), settings.source)
    changes = classify_releases(batch.releases, prior, report)
    close_gone(batch.state_updates, prior, changes)
    validated = hold_back_emptied(lake, manifest, batch, changes, report)
    families = resolve_batch_families(settings, manifest, validated, batch.alternates, version)
    releases = validated
    if families is not None:
        keys = families[2]
        releases = (
            releases.drop("translation_key")
            .join(keys, on="release_id", how="left")
            .select(releases.columns)
        )
    ids = pl.Series(changes.changed_ids, dtype=pl.String).implode()
    rewrite = PartitionRewrite(
        lake,
        manifest,
        version,
        _only(releases, ids),
        _only(batch.blocks, ids),
        _only(batch.quotes, ids),
        {t: _only(f, ids) for t, f in batch.analysis.items()},
        changes,
    )
    files = rewrite_partitions(rewrite, prior, report, threads=settings.partition_threads, now=now)
    if families is not None:
        files["translation_links"] = {"": families[0]}
        files["families"] = {"": families[1]}
    landed_paths = set(validated["path"].to_list())
    quarantine = merge_quarantine(
        lake,
        manifest,
        batch,
        landed_paths,
        prior,
        report,
        source=settings.source,
        run_id=run_id,
        now=now,
    )
    if quarantine is not None:
        files["quarantine"] = {"": quarantine}
    new_state = state_rows(
        batch.state_updates, prior, validated, rewrite.new_revs, batch.rejects, now
    )
    if new_state is not None:
        merged_state = sc.PageStateModel.validate(tf.upsert_by(state, new_state, tf.PAGE_KEY))
        files["pages"] = {"": lk.write_data_file(lake, "pages", "", merged_state, version)}
    if batch.fetch_log:
        rel = fetch_log_file(lake, manifest, batch.fetch_log, run_id, now, version)
        files["fetch_log"] = {"": rel}
    report_counts = {k: v for k, v in report.counts.items()}
    lk.commit(lake, manifest, files, run_id=run_id, unit=unit, report=report_counts, now=now)
