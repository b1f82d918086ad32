"""`ingest`: the command line. Settings are read here, once, and passed down.

This is the library's side of it. The installed `ingest` command is flows.cli, which calls
`main` with a `FlowLauncher` for the Prefect engine of `run` and `backfill` (the library
never imports the flows); `python -m ingest.cli` has every command, and runs flows with
`--engine plain` only.

    ingest parse FILE --url URL              one saved release page -> JSON
    ingest run [--source NAME|FILE] [--base-url U] [--lake D] [--languages en,fr]   daily flow
    ingest backfill --since D --until D [same options]                  backfill flow, locally
    ingest source [NAME|FILE]                 check a source definition and show it
    ingest query "SQL" [--lake D] [--format table|csv|json|chart]      SQL over the views
    ingest replay [--reason CODE] [--source S] [--lake D]   re-parse quarantined raw pages
    ingest reprocess [--since D] [--languages L] [--method M] [--source S] [--lake D]
                                              re-parse the raw zone
    ingest views [--lake D]                   rebuild <lake>/lake.duckdb (after moving a lake)
    ingest init [--lake D]                    make D a valid empty lake
    ingest report [--lake D] [--out FILE]     the analyst report: one self-contained HTML file

A source is the newsroom a run follows: a built-in name (interpol, the default) or a
source definition file (TOML; README "Sources"). Every setting can also come from INGEST_*
environment variables (INGEST_SOURCE, INGEST_BASE_URL, INGEST_LAKE,
INGEST_REQUESTS_PER_SECOND, INGEST_BATCH_SIZE, INGEST_PARSE_WORKERS, ...); flags win. They
are read once, here, into one Settings passed down.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ingest.errors import ConfigError, IngestError
from ingest.storage import ObjectLake

if TYPE_CHECKING:
    from ingest.settings import Settings

RunRow = dict[str, Any]  # a run's ingest_runs row

EXIT_ERROR = 1
EXIT_NOT_A_RELEASE = 2
EXIT_PARTIAL = 3


def _iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not an ISO date (YYYY-MM-DD)") from None


def _rate(value: str) -> float:
    try:
        rate = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not rate >= 0 or rate == float("inf"):  # also NaN
        raise argparse.ArgumentTypeError(f"{value!r} must be a finite number >= 0") from None
    return rate


def _positive_int(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"{value!r} must be at least 1")
    return n


def _add_source_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--source",
        help="the newsroom: a built-in source name or a source "
        "definition file (default: INGEST_SOURCE or interpol)",
    )


def _add_source_options(p: argparse.ArgumentParser) -> None:
    _add_source_flag(p)
    p.add_argument(
        "--base-url", help="newsroom root (default: INGEST_BASE_URL or the source's base_url)"
    )
    p.add_argument("--lake", help="lake root (default: INGEST_LAKE or data/lake)")
    p.add_argument(
        "--languages",
        help="comma-separated subset of the source's languages (default: all of them)",
    )
    p.add_argument(
        "--rate",
        type=_rate,
        default=None,
        help="max requests per second per host (default 1; 0 = no delay)",
    )
    p.add_argument(
        "--engine",
        choices=["prefect", "plain"],
        default="prefect",
        help="prefect (default): the deployed flow, run locally with retries, "
        "logs and run report; plain: the same steps without Prefect",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ingest", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("parse", help="parse one saved release page and print JSON")
    p.add_argument("file", type=Path)
    p.add_argument("--url", required=True, help="the URL the page was saved from")

    p = sub.add_parser("run", help="run the daily incremental flow locally")
    _add_source_options(p)

    p = sub.add_parser("backfill", help="run the backfill flow over a date range")
    p.add_argument("--since", type=_iso_date, required=True)
    p.add_argument("--until", type=_iso_date, required=True)
    p.add_argument(
        "--parallel",
        type=_positive_int,
        default=2,
        help="chunks (language x year) fetched at once (default 2)",
    )
    _add_source_options(p)

    p = sub.add_parser("query", help="run SQL over the lake's views")
    p.add_argument("sql")
    p.add_argument("--lake")
    p.add_argument("--format", choices=["table", "csv", "json", "chart"], default="table")

    p = sub.add_parser("replay", help="re-parse quarantined pages from the raw zone")
    p.add_argument("--reason", help="only quarantine rows with this reason code")
    _add_source_flag(p)
    p.add_argument("--lake")

    p = sub.add_parser("reprocess", help="re-parse the raw zone with the current parser")
    p.add_argument("--since", type=_iso_date, help="only releases published since this date")
    p.add_argument("--languages", help="comma-separated subset of the source's languages")
    p.add_argument(
        "--method",
        action="append",
        choices=["dom", "json_ld", "trafilatura"],
        help="only releases whose body came from this extraction path "
        "(repeatable), e.g. the fallback's after a parser change",
    )
    _add_source_flag(p)
    p.add_argument("--lake")

    p = sub.add_parser("source", help="check a source definition and show what it defines")
    p.add_argument(
        "ref",
        nargs="?",
        default=None,
        help="a built-in source name or a .toml file (default: list the built-in)",
    )

    p = sub.add_parser("views", help="rebuild <lake>/lake.duckdb (e.g. after moving a lake)")
    p.add_argument("--lake")

    p = sub.add_parser("init", help="make a directory (or s3:// prefix) a valid empty lake")
    p.add_argument("--lake")

    p = sub.add_parser("report", help="write the analyst report (self-contained HTML)")
    p.add_argument("--lake")
    p.add_argument("--out", type=Path, help="output file (default: <lake>/report.html)")
    return parser


def cmd_parse(args: argparse.Namespace) -> int:
    """Print the release JSON; a refused page prints its reason on stderr (one line) and
    what was found on it as JSON on stdout ({"reason", "detail", "found"}), exit 2."""
    from ingest.extract import Rejection, extract

    try:
        html = args.file.read_bytes()
    except OSError as exc:
        print(f"error: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return EXIT_ERROR
    out = extract(html, args.url)
    if isinstance(out, Rejection):
        print(f"error: {out.error()}".replace("\n", " "), file=sys.stderr)
        found = out.found.summary() if out.found is not None else None
        print(
            json.dumps(
                {"reason": out.reason, "detail": out.detail, "found": found},
                ensure_ascii=False,
                indent=2,
            )
        )
        return EXIT_NOT_A_RELEASE
    print(json.dumps(out.to_dict(), ensure_ascii=False, indent=2))
    return 0


def _settings(args: argparse.Namespace, *, create: bool) -> Settings:
    """The run's one Settings, from the flags, then INGEST_* variables, then defaults; the
    lake path is checked here, so a wrong one is a one-line error before any work."""
    from ingest import lake as lk
    from ingest.settings import load_settings

    overrides: dict[str, Any] = {}
    if getattr(args, "rate", None) is not None:
        overrides["requests_per_second"] = args.rate
    settings = load_settings(
        base_url=getattr(args, "base_url", None),
        lake=args.lake,
        languages=getattr(args, "languages", None),
        source=getattr(args, "source", None),
        **overrides,
    )
    lk.check_lake(settings.lake, create=create)
    return settings


def _run_plain(settings: Settings, flow: str, mode: str, **options: Any) -> RunRow:
    import logging

    from ingest import runner

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr
    )
    row = runner.run(settings, flow, mode, **options)
    row.pop("report", None)
    return row


class FlowLauncher(Protocol):
    """Runs the Prefect flow `flow` ("daily" | "backfill") with one Settings and the flow's
    other parameters; returns the run's ingest_runs row. The orchestrator passes one to
    `main` (flows.cli, the installed `ingest` command): the library never imports it."""

    def __call__(self, flow: str, settings: Settings, **params: Any) -> RunRow: ...


def _launch(args: argparse.Namespace, flow: str, settings: Settings, **params: Any) -> RunRow:
    launch: FlowLauncher | None = getattr(args, "launch", None)
    if launch is None:
        raise ConfigError(
            f"`{flow}` with --engine prefect runs the Prefect flow, which this entry point "
            "cannot start: use the `ingest` command (or `python -m flows.cli`), or pass "
            "--engine plain"
        )
    return launch(flow, settings, **params)


def cmd_run(args: argparse.Namespace) -> int:
    settings = _settings(args, create=True)
    if args.engine == "plain":
        row = _run_plain(settings, "daily", "daily")
    else:
        row = _launch(args, "daily", settings)
    _print_run(row)
    return _exit_code(row)


def cmd_backfill(args: argparse.Namespace) -> int:
    if args.since > args.until:
        raise ConfigError(f"--since {args.since} is after --until {args.until}")
    settings = _settings(args, create=True)
    options = {"since": args.since, "until": args.until, "parallel": args.parallel}
    if args.engine == "plain":
        row = _run_plain(settings, "backfill", "backfill", **options)
    else:
        row = _launch(args, "backfill", settings, **options)
    _print_run(row)
    return _exit_code(row)


def _exit_code(row: RunRow) -> int:
    """0 completed, 3 partial (resumable), 1 failed (the reason on stderr, one line)."""
    if row["status"] == "failed":
        print(
            f"error: run {row['run_id']} failed: {row.get('error')}".splitlines()[0],
            file=sys.stderr,
        )
        return EXIT_ERROR
    return 0 if row["status"] == "completed" else EXIT_PARTIAL


def _print_run(row: RunRow) -> None:
    keys = (
        "discovered",
        "fetched",
        "new",
        "updated",
        "unchanged",
        "quarantined",
        "failed",
        "gone",
        "requests",
    )
    counts = ", ".join(f"{k} {row[k]}" for k in keys)
    print(f"run {row['run_id']} ({row['flow']}): {row['status']}: {counts}")


def _lake(value: str | None) -> Path | ObjectLake:
    """An existing lake (one-line error for a missing path, a file, a non-lake)."""
    return _settings(argparse.Namespace(lake=value), create=False).lake


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


def cmd_init(args: argparse.Namespace) -> int:
    from ingest import lake as lk
    from ingest import views

    settings = _settings(args, create=True)
    manifest = lk.init_lake(settings.lake)
    built = views.build_views_db(settings.lake)
    print(
        f"lake {settings.lake}: manifest version {manifest.version}, "
        f"{len(manifest.all_files())} data files" + (f"; views in {built}" if built else "")
    )
    return 0


def cmd_source(args: argparse.Namespace) -> int:
    from ingest.source import builtin_names, load_source

    if args.ref is None:
        for name in builtin_names():
            src = load_source(name)
            print(f"{name}: {src.name}, {src.base_url}, {','.join(src.languages)}")
        print("(or give a source definition file: ingest source path/to/file.toml)")
        return 0
    src = load_source(args.ref)
    print(f"source {src.id} ({src.name}) from {src.origin}: OK")
    print(
        f"  base_url       {src.base_url}"
        + (f" (+ {', '.join(src.allowed_hosts)})" if src.allowed_hosts else "")
    )
    print(f"  languages      {', '.join(src.languages)}")
    print(f"  sitemaps       {', '.join(src.sitemap_paths) or '-'} (and robots.txt Sitemap:)")
    if src.feed_page_param:
        print(f"  feed paging    ?{src.feed_page_param}=N")
    rate = src.requests_per_second
    print(f"  politeness     {1.0 if rate is None else rate:g} requests/s per host")
    for lang in src.languages:
        print(f"  [{lang}] article  {src.article_patterns[lang]}")
        print(f"       listings {', '.join(src.listing_paths.get(lang, ())) or '-'}")
        print(f"       feeds    {', '.join(src.feed_paths.get(lang, ())) or '-'}")
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    from ingest import maintenance

    _print_run(maintenance.replay(_settings(args, create=False), reason=args.reason))
    return 0


def cmd_reprocess(args: argparse.Namespace) -> int:
    from ingest import maintenance

    row = maintenance.reprocess(
        _settings(args, create=False), since=args.since, methods=args.method
    )
    _print_run(row)
    print(f"re-parsed with the new parser version only: {row['reparsed']}")
    print(
        "releases by extraction method now: "
        + ", ".join(f"{m} {n}" for m, n in row["methods"].items())
    )
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from ingest import analyst_report

    lake = _lake(args.lake)
    if not isinstance(lake, Path):
        raise ConfigError("ingest report writes a local file: give a local --lake")
    print(analyst_report.write_report(lake, args.out))
    return 0


COMMANDS = {
    "parse": cmd_parse,
    "run": cmd_run,
    "backfill": cmd_backfill,
    "query": cmd_query,
    "views": cmd_views,
    "replay": cmd_replay,
    "reprocess": cmd_reprocess,
    "init": cmd_init,
    "source": cmd_source,
    "report": cmd_report,
}


def main(argv: list[str] | None = None, *, launch: FlowLauncher | None = None) -> int:
    """The library's commands; `run` and `backfill` with the Prefect engine (the default)
    need `launch`, which the installed `ingest` command (flows.cli) passes."""
    args = build_parser().parse_args(argv)
    args.launch = launch
    try:
        return COMMANDS[args.command](args)
    except IngestError as exc:
        print(f"error: {exc}".splitlines()[0], file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
