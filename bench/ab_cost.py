"""Side-by-side backfill of two checkouts, interleaved: what a change costs per page.

    python -m bench.ab_cost --base ../base12 [--pages 1000] [--rounds 4]

Serves one archive fixture (`bench.serve`, this checkout) and runs the same backfill with
each checkout's own `bench.worker` and virtualenv, alternating base, new, base, new... so a
load that comes and goes on a shared machine falls on both. Reports, per run and as medians:
wall ms/page, and CPU ms/page of the run *with its parse workers* (the worker process's
rusage plus that of its reaped children: a count of work that another load on the machine
disturbs much less than wall time). A measurement, not a test.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.procs import REPO, ServerProcess
from bench.run import families_for


def _python(checkout: Path) -> str:
    exe = checkout / ".venv" / "bin" / "python"
    return str(exe) if exe.exists() else sys.executable


def one_run(checkout: Path, base_url: str, lake: Path, batch_size: int) -> dict:
    job = {"base_url": base_url, "lake": str(lake), "mode": "backfill", "batch_size": batch_size}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(
        [_python(checkout), "-m", "bench.worker", json.dumps(job)],
        capture_output=True,
        text=True,
        cwd=checkout,
        timeout=1800,
        check=False,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next((ln for ln in reversed(proc.stdout.splitlines()) if ln.startswith("RESULT ")), "")
    if not line:
        raise RuntimeError(f"worker in {checkout} failed:\n{proc.stderr[-3000:]}")
    res = json.loads(line[len("RESULT ") :])
    res["cpu_tree_s"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", type=Path, required=True, help="the checkout to compare with")
    ap.add_argument("--new", type=Path, default=REPO)
    ap.add_argument("--pages", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--batch-size", type=int, default=500)
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="press-ab-"))
    runs: dict[str, list[dict]] = {"base": [], "new": []}
    try:
        with ServerProcess(families_for(args.pages)) as srv:
            for r in range(args.rounds):
                for label, checkout in (("base", args.base), ("new", args.new)):
                    srv.cmd("clear")
                    lake = work / f"{label}-{r}"
                    res = one_run(checkout.resolve(), srv.base_url, lake, args.batch_size)
                    shutil.rmtree(lake, ignore_errors=True)
                    n = max(1, res["fetched"])
                    row = {
                        "pages": res["fetched"],
                        "wall_ms": res["wall_s"] / n * 1e3,
                        "cpu_ms": res["cpu_tree_s"] / n * 1e3,
                        "parse_ms": res["timings"].get("parse", 0.0) / n * 1e3,
                        "land_ms": res["timings"].get("land_total", 0.0) / n * 1e3,
                    }
                    runs[label].append(row)
                    print(
                        f"round {r} {label:4s} {row['pages']} pages: wall {row['wall_ms']:.2f} "
                        f"ms/page, CPU (run + workers) {row['cpu_ms']:.2f} ms/page, parse "
                        f"(summed) {row['parse_ms']:.2f}, land {row['land_ms']:.2f}",
                        flush=True,
                    )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    med = {
        label: {k: statistics.median(r[k] for r in rows) for k in rows[0] if k != "pages"}
        for label, rows in runs.items()
    }
    for k in ("wall_ms", "cpu_ms", "parse_ms", "land_ms"):
        b, n = med["base"][k], med["new"][k]
        print(f"median {k:8s} base {b:.2f}  new {n:.2f}  new/base {n / b:.3f}")
    print("JSON " + json.dumps({"runs": runs, "median": med}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
