"""Per-page cost of the analyst layer next to extraction, on the archive fixture pages.

    python -m bench.analysis_cost [--pages 400] [--families 2000]

Serves nothing: pages are rendered by `NewsroomSite(page_kb=100)` (the same generator
`make bench` serves), extracted with `extract_release`, normalised by the transform like
the pipeline does, then analysed. Extraction and analysis are timed page by page,
interleaved, on one core. A measurement, not a test.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime

from ingest import transform as tf
from ingest.analysis.release import analyze
from ingest.extract import PARSER_VERSION, extract_release
from ingest.newsroom import NewsroomSite


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=400)
    ap.add_argument("--families", type=int, default=2000)
    args = ap.parse_args(argv)
    site = NewsroomSite(families=args.families, page_kb=100)
    paths = site.article_paths()[:: max(1, len(site.article_paths()) // args.pages)]
    paths = paths[: args.pages]
    records, t_extract = [], []
    for p in paths:
        resp = site.respond("GET", p, {})
        if resp.status != 200:
            continue
        t0 = time.perf_counter()
        try:
            rel = extract_release(resp.body, "http://127.0.0.1" + p)
        except Exception:  # broken pages are part of the fixture
            continue
        t_extract.append(time.perf_counter() - t0)
        rec = rel.to_dict()
        rec.update(path=p, parser_version=PARSER_VERSION)
        records.append(rec)
    frame = tf.structure_releases(tf.raw_releases_frame(records), source="interpol",
                                  seen_at=datetime.now(UTC), run_id="bench")
    for lang in ("en", "fr", "es", "ar"):  # the lexicons load once per process
        analyze(lang, title="warm", subtitle=None, dateline=None, body="warm up")
    t_analysis = []
    n_rows = 0
    for r in frame.iter_rows(named=True):
        t0 = time.perf_counter()
        a = analyze(r["language"], title=r["title"], subtitle=r["subtitle"],
                    dateline=r["dateline"], body=r["body_text"],
                    quotes=[(q["text"], q["speaker"]) for q in r["quotes"] or []])
        t_analysis.append(time.perf_counter() - t0)
        n_rows += len(a.mentions) + len(a.quantities) + len(a.speakers) + len(a.topics)
    me, ma = statistics.mean(t_extract) * 1e3, statistics.mean(t_analysis) * 1e3
    body = statistics.mean(len(r) for r in frame["body_text"])
    print(f"pages {len(t_analysis)}, mean body {body:.0f} chars, rows {n_rows}")
    print(f"extract  mean {me:.2f} ms/page  p50 {statistics.median(t_extract) * 1e3:.2f}")
    print(f"analysis mean {ma:.2f} ms/page  p50 {statistics.median(t_analysis) * 1e3:.2f}")
    print(f"analysis / extraction: {ma / me:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
