"""Translation families: the links between a release and its translations, and the
families (one `translation_key` per family) resolved from them, per source.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl

from ingest import lake as lk
from ingest import schemas as sc
from ingest import transform as tf
from ingest.lake_writer.state import load_pages_state
from ingest.settings import Settings


def resolve_batch_families(
    settings: Settings,
    manifest: lk.Manifest,
    landed: pl.DataFrame,
    alternates: Mapping[str, Sequence[tuple[str, str]]],
    version: int,
) -> tuple[str, str, pl.DataFrame] | None:
    """Translation families recomputed over the whole lake when releases land: the batch's
    links replace its pages' old ones (sitemap links are kept for pages parsed again from
    the raw zone, which come without a sitemap), then the families the batch can reach are
    resolved again (transform.resolve_families; the same result as resolving the whole
    lake, at the cost of the batch). Returns the two new table files and the batch's keys."""
    if landed.height == 0:
        return None
    lake = settings.lake
    old_links = lk.read_data_file(lake, manifest.file("translation_links"), sc.LINKS)
    batch = pl.Series(landed["path"].to_list(), dtype=pl.String).implode()
    relisted = pl.Series(list(alternates), dtype=pl.String).implode()
    new_links = sc.LinkModel.validate(
        tf.link_rows(landed, alternates).unique(
            subset=["source_path", "target_path", "target_language", "signal"],
            keep="first",
            maintain_order=True,
        )
    )
    kept = old_links.filter(
        ~pl.col("source_path").is_in(batch)
        | ((pl.col("signal") == "sitemap") & ~pl.col("source_path").is_in(relisted))
    )
    links = pl.concat([kept, new_links]).sort("source_path", "target_path", "signal")
    all_families = lk.read_data_file(lake, manifest.file("families"), sc.FAMILIES)
    # Families never cross sources (two newsrooms may share paths): this source's releases
    # are resolved, every other source's family rows are kept as they are.
    mine_ids = pl.concat(
        [
            load_pages_state(lake, manifest, source=settings.source)
            .select("release_id")
            .drop_nulls(),
            landed.select("release_id"),
        ]
    )
    mine = pl.col("release_id").is_in(mine_ids["release_id"].implode())
    old_families, other_families = all_families.filter(mine), all_families.filter(~mine)
    members = pl.concat(
        [
            old_families.filter(~pl.col("release_id").is_in(landed["release_id"].implode())).select(
                "release_id", "path", "language"
            ),
            landed.select("release_id", "path", "language"),
        ]
    )
    families = sc.FamilyModel.validate(
        pl.concat(
            [
                other_families,
                tf.resolve_families(
                    members,
                    links,
                    source=settings.source,
                    previous=old_families,
                    touched=landed["path"].to_list(),
                ),
            ]
        ).sort("release_id")
    )
    keys = families.filter(pl.col("release_id").is_in(landed["release_id"].implode())).select(
        "release_id", "translation_key"
    )
    return (
        lk.write_data_file(lake, "translation_links", "", links, version),
        lk.write_data_file(lake, "families", "", families, version),
        keys,
    )
