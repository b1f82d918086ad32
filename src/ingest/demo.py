"""`ingest demo`: serve the fixture newsroom on 127.0.0.1, run the daily flow twice into the
lake, then show what an analyst sees. The server runs in this process and stops with it."""

from __future__ import annotations

import dataclasses
import sys
import time
from collections.abc import Callable
from pathlib import Path

from ingest import output, views
from ingest.settings import LANGUAGES, Settings

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


def _shown(path: Path) -> str:
    """A path as the user can type it from here: relative when it is below the CWD."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def run_demo(settings: Settings, run_flow: Callable[..., dict],
             load_daily: Callable[[], Callable[..., dict]]) -> int:
    """Serve the fixture newsroom, run the daily flow on it twice into `settings.lake`, show
    the analyst queries. `run_flow(load_daily, settings=...)` runs the flow (the CLI gives
    its own runner, so this module never imports the flows)."""
    from ingest.newsroom import NewsroomServer, NewsroomSite

    lake = settings.lake
    with NewsroomServer(NewsroomSite(), max_seconds=900) as server:
        print(f"fixture newsroom serving on {server.base_url} (stops with this process)")
        # Our own server on loopback: no politeness delay.
        run = dataclasses.replace(settings, base_url=server.base_url, requests_per_second=0.0,
                                  languages=LANGUAGES)
        for attempt in ("first", "second"):
            t0 = time.perf_counter()
            row = run_flow(load_daily, settings=run)
            print(f"{attempt} daily run: {row['status']} in {time.perf_counter() - t0:.1f} s: "
                  f"fetched {row['fetched']}, new {row['new']}, updated {row['updated']}, "
                  f"unchanged {row['unchanged']}, quarantined {row['quarantined']}, "
                  f"failed {row['failed']}, requests {row['requests']}")
    for title, fmt, sql in DEMO_QUERIES:
        print(f"\n== {title}\n-- {sql}")
        print(output.render(views.run_query(lake, sql), fmt), end="")
    from ingest.analyst_report import write_report

    print(f"\nAnalyst report (charts, opens offline): {_shown(write_report(lake))}")
    bin_dir = Path(sys.executable).parent
    where = _shown(lake) if isinstance(lake, Path) else str(lake)
    print(f"\nLake: {lake}")
    if isinstance(lake, Path):
        print(f"Open it in DuckDB:  {_shown(bin_dir / 'duckdb')} "
              f"{_shown(lake / views.VIEWS_DB)}")
    print(f"Ask it from here:   {_shown(bin_dir / 'ingest')} query "
          f"\"SELECT * FROM releases LIMIT 5\" --lake {where}")
    return 0
