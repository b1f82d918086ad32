"""One measured run in a fresh child process (so its RSS high-water mark is the run's own).

    python -m bench.worker '{"base_url": ..., "lake": ..., "mode": "backfill", "batch_size": 500}'

Runs `ingest.runner.run` with the plain steps, wrapped only to time them and to sample the
resident set size after every batch, and prints one JSON line with the results.
"""

from __future__ import annotations

import json
import logging
import resource
import sys
import time
from pathlib import Path

from ingest import pipeline, runner
from ingest.settings import load_settings


def rss_mib() -> tuple[float, float]:
    """(VmRSS, VmHWM) of this process in MiB, from /proc (no psutil)."""
    vals = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            key, kb = line.split(":", 1)
            vals[key] = int(kb.split()[0]) / 1024
    return vals.get("VmRSS", 0.0), vals.get("VmHWM", 0.0)


def measured_run(base_url: str, lake: str, mode: str, batch_size: int = 500) -> dict:
    settings = load_settings(base_url=base_url, lake=lake, requests_per_second=0,
                             batch_size=batch_size)
    stage: dict[str, float] = {"discover": 0.0, "fetch_pages": 0.0, "land_pages": 0.0}
    samples: list[dict] = []
    done = [0]
    t_start = time.perf_counter()

    def discover(fetcher, settings, mode, since, until):
        t = time.perf_counter()
        try:
            return runner.discover_step(fetcher, settings, mode, since, until)
        finally:
            stage["discover"] += time.perf_counter() - t

    def batch(plans, fetcher, settings, run_id, label):
        t = time.perf_counter()
        pages = pipeline.fetch_pages(plans, fetcher, settings)
        t1 = time.perf_counter()
        rep = pipeline.land_pages(pages, settings, run_id=run_id, now=pipeline.utcnow(),
                                  unit=f"{run_id}/{label}")
        t2 = time.perf_counter()
        stage["fetch_pages"] += t1 - t
        stage["land_pages"] += t2 - t1
        done[0] += len(plans)
        rss, hwm = rss_mib()
        samples.append({"pages": done[0], "t": round(t2 - t_start, 3), "rss_mib": round(rss, 1),
                        "hwm_mib": round(hwm, 1)})
        return rep

    def finish(settings, run, discovery, result):
        t = time.perf_counter()
        try:
            return runner.finish_step(settings, run, discovery, result)
        finally:
            stage["finish"] = time.perf_counter() - t

    steps = runner.Steps(discover=discover, batch=batch, finish=finish)
    rss0, _ = rss_mib()
    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    row = runner.run(settings, mode, mode, steps=steps)
    wall = time.perf_counter() - t0
    ru1 = resource.getrusage(resource.RUSAGE_SELF)
    report = row.pop("report")
    _, hwm = rss_mib()
    return {
        "mode": mode, "wall_s": wall, "status": row["status"],
        "cpu_s": (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime),
        "counts": dict(report.counts), "timings": dict(report.timings),
        "stage_wall": stage, "requests": row["requests"], "discovered": row["discovered"],
        "fetched": row["fetched"], "new": row["new"], "updated": row["updated"],
        "rss_start_mib": rss0, "peak_rss_mib": hwm,
        "ru_maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "samples": samples, "failures": report.failures[:5],
    }


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    job = json.loads(argv[0])
    logging.basicConfig(level=logging.WARNING)
    out = measured_run(job["base_url"], job["lake"], job.get("mode", "backfill"),
                       int(job.get("batch_size", 500)))
    print("RESULT " + json.dumps(out, default=str), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
