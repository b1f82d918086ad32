"""Peak memory and wall time of runs against the hostile newsroom (issue 11).

    uv run python -m bench.hostile            # or: make bench-hostile

Starts the hostile newsroom (`python -m tests.hostile`, its own process, so its memory and
CPU are not charged to the run; stopped by the handle held here, and by itself after
--max-seconds), then runs each scenario in a fresh child process with the DEFAULT safety
limits: `ingest.runner.run` with the plain steps, its discovery replaced by the scenario's
URL list (the flood scenario runs the real discovery over a sitemap of a million URLs).

Reported per scenario: wall seconds, peak RSS of the run's process (VmHWM) and the largest
peak of its worker processes (RUSAGE_CHILDREN, after the pool is shut down), and what the
run said. A measurement, never an assertion: the tests assert the behaviour.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ART = "/en/News-and-Events/News/2023/"
GOOD = [f"{ART}a-{i}" for i in range(100)]

SCENARIOS: dict[str, dict] = {
    "baseline 100 pages, inline": {"paths": GOOD, "workers": 0},
    "baseline 100 pages, worker pool": {"paths": GOOD, "workers": 3},
    "gzip bomb (1 MB -> 1 GiB) + 100 pages, inline": {"paths": [*GOOD, ART + "bomb"], "workers": 0},
    "gzip bomb (1 MB -> 1 GiB) + 100 pages, worker pool": {
        "paths": [*GOOD, ART + "bomb"],
        "workers": 3,
    },
    "300 MB body + 100 pages, inline": {"paths": [*GOOD, ART + "huge"], "workers": 0},
    "300 MB body + 100 pages, worker pool": {"paths": [*GOOD, ART + "huge"], "workers": 3},
    "300 MB body, chunked (no Content-Length) + 100 pages, inline": {
        "paths": [*GOOD, ART + "huge-chunked"],
        "workers": 0,
    },
    "300 MB body, chunked (no Content-Length) + 100 pages, worker pool": {
        "paths": [*GOOD, ART + "huge-chunked"],
        "workers": 3,
    },
    "dribble (1 byte/s), inline": {"paths": [ART + "dribble"], "workers": 0},
    "dribble (1 byte/s) + 100 pages, worker pool": {
        "paths": [*GOOD, ART + "dribble"],
        "workers": 3,
    },
    "sitemap of 1,000,000 URLs, discovery": {"flood": True, "workers": 0},
}


def _vmhwm_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def child(job: dict) -> dict:
    """One scenario, in this (fresh) process."""
    import os

    os.environ["INGEST_PARSE_WORKERS"] = str(job["workers"])
    from ingest import pagepool, pipeline, runner
    from ingest.discover import Candidate, Discovery, discover
    from ingest.fetch import Fetcher, build_session
    from ingest.settings import load_settings

    lake = Path(job["lake"])
    if job.get("flood"):
        settings = load_settings(
            base_url=job["base_url"],
            lake=lake,
            env={},
            sitemap_paths=("/flood.xml",),
            listing_paths={},
        )
        fetcher = Fetcher(build_session(settings), settings)
        t0 = time.perf_counter()
        found = discover(fetcher, settings)
        wall = time.perf_counter() - t0
        return {
            "wall_s": round(wall, 2),
            "rss_mib": round(_vmhwm_mib(), 1),
            "workers_mib": 0.0,
            "status": f"discovered {len(found.candidates):,}",
            "warnings": found.warnings,
        }

    def discover_step(fetcher, settings, mode, since, until):
        found = Discovery()
        for path in job["paths"]:
            found.add(Candidate(path, "en", 2023))
        found.reached = 1
        return found

    settings = load_settings(base_url=job["base_url"], lake=lake, env={}, listing_paths={})
    t0 = time.perf_counter()
    row = runner.run(settings, "bench", "daily", steps=runner.Steps(discover=discover_step))
    wall = time.perf_counter() - t0
    if pagepool._pool is not None:
        pagepool._pool.shutdown(wait=True)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    state = pipeline.load_pages_state(lake)
    hostile = state.filter(~state["path"].str.contains("/a-"))
    return {
        "wall_s": round(wall, 2),
        "rss_mib": round(_vmhwm_mib(), 1),
        "workers_mib": round(workers, 1),
        "status": f"{row['status']}: new {row['new']}, failed {row['failed']}",
        "hostile_pages": [
            f"{r['path'].rsplit('/', 1)[-1]}: {r['status']}: {(r['last_error'] or '')[-140:]}"
            for r in hostile.to_dicts()
        ],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.hostile")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--only", help="run the scenarios whose name contains this")
    ap.add_argument("--out", default=str(REPO / "bench" / "results" / "hostile.json"))
    args = ap.parse_args(argv)
    if args.child:
        print("RESULT " + json.dumps(child(json.loads(args.child))), flush=True)
        return 0
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.hostile", "--max-seconds", "1800"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    results: dict[str, dict] = {}
    try:
        assert server.stdout is not None
        base_url = server.stdout.readline().strip()
        for name, job in SCENARIOS.items():
            if args.only and args.only not in name:
                continue
            with tempfile.TemporaryDirectory(prefix="hostile-bench-") as tmp:
                job = {**job, "base_url": base_url, "lake": str(Path(tmp) / "lake")}
                proc = subprocess.run(
                    [sys.executable, "-m", "bench.hostile", "--child", json.dumps(job)],
                    capture_output=True,
                    text=True,
                    cwd=REPO,
                    timeout=900,
                )
            line = next(
                (x for x in reversed(proc.stdout.splitlines()) if x.startswith("RESULT ")), None
            )
            if line is None:
                results[name] = {"error": proc.stderr[-2000:]}
            else:
                results[name] = json.loads(line[len("RESULT ") :])
            print(f"{name}: {json.dumps(results[name])}", flush=True)
    finally:
        server.terminate()  # our own child, by its handle
        server.wait(timeout=10)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print("\n| scenario | wall s | peak RSS run MiB | peak RSS largest worker MiB | outcome |")
    print("|---|---|---|---|---|")
    for name, r in results.items():
        if "error" in r:
            print(f"| {name} | error | | | {r['error'][-200:]!r} |")
            continue
        print(
            f"| {name} | {r['wall_s']} | {r['rss_mib']} | {r['workers_mib'] or '-'} | "
            f"{r['status']} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
