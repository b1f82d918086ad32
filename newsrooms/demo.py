"""The demo (`make demo`, i.e. `python -m newsrooms.demo`): serve the two fixture newsrooms
on 127.0.0.1 (INTERPOL-like, and WordPress-like), run the daily flow twice on each into one
lake (each through its source definition), then show what an analyst sees. The servers run
in this process and stop with it.

It lives in the development package, beside the fixtures it serves: the product (`ingest`,
`flows`) never imports a fixture.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from collections.abc import Callable
from pathlib import Path

from ingest import output, views
from ingest.errors import IngestError
from ingest.settings import LANGUAGES, Settings

DEMO_QUERIES: list[tuple[str, str, str]] = [
    (
        "Two newsrooms, one lake: releases per source and language",
        "table",
        "SELECT source, language, count(*) AS releases, min(published_date) AS first, "
        "max(published_date) AS last FROM releases GROUP BY ALL ORDER BY source, language",
    ),
    (
        "Releases per language and year",
        "chart",
        "SELECT language, year, count(*) AS releases FROM releases "
        "GROUP BY ALL ORDER BY language, year",
    ),
    (
        "Where: stories by dateline country (English versions)",
        "chart",
        "SELECT country, count(*) AS stories FROM release_places WHERE language = 'en' "
        "AND country IS NOT NULL "
        "GROUP BY ALL ORDER BY stories DESC, country LIMIT 10",
    ),
    (
        "Which operations, and in how many languages",
        "table",
        "SELECT operation, count(DISTINCT translation_key) AS stories, "
        "list(DISTINCT language ORDER BY language) AS languages FROM release_operations "
        "GROUP BY 1 ORDER BY stories DESC, operation LIMIT 8",
    ),
    (
        "Which crimes: stories mentioning each (regex search across languages)",
        "chart",
        "SELECT 'drugs' AS crime, count(DISTINCT translation_key) AS stories FROM releases "
        "WHERE regexp_matches(body_text, 'cocaine|cocaïne|cocaína|كوكايين|drug|drogue|droga', 'i') "
        "UNION ALL SELECT 'trafficking in human beings', count(DISTINCT translation_key) FROM "
        "releases WHERE regexp_matches(body_text, 'trafficking|traite|trata|الاتجار', 'i') "
        "UNION ALL SELECT 'cybercrime', count(DISTINCT translation_key) FROM releases WHERE "
        "regexp_matches(body_text, 'cyber|ransomware|rançongiciel|السيبري', 'i') "
        "ORDER BY stories DESC",
    ),
    (
        "One release, every language (translation_key)",
        "table",
        "SELECT translation_key, languages, title_en FROM release_families "
        "ORDER BY versions DESC, published_date DESC LIMIT 5",
    ),
    (
        "Who said what",
        "table",
        "SELECT r.language, q.speaker, left(q.text, 70) AS quote FROM quotes q "
        "JOIN releases r USING (release_id) WHERE q.speaker IS NOT NULL "
        "ORDER BY r.published_date DESC, q.ordinal LIMIT 8",
    ),
    (
        "Quarantine: pages we could not use, and why",
        "table",
        "SELECT stage, reason, url FROM quarantine ORDER BY stage, reason, url",
    ),
    (
        "Runs",
        "table",
        "SELECT source, flow, status, discovered, fetched, new, updated, unchanged, quarantined, "
        "failed, requests, round(duration_s, 1) AS seconds FROM ingest_runs ORDER BY started_at",
    ),
]


def _shown(path: Path) -> str:
    """A path as the user can type it from here: relative when it is below the CWD."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def run_demo(
    settings: Settings, run_flow: Callable[..., dict], load_daily: Callable[[], Callable[..., dict]]
) -> int:
    """Serve the fixture newsrooms, run the daily flow on each twice into `settings.lake`,
    show the analyst queries. `run_flow(load_daily, settings=...)` runs the flow."""
    from ingest.settings import load_settings
    from newsrooms.interpol import NewsroomServer, NewsroomSite
    from newsrooms.wordpress import SOURCE_FILE, WordPressSite

    lake = settings.lake
    with (
        NewsroomServer(NewsroomSite(), max_seconds=900) as server,
        NewsroomServer(WordPressSite(), max_seconds=900) as wp_server,
    ):
        print(
            f"fixture newsroom (INTERPOL-like) serving on {server.base_url}; "
            f"WordPress-like on {wp_server.base_url} (both stop with this process)"
        )
        # Our own servers on loopback: no politeness delay.
        runs = [
            (
                "interpol: built-in source, sitemaps + listings",
                dataclasses.replace(
                    settings, base_url=server.base_url, requests_per_second=0.0, languages=LANGUAGES
                ),
            ),
            (
                f"nsca: source file {_shown(SOURCE_FILE)}, RSS/Atom feeds",
                load_settings(
                    source=str(SOURCE_FILE), base_url=wp_server.base_url, lake=lake, env={}
                ),
            ),
        ]
        for attempt in ("first", "second"):
            for label, run in runs:
                t0 = time.perf_counter()
                row = run_flow(load_daily, settings=run)
                print(
                    f"{attempt} daily run [{label}]: {row['status']} in "
                    f"{time.perf_counter() - t0:.1f} s: fetched {row['fetched']}, new "
                    f"{row['new']}, updated {row['updated']}, unchanged {row['unchanged']}, "
                    f"quarantined {row['quarantined']}, failed {row['failed']}, requests "
                    f"{row['requests']}"
                )
    for title, fmt, sql in DEMO_QUERIES:
        print(f"\n== {title}\n-- {sql}")
        print(output.render(views.run_query(lake, sql), fmt), end="")
    from ingest.analyst_report import write_report

    print(f"\nAnalyst report (charts, opens offline): {_shown(write_report(lake))}")
    bin_dir = Path(sys.executable).parent
    where = _shown(lake) if isinstance(lake, Path) else str(lake)
    print(f"\nLake: {lake}")
    if isinstance(lake, Path):
        print(f"Open it in DuckDB:  {_shown(bin_dir / 'duckdb')} {_shown(lake / views.VIEWS_DB)}")
    print(
        f"Ask it from here:   {_shown(bin_dir / 'ingest')} query "
        f'"SELECT * FROM releases LIMIT 5" --lake {where}'
    )
    return 0


def _daily() -> Callable[..., dict]:
    from flows.daily import daily

    return daily  # type: ignore[return-value]


def main(argv: list[str] | None = None) -> int:
    from flows.cli import run_flow
    from ingest import lake as lk
    from ingest.settings import load_settings

    ap = argparse.ArgumentParser(
        prog="python -m newsrooms.demo",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--lake", default="data/lake", help="lake root (default data/lake)")
    args = ap.parse_args(argv)
    try:
        settings = load_settings(lake=args.lake)
        lk.check_lake(settings.lake, create=True)
        return run_demo(settings, run_flow, _daily)
    except IngestError as exc:
        print(f"error: {exc}".splitlines()[0], file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
