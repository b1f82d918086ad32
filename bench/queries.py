"""Analyst queries over the lake's DuckDB views (`ingest.views.connect`), timed."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from ingest import views

QUERIES: dict[str, str] = {
    "count_by_language_year": """
        SELECT language, year, count(*) AS n FROM releases GROUP BY ALL ORDER BY ALL""",
    "top_speakers": """
        SELECT speaker, count(*) AS quotes, count(DISTINCT release_id) AS releases
        FROM quotes WHERE speaker IS NOT NULL
        GROUP BY speaker ORDER BY quotes DESC LIMIT 10""",
    "releases_per_dateline": """
        SELECT dateline, count(*) AS n FROM releases WHERE dateline IS NOT NULL
        GROUP BY dateline ORDER BY n DESC LIMIT 20""",
    "fulltext_ilike_body": """
        SELECT language, count(*) AS n FROM releases
        WHERE body_text ILIKE '%firearms trafficking%' GROUP BY language ORDER BY language""",
    "translation_family_join": """
        SELECT f.language, count(*) AS pairs, avg(f.word_count - e.word_count) AS words_diff
        FROM releases e JOIN releases f
          ON f.translation_key = e.translation_key AND f.language <> e.language
        WHERE e.language = 'en' GROUP BY f.language ORDER BY f.language""",
    "families_view": """
        SELECT versions, count(*) AS families FROM release_families
        GROUP BY versions ORDER BY versions""",
    "window_30d_busiest": """
        SELECT language, published_date, n_30d FROM (
          SELECT language, published_date,
                 count(*) OVER (PARTITION BY language ORDER BY published_date
                   RANGE BETWEEN INTERVAL 29 DAYS PRECEDING AND CURRENT ROW) AS n_30d
          FROM releases)
        QUALIFY row_number() OVER (PARTITION BY language ORDER BY n_30d DESC,
                                   published_date) = 1
        ORDER BY language""",
    "monthly_trend_lag": """
        SELECT month, n, n - lag(n) OVER (ORDER BY month) AS change FROM (
          SELECT date_trunc('month', published_date) AS month, count(*) AS n
          FROM releases GROUP BY ALL) ORDER BY month""",
    "blocks_headings_per_year": """
        SELECT year, count(*) AS headings FROM release_blocks WHERE kind = 'heading'
        GROUP BY year ORDER BY year""",
}


def time_queries(lake: Path, runs: int = 7, queries: dict[str, str] | None = None) -> dict:
    """{name: {cold_ms, p50_ms, max_ms, rows}} over one in-memory connection."""
    queries = queries or QUERIES
    t0 = time.perf_counter()
    con = views.connect(lake)
    out: dict[str, dict] = {"_connect_ms": {"ms": 1000 * (time.perf_counter() - t0)}}
    try:
        for name, sql in queries.items():
            t = time.perf_counter()
            rows = con.execute(sql).fetchall()
            cold = time.perf_counter() - t
            times = []
            for _ in range(runs):
                t = time.perf_counter()
                con.execute(sql).fetchall()
                times.append(time.perf_counter() - t)
            out[name] = {
                "cold_ms": 1000 * cold,
                "p50_ms": 1000 * statistics.median(times),
                "max_ms": 1000 * max(times),
                "rows": len(rows),
            }
    finally:
        con.close()
    return out
