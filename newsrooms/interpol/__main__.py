"""CLI: python -m newsrooms.interpol serve [--port 0] [--families N] [--page-kb K] [--seed S]
[--max-seconds 600]. Prints the base URL as the first stdout line, then serves."""

from __future__ import annotations

import argparse
import signal
import sys

from newsrooms.server import NewsroomServer

from .site import NewsroomSite


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m newsrooms.interpol")
    sub = ap.add_subparsers(dest="cmd", required=True)
    sp = sub.add_parser("serve", help="serve the fixture newsroom on 127.0.0.1")
    sp.add_argument("--port", type=int, default=0)
    sp.add_argument("--families", type=int, default=None)
    sp.add_argument("--page-kb", type=int, default=20)
    sp.add_argument("--seed", type=int, default=7)
    sp.add_argument(
        "--max-seconds", type=float, default=600.0, help="stop after this many seconds (0 = never)"
    )
    args = ap.parse_args(argv)
    site = NewsroomSite(seed=args.seed, families=args.families, page_kb=args.page_kb)
    srv = NewsroomServer(site, port=args.port, max_seconds=args.max_seconds or None)
    print(srv.base_url, flush=True)

    def _term(signum: int, frame: object) -> None:
        srv.stop()

    signal.signal(signal.SIGTERM, _term)
    try:
        while not srv.wait(0.5):
            pass
    except KeyboardInterrupt:
        srv.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
