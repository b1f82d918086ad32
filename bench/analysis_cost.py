"""Per-page cost of the analyst layer next to extraction, on the archive fixture pages.

    python -m bench.analysis_cost [--pages 400] [--families 2000]   # extraction vs analysis
    python -m bench.analysis_cost --pipeline [--pages 1000]          # land_pages with/without
    python -m bench.analysis_cost --report [--pages 2000]            # the HTML report's cost

Pages are rendered by `NewsroomSite(page_kb=100)` (the generator `make bench` serves),
in this process: no HTTP, so fetching (a third of a backfill's per-page time) is left out
and the analysis share comes out *higher* than in a real backfill. Times are CPU seconds
of this process (`time.process_time`), which another load on the machine disturbs less
than wall time. A measurement, not a test.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from ingest import transform as tf
from ingest.analysis.release import analyze
from ingest.extract import PARSER_VERSION, extract_release
from newsrooms.interpol import NewsroomSite

NOW = datetime(2026, 11, 29, 6, 30, tzinfo=UTC)


def _bodies(n: int, families: int, *, whole: bool = False) -> list[tuple[str, str, bytes]]:
    """n pages sampled across the archive, or (whole) every page of a smaller archive."""
    site = NewsroomSite(families=max(1, int(n / 3.9)) if whole else families, page_kb=100)
    paths = site.article_paths()
    paths = paths[:n] if whole else paths[:: max(1, len(paths) // n)][:n]
    out = []
    for p in paths:
        resp = site.respond("GET", p, {})
        if resp.status == 200:
            out.append((p, p.split("/")[1], resp.body))
    return out


def extraction_vs_analysis(n: int, families: int) -> None:
    records, t_extract = [], []
    for path, _lang, body in _bodies(n, families):
        t0 = time.process_time()
        try:
            rel = extract_release(body, "http://127.0.0.1" + path)
        except Exception:  # broken pages are part of the fixture
            continue
        t_extract.append(time.process_time() - t0)
        rec = rel.to_dict()
        rec.update(path=path, parser_version=PARSER_VERSION)
        records.append(rec)
    frame = tf.structure_releases(
        tf.raw_releases_frame(records), source="interpol", seen_at=NOW, run_id="bench"
    )
    for lang in ("en", "fr", "es", "ar"):  # the lexicons load once per process
        analyze(lang, title="warm", subtitle=None, dateline=None, body="warm up")
    t_analysis = []
    for r in frame.iter_rows(named=True):
        t0 = time.process_time()
        analyze(
            r["language"],
            title=r["title"],
            subtitle=r["subtitle"],
            dateline=r["dateline"],
            body=r["body_text"],
            quotes=[(q["text"], q["speaker"]) for q in r["quotes"] or []],
        )
        t_analysis.append(time.process_time() - t0)
    me, ma = statistics.mean(t_extract) * 1e3, statistics.mean(t_analysis) * 1e3
    body = statistics.mean(len(r) for r in frame["body_text"])
    print(f"pages {len(t_analysis)}, mean body {body:.0f} chars")
    print(f"extract  mean {me:.2f} ms/page CPU")
    print(f"analysis mean {ma:.2f} ms/page CPU")
    print(f"analysis / extraction: {ma / me:.2f}")


def pipeline_with_and_without(n: int, families: int) -> None:
    import os

    os.environ["INGEST_PARSE_WORKERS"] = "0"  # everything in this process, measured
    from ingest import pagepool, pipeline
    from ingest.fetch import FetchResult
    from ingest.settings import load_settings

    # a backfill lands units of one language and year (chunks): so do we, 500 pages a batch
    bodies = sorted(_bodies(n, families, whole=True))

    def pages():
        for path, lang, body in bodies:
            plan = pipeline.PagePlan(
                path=path, url="http://127.0.0.1" + path, language=lang, reason="new"
            )
            res = FetchResult(
                url=plan.url,
                final_url=plan.url,
                status=200,
                body=body,
                headers={},
                fetched_at=NOW,
                elapsed_s=0.0,
            )
            yield pipeline.FetchedPage(plan, result=res)

    for lang in ("en", "fr", "es", "ar"):
        analyze(lang, title="warm", subtitle=None, dateline=None, body="warm up")
    real_payload, real_tables = pagepool.analysis_payload, tf.analysis_tables

    def no_tables(structured, payloads=None):
        frames, _ = real_tables(structured.clear(), {})
        return frames, {}

    results = {}
    runs = (("with analysis", False), ("without", True)) * 3
    for label, off in runs:
        pagepool.analysis_payload = (lambda rec: None) if off else real_payload
        tf.analysis_tables = no_tables if off else real_tables
        with tempfile.TemporaryDirectory() as d:
            settings = load_settings(lake=Path(d), base_url="http://127.0.0.1", env={})
            all_pages = list(pages())
            t0, w0 = time.process_time(), time.perf_counter()
            stages: dict[str, float] = {}
            for i in range(0, len(all_pages), 500):
                rep = pipeline.land_pages(
                    all_pages[i : i + 500], settings, run_id="b", now=NOW, unit=f"b/{i}"
                )
                for k, v in rep.timings.items():
                    stages[k] = stages.get(k, 0.0) + v
            cpu, wall = time.process_time() - t0, time.perf_counter() - w0
        results[label.strip()] = min(results.get(label.strip(), 1e9), cpu)
        print(
            f"{label.strip():14s} {len(bodies)} pages: CPU {cpu / len(bodies) * 1e3:.2f} "
            f"ms/page, wall {wall / len(bodies) * 1e3:.2f} ms/page; stages ms/page: "
            + ", ".join(
                f"{k} {v / len(bodies) * 1e3:.2f}"
                for k, v in sorted(stages.items())
                if k not in ("fetch", "land_total")
            )
        )
    pagepool.analysis_payload, tf.analysis_tables = real_payload, real_tables
    extra = results["with analysis"] / results["without"] - 1
    print(
        f"analysis adds {extra * 100:.1f}% to the per-page CPU of extract+transform+"
        "validate+write (fetching excluded)"
    )


def report_cost(n: int, families: int) -> None:
    import os

    os.environ["INGEST_PARSE_WORKERS"] = "0"
    from ingest import analyst_report, pipeline
    from ingest.fetch import FetchResult
    from ingest.settings import load_settings

    with tempfile.TemporaryDirectory() as d:
        settings = load_settings(lake=Path(d), base_url="http://127.0.0.1", env={})
        pages = []
        for path, lang, body in sorted(_bodies(n, families, whole=True)):
            plan = pipeline.PagePlan(
                path=path, url="http://127.0.0.1" + path, language=lang, reason="new"
            )
            pages.append(
                pipeline.FetchedPage(
                    plan,
                    result=FetchResult(
                        url=plan.url,
                        final_url=plan.url,
                        status=200,
                        body=body,
                        headers={},
                        fetched_at=NOW,
                        elapsed_s=0.0,
                    ),
                )
            )
        for i in range(0, len(pages), 500):
            pipeline.land_pages(pages[i : i + 500], settings, run_id="b", now=NOW, unit=f"b/{i}")
        t0 = time.perf_counter()
        out = analyst_report.write_report(Path(d), Path(d) / "report.html")
        print(
            f"report over {len(pages)} pages: {out.stat().st_size / 1024:.0f} KB, "
            f"written in {time.perf_counter() - t0:.2f} s"
        )
        import shutil
        import subprocess

        exe = shutil.which("chromium")
        if exe:  # time to open and draw it: load event, in headless Chromium
            page = Path(d) / "timed.html"
            page.write_text(
                out.read_text(encoding="utf-8").replace(
                    "</head>",
                    "<script>addEventListener('load',()=>{document.title="
                    "'T'+performance.now()})</script></head>",
                ),
                encoding="utf-8",
            )
            for _ in range(3):
                prof = tempfile.mkdtemp()
                run = subprocess.run(
                    [
                        exe,
                        "--headless",
                        "--no-sandbox",
                        "--disable-gpu",
                        f"--user-data-dir={prof}",
                        "--dump-dom",
                        page.as_uri(),
                    ],
                    capture_output=True,
                    text=True,
                    timeout=120,
                    check=False,
                )
                shutil.rmtree(prof, ignore_errors=True)
                import re

                m = re.search(r"<title>T([\d.]+)", run.stdout)
                print(
                    f"  drawn (load event) after {float(m.group(1)):.0f} ms"
                    if m
                    else "  chromium did not report"
                )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=400)
    ap.add_argument("--families", type=int, default=2000)
    ap.add_argument("--pipeline", action="store_true")
    ap.add_argument("--report", action="store_true")
    args = ap.parse_args(argv)
    if args.pipeline:
        pipeline_with_and_without(args.pages, args.families)
    elif args.report:
        report_cost(args.pages, args.families)
    else:
        extraction_vs_analysis(args.pages, args.families)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
