"""`ingest`: the command line. Settings are read here, once, and passed down.

    ingest parse FILE --url URL              one saved release page -> JSON
    ingest run [--base-url U] [--lake D] [--languages en,fr,es,ar]      daily flow, locally
    ingest backfill --since D --until D [same options]                  backfill flow, locally
    ingest query "SQL" [--lake D] [--format table|csv|json|chart]      SQL over the views
    ingest replay [--reason CODE] [--lake D]  re-parse quarantined raw pages, no refetch
    ingest reprocess [--since D] [--languages L] [--lake D]   re-parse the raw zone
    ingest views [--lake D]                   rebuild <lake>/lake.duckdb
    ingest demo [--lake D]                    fixture newsroom on 127.0.0.1 -> daily flow -> queries
    ingest report [--lake D] [--out FILE]     the analyst report: one self-contained HTML file
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date
from pathlib import Path

from ingest.errors import ConfigError, ExtractError, IngestError
from ingest.storage import ObjectLake

EXIT_ERROR = 1
EXIT_NOT_A_RELEASE = 2


def _prefect_defaults() -> None:
    """Prefect settings that make a local run start reliably and quietly on 2 cores.

    Set before Prefect is imported; explicit environment values still win. They mirror
    prefect.toml, which Prefect only reads from the current directory.
    """
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO")
    os.environ.setdefault("PREFECT_TASKS_DEFAULT_NO_CACHE", "true")


def _iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not an ISO date (YYYY-MM-DD)") from None


def _add_source_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--base-url", help="newsroom root (default: INGEST_BASE_URL or the live site)")
    p.add_argument("--lake", help="lake root (default: INGEST_LAKE or data/lake)")
    p.add_argument("--languages", help="comma-separated subset of en,fr,es,ar")
    p.add_argument("--rate", type=float, default=None,
                   help="max requests per second per host (default 1; 0 = no delay)")
    p.add_argument("--engine", choices=["prefect", "plain"], default="prefect",
                   help="prefect (default): the deployed flow, run locally with retries, "
                        "logs and run report; plain: the same steps without Prefect")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ingest", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("parse", help="parse one saved release page and print JSON")
    p.add_argument("file", type=Path)
    p.add_argument("--url", required=True, help="the URL the page was saved from")

    p = sub.add_parser("run", help="run the daily incremental flow locally")
    _add_source_options(p)

    p = sub.add_parser("backfill", help="run the backfill flow over a date range")
    p.add_argument("--since", type=_iso_date, required=True)
    p.add_argument("--until", type=_iso_date, required=True)
    p.add_argument("--parallel", type=int, default=2,
                   help="chunks (language x year) fetched at once (default 2)")
    _add_source_options(p)

    p = sub.add_parser("query", help="run SQL over the lake's views")
    p.add_argument("sql")
    p.add_argument("--lake")
    p.add_argument("--format", choices=["table", "csv", "json", "chart"], default="table")

    p = sub.add_parser("replay", help="re-parse quarantined pages from the raw zone")
    p.add_argument("--reason", help="only quarantine rows with this reason code")
    p.add_argument("--lake")

    p = sub.add_parser("reprocess", help="re-parse the raw zone with the current parser")
    p.add_argument("--since", type=_iso_date, help="only releases published since this date")
    p.add_argument("--languages", help="comma-separated subset of en,fr,es,ar")
    p.add_argument("--lake")

    p = sub.add_parser("views", help="rebuild <lake>/lake.duckdb")
    p.add_argument("--lake")

    p = sub.add_parser("report", help="write the analyst report (self-contained HTML)")
    p.add_argument("--lake")
    p.add_argument("--out", type=Path, help="output file (default: <lake>/report.html)")

    p = sub.add_parser("demo", help="serve the fixture newsroom and run the daily flow on it")
    p.add_argument("--lake", default="data/lake")
    return parser


def cmd_parse(args: argparse.Namespace) -> int:
    from ingest.extract import extract_release

    try:
        html = args.file.read_bytes()
    except OSError as exc:
        print(f"error: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return EXIT_ERROR
    try:
        release = extract_release(html, args.url)
    except ExtractError as exc:
        print(f"error: {exc}".replace("\n", " "), file=sys.stderr)
        return EXIT_NOT_A_RELEASE
    print(json.dumps(release.to_dict(), ensure_ascii=False, indent=2))
    return 0


def _settings_env(args: argparse.Namespace) -> None:
    if getattr(args, "rate", None) is not None:
        os.environ["INGEST_REQUESTS_PER_SECOND"] = str(args.rate)


def _run_plain(settings: object, flow: str, mode: str, **options: object) -> dict:
    import logging

    from ingest import runner

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s",
                        stream=sys.stderr)
    row = runner.run(settings, flow, mode, **options)  # type: ignore[arg-type]
    row.pop("report", None)
    return row


def cmd_run(args: argparse.Namespace) -> int:
    from ingest.settings import load_settings

    _settings_env(args)
    settings = load_settings(base_url=args.base_url, lake=args.lake, languages=args.languages)
    if args.engine == "plain":
        row = _run_plain(settings, "daily", "daily")
    else:
        from flows.daily import daily

        row = daily(base_url=settings.base_url, lake=str(settings.lake),
                    languages=list(settings.languages))
    _print_run(row)
    return 0 if row["status"] == "completed" else 3


def cmd_backfill(args: argparse.Namespace) -> int:
    from ingest.settings import load_settings

    if args.since > args.until:
        raise ConfigError(f"--since {args.since} is after --until {args.until}")
    _settings_env(args)
    settings = load_settings(base_url=args.base_url, lake=args.lake, languages=args.languages)
    if args.engine == "plain":
        row = _run_plain(settings, "backfill", "backfill", since=args.since, until=args.until,
                         parallel=args.parallel)
    else:
        from flows.backfill import backfill

        row = backfill(since=args.since, until=args.until, base_url=settings.base_url,
                       lake=str(settings.lake), languages=list(settings.languages),
                       parallel=args.parallel)
    _print_run(row)
    return 0 if row["status"] == "completed" else 3


def _print_run(row: dict) -> None:
    keys = ("discovered", "fetched", "new", "updated", "unchanged", "quarantined", "failed",
            "gone", "requests")
    counts = ", ".join(f"{k} {row[k]}" for k in keys)
    print(f"run {row['run_id']} ({row['flow']}): {row['status']}: {counts}")


def _lake(value: str | None) -> Path | ObjectLake:
    from ingest.settings import load_settings

    return load_settings(lake=value).lake


def cmd_query(args: argparse.Namespace) -> int:
    from ingest import output, views

    frame = views.run_query(_lake(args.lake), args.sql)
    sys.stdout.write(output.render(frame, args.format))
    return 0


def cmd_views(args: argparse.Namespace) -> int:
    from ingest import views

    built = views.build_views_db(_lake(args.lake))
    print(built or "no views file for an object-store lake: use `ingest query --lake s3://...`")
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    from ingest import maintenance

    _print_run(maintenance.replay(_lake(args.lake), reason=args.reason))
    return 0


def cmd_reprocess(args: argparse.Namespace) -> int:
    from ingest import maintenance
    from ingest.settings import parse_languages

    row = maintenance.reprocess(_lake(args.lake), since=args.since,
                                languages=parse_languages(args.languages))
    _print_run(row)
    print(f"re-parsed with the new parser version only: {row['reparsed']}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from ingest import analyst_report

    lake = _lake(args.lake)
    if not isinstance(lake, Path):
        raise ConfigError("ingest report writes a local file: give a local --lake")
    print(analyst_report.write_report(lake, args.out))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from ingest import demo

    return demo.run_demo(Path(args.lake))


COMMANDS = {"parse": cmd_parse, "run": cmd_run, "backfill": cmd_backfill, "query": cmd_query,
            "views": cmd_views, "replay": cmd_replay, "reprocess": cmd_reprocess,
            "demo": cmd_demo, "report": cmd_report}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command in ("run", "backfill", "demo"):
        _prefect_defaults()
    try:
        return COMMANDS[args.command](args)
    except IngestError as exc:
        print(f"error: {exc}".splitlines()[0], file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
