"""CLI: python -m newsrooms.wordpress serve [--port 0] [--max-seconds 600]. Prints the base
URL as the first stdout line, then serves until SIGTERM, Ctrl-C or max-seconds."""

from __future__ import annotations

import argparse
import signal
import sys

from newsrooms.server import NewsroomServer

from .site import WordPressSite


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m newsrooms.wordpress")
    sub = ap.add_subparsers(dest="cmd", required=True)
    sp = sub.add_parser("serve", help="serve the WordPress-like fixture on 127.0.0.1")
    sp.add_argument("--port", type=int, default=0)
    sp.add_argument(
        "--max-seconds", type=float, default=600.0, help="stop after this many seconds (0 = never)"
    )
    args = ap.parse_args(argv)
    srv = NewsroomServer(WordPressSite(), port=args.port, max_seconds=args.max_seconds or None)
    print(srv.base_url, flush=True)
    signal.signal(signal.SIGTERM, lambda signum, frame: srv.stop())
    try:
        while not srv.wait(0.5):
            pass
    except KeyboardInterrupt:
        srv.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
