"""`ingest`, the installed command: the library's command line (ingest.cli) with the
Prefect engine plugged in.

`ingest run` and `ingest backfill` run the Prefect flows (flows.daily, flows.backfill) in
this process, with a temporary API server unless PREFECT_API_URL is set, and the project's
Prefect settings (prefect.toml) as defaults, from any directory. Every other command is
the library's own; the library never imports the flows, so the flows hand it the way to
start them (`launch`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from ingest import cli
from ingest.settings import Settings

RunRow = dict[str, Any]


def run_flow(load: Callable[[], Callable[..., Any]], **params: Any) -> RunRow:
    """Run a Prefect flow in this process with the project's Prefect settings (prefect.toml)
    as defaults, from any directory. `load` imports the flow inside those settings."""
    from flows.prefect_settings import project_defaults

    with project_defaults():
        row: RunRow = load()(**params)
        return row


def _daily() -> Callable[..., Any]:
    from flows.daily import daily

    return daily


def _backfill() -> Callable[..., Any]:
    from flows.backfill import backfill

    return backfill


FLOWS: dict[str, Callable[[], Callable[..., Any]]] = {"daily": _daily, "backfill": _backfill}


def launch(flow: str, settings: Settings, **params: Any) -> RunRow:
    """Run the flow named `flow` with `settings` (an ingest.cli.FlowLauncher)."""
    return run_flow(FLOWS[flow], settings=settings, **params)


def main(argv: list[str] | None = None) -> int:
    return cli.main(argv, launch=launch)


if __name__ == "__main__":
    sys.exit(main())
