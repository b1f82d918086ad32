"""The archive-scale fixture newsroom in its own process, driven over stdin/stdout.

    python -m bench.serve --families 2560 --page-kb 100

prints one JSON line `{"base_url": ...}`, then answers one JSON line per command line:

    {"cmd": "next_day", "new": 5, "edits": 3}  -> {"date", "added", "edited"}
    {"cmd": "stats"}                           -> request counts since the last "clear"
    {"cmd": "clear"}                           -> {}
    {"cmd": "quit"}                            -> {} and the server stops

Sitemaps are rendered when the site changes (start, next_day), as a real newsroom publishes
them, so a crawler's request costs the server a lookup, not a render.
EOF on stdin stops the server too, so it never outlives the benchmark. Its own process
keeps the server's CPU (and GIL) out of the measured run.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter

from newsrooms.interpol import NewsroomServer, NewsroomSite


def request_stats(srv: NewsroomServer) -> dict:
    """Requests since the last clear, by kind (article/sitemap/robots/listing) and status."""
    site = srv.site
    kinds: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    article_paths: Counter[str] = Counter()
    for _method, target, status, _headers in srv.requests:
        path = target.split("?", 1)[0]
        if site.is_article_path(path):
            kind = "article"
            article_paths[path] += 1
        elif path.startswith("/sitemap"):
            kind = "sitemap"
        elif path == "/robots.txt":
            kind = "robots"
        else:
            kind = "listing"
        kinds[kind] += 1
        statuses[f"{kind}:{status}"] += 1
    return {
        "total": sum(kinds.values()),
        "by_kind": dict(kinds),
        "by_status": dict(statuses),
        "article_pages": len(article_paths),
        "article_repeats": sum(n - 1 for n in article_paths.values()),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.serve")
    ap.add_argument("--families", type=int, required=True)
    ap.add_argument("--page-kb", type=int, default=100)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--max-seconds", type=float, default=4 * 3600)
    args = ap.parse_args(argv)
    site = NewsroomSite(seed=args.seed, families=args.families, page_kb=args.page_kb)
    srv = NewsroomServer(site, max_seconds=args.max_seconds)
    site.publish_sitemaps(srv.base_url)
    print(json.dumps({"base_url": srv.base_url, "pages": site.page_count()}), flush=True)
    try:
        for line in sys.stdin:
            if not line.strip():
                continue
            cmd = json.loads(line)
            name = cmd.get("cmd")
            if name == "next_day":
                r = site.next_day(new=int(cmd["new"]), edits=int(cmd["edits"]))
                site.publish_sitemaps(srv.base_url)
                out: dict = {
                    "date": r["date"].isoformat(),
                    "added": r["added"],
                    "edited": r["edited"],
                    "pages": site.page_count(),
                }
            elif name == "stats":
                out = request_stats(srv)
            elif name == "clear":
                srv.clear_log()
                out = {}
            elif name == "quit":
                print("{}", flush=True)
                break
            else:
                out = {"error": f"unknown command {name!r}"}
            print(json.dumps(out), flush=True)
    finally:
        srv.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
