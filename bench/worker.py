"""One measured run in a fresh child process (so its RSS high-water mark is the run's own).

    python -m bench.worker '{"base_url": ..., "lake": ..., "mode": "backfill", "batch_size": 500}'

Runs `ingest.runner.run` with the plain steps, wrapped only to time them and to sample the
resident set size after every batch (works with both runner APIs: `Steps.batch`, and
`Steps.units` + `run(parallel=)`), and prints one JSON line with the results.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import logging
import resource
import sys
import time
from pathlib import Path

from ingest import pagepool, runner
from ingest.settings import load_settings


def rss_mib(pid: int | str = "self") -> tuple[float, float]:
    """(VmRSS, VmHWM) of a process in MiB, from /proc (no psutil)."""
    vals = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            key, kb = line.split(":", 1)
            vals[key] = int(kb.split()[0]) / 1024
    return vals.get("VmRSS", 0.0), vals.get("VmHWM", 0.0)


def workers_hwm_mib() -> list[float]:
    """High-water RSS of each live worker process of the page pool (they hold memory too)."""
    pool = getattr(pagepool, "_pool", None)
    out = []
    for pid in list(getattr(pool, "_processes", None) or {}):
        with contextlib.suppress(OSError):  # a worker that has exited
            out.append(rss_mib(pid)[1])
    return out


def measured_run(
    base_url: str, lake: str, mode: str, batch_size: int = 500, parallel: int = 1
) -> dict:
    settings = load_settings(
        base_url=base_url, lake=lake, requests_per_second=0, batch_size=batch_size
    )
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

    def after_unit(n_pages: int, started: float, rep) -> None:
        now = time.perf_counter()
        land = rep.timings.get("land_total", 0.0) if hasattr(rep, "timings") else 0.0
        stage["land_pages"] += land
        stage["fetch_pages"] += (now - started) - land
        done[0] += n_pages
        rss, hwm = rss_mib()
        samples.append(
            {
                "pages": done[0],
                "t": round(now - t_start, 3),
                "rss_mib": round(rss, 1),
                "hwm_mib": round(hwm, 1),
            }
        )

    def batch(plans, fetcher, settings, run_id, label):  # runner API with Steps.batch
        t = time.perf_counter()
        rep = runner.batch_step(plans, fetcher, settings, run_id, label)
        after_unit(len(plans), t, rep)
        return rep

    def units(units, fetcher, settings, run_id, parallel):  # runner API with Steps.units
        t = time.perf_counter()
        for unit, outcome in runner.run_units_plain(units, fetcher, settings, run_id, parallel):
            after_unit(len(unit.plans), t, outcome)
            t = time.perf_counter()
            yield unit, outcome

    def finish(settings, run, discovery, result):
        t = time.perf_counter()
        try:
            return runner.finish_step(settings, run, discovery, result)
        finally:
            stage["finish"] = time.perf_counter() - t

    fields = set(runner.Steps.__dataclass_fields__)
    steps = runner.Steps(
        discover=discover,
        finish=finish,
        **({"units": units} if "units" in fields else {"batch": batch}),
    )
    kw = {"parallel": parallel} if "parallel" in inspect.signature(runner.run).parameters else {}
    rss0, _ = rss_mib()
    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    row = runner.run(settings, mode, mode, steps=steps, **kw)
    wall = time.perf_counter() - t0
    if parallel > 1:  # units overlap: per-unit walls are not a split of the run's wall
        stage["fetch_pages"] = stage["land_pages"] = float("nan")
    ru1 = resource.getrusage(resource.RUSAGE_SELF)
    report = row.pop("report")
    _, hwm = rss_mib()
    workers_hwm = workers_hwm_mib()
    return {
        "mode": mode,
        "wall_s": wall,
        "status": row["status"],
        "cpu_s": (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime),
        "counts": dict(report.counts),
        "timings": dict(report.timings),
        "stage_wall": stage,
        "requests": row["requests"],
        "discovered": row["discovered"],
        "fetched": row["fetched"],
        "new": row["new"],
        "updated": row["updated"],
        "rss_start_mib": rss0,
        "peak_rss_mib": hwm,
        "workers_peak_rss_mib": workers_hwm,
        # Upper bound of the whole run's memory: every process at its own peak at once.
        "total_peak_rss_mib": hwm + sum(workers_hwm),
        "ru_maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "samples": samples,
        "failures": report.failures[:5],
    }


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    job = json.loads(argv[0])
    logging.basicConfig(level=logging.WARNING)
    out = measured_run(
        job["base_url"],
        job["lake"],
        job.get("mode", "backfill"),
        int(job.get("batch_size", 500)),
        int(job.get("parallel", 1)),
    )
    print("RESULT " + json.dumps(out, default=str), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
