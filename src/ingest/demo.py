"""`ingest demo`: serve the fixture newsroom on 127.0.0.1, run the daily flow twice into the
lake, then show what an analyst sees. The server runs in this process and stops with it."""

from __future__ import annotations

import os
import time
from pathlib import Path

from ingest import output, views
from ingest.settings import LANGUAGES

DEMO_QUERIES: list[tuple[str, str, str]] = [
    ("Releases per language and year", "chart",
     "SELECT language, year, count(*) AS releases FROM releases "
     "GROUP BY ALL ORDER BY language, year"),
    ("Where: stories by dateline country (English versions)", "chart",
     "SELECT country, count(*) AS stories FROM release_places WHERE language = 'en' "
     "AND country IS NOT NULL "
     "GROUP BY ALL ORDER BY stories DESC, country LIMIT 10"),
    ("Which operations, and in how many languages", "table",
     "SELECT operation, count(DISTINCT translation_key) AS stories, "
     "list(DISTINCT language ORDER BY language) AS languages FROM release_operations "
     "GROUP BY 1 ORDER BY stories DESC, operation LIMIT 8"),
    ("Which crimes: stories mentioning each (regex search across languages)", "chart",
     "SELECT 'drugs' AS crime, count(DISTINCT translation_key) AS stories FROM releases "
     "WHERE regexp_matches(body_text, 'cocaine|cocaïne|cocaína|كوكايين|drug|drogue|droga', 'i') "
     "UNION ALL SELECT 'trafficking in human beings', count(DISTINCT translation_key) FROM "
     "releases WHERE regexp_matches(body_text, 'trafficking|traite|trata|الاتجار', 'i') "
     "UNION ALL SELECT 'cybercrime', count(DISTINCT translation_key) FROM releases WHERE "
     "regexp_matches(body_text, 'cyber|ransomware|rançongiciel|السيبري', 'i') "
     "ORDER BY stories DESC"),
    ("One release, every language (translation_key)", "table",
     "SELECT translation_key, languages, title_en FROM release_families "
     "ORDER BY versions DESC, published_date DESC LIMIT 5"),
    ("Who said what", "table",
     "SELECT r.language, q.speaker, left(q.text, 70) AS quote FROM quotes q "
     "JOIN releases r USING (release_id) WHERE q.speaker IS NOT NULL "
     "ORDER BY r.published_date DESC, q.ordinal LIMIT 8"),
    ("Quarantine: pages we could not use, and why", "table",
     "SELECT stage, reason, url FROM quarantine ORDER BY stage, reason, url"),
    ("Runs", "table",
     "SELECT flow, status, discovered, fetched, new, updated, unchanged, quarantined, failed, "
     "requests, round(duration_s, 1) AS seconds FROM ingest_runs ORDER BY started_at"),
]


def run_demo(lake: Path) -> int:
    from flows.daily import daily
    from ingest.newsroom import NewsroomServer, NewsroomSite

    os.environ.setdefault("INGEST_REQUESTS_PER_SECOND", "0")  # our own server: no delay
    lake = lake.resolve()
    with NewsroomServer(NewsroomSite(), max_seconds=900) as server:
        print(f"fixture newsroom serving on {server.base_url} (stops with this process)")
        for attempt in ("first", "second"):
            t0 = time.perf_counter()
            row = daily(base_url=server.base_url, lake=str(lake), languages=list(LANGUAGES))
            print(f"{attempt} daily run: {row['status']} in {time.perf_counter() - t0:.1f} s: "
                  f"fetched {row['fetched']}, new {row['new']}, updated {row['updated']}, "
                  f"unchanged {row['unchanged']}, quarantined {row['quarantined']}, "
                  f"failed {row['failed']}, requests {row['requests']}")
    for title, fmt, sql in DEMO_QUERIES:
        print(f"\n== {title}\n-- {sql}")
        print(output.render(views.run_query(lake, sql), fmt), end="")
    from ingest.analyst_report import write_report

    print(f"\nAnalyst report (charts, opens offline): {write_report(lake)}")
    print(f"\nLake: {lake}\nOpen it in DuckDB: duckdb {lake / views.VIEWS_DB}\n"
          f"or: uv run ingest query \"SELECT * FROM releases LIMIT 5\" --lake {lake}")
    return 0
