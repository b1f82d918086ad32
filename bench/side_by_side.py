"""Backfills of several commits side by side, on one machine, against one fixture newsroom.

    python -m bench.side_by_side REF [REF ...] [--pages 10000] [--rounds 2] [--out FILE]

Each REF (any git revision) is checked out in its own temporary worktree with its own
environment (`uv sync --frozen` from that commit's uv.lock), then every round runs each
commit's own `bench.worker` backfill into a fresh lake, interleaved (A B C, A B C, ...), so a
slow moment of a shared machine falls on every commit alike. All commits fetch from ONE
server, the fixture newsroom of the current checkout (`bench.serve`), so they parse the
same pages. Prints a table (median pages/s per commit, ratio to the first REF) and writes it
as markdown. A measurement, not a test: nothing here fails on a timing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.procs import REPO, ServerProcess
from bench.run import families_for, log


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=REPO, check=True, capture_output=True, text=True
    ).stdout.strip()


def _uv() -> str:
    found = shutil.which("uv")
    return found or str(REPO / ".tools" / "bin" / "uv")


def checkout(ref: str, work: Path) -> tuple[str, Path]:
    """A detached worktree of `ref` with its own .venv; (short sha, path)."""
    sha = _git("rev-parse", "--short", ref)
    path = work / sha
    if not path.exists():
        _git("worktree", "add", "--detach", str(path), sha)
        env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
        env["UV_COMPILE_BYTECODE"] = "1"
        subprocess.run(
            [_uv(), "sync", "--frozen", "--all-groups", "--quiet"],
            cwd=path,
            check=True,
            env=env,
        )
    return sha, path


def backfill(tree: Path, base_url: str, lake: Path, batch_size: int) -> dict:
    job = {"base_url": base_url, "lake": str(lake), "mode": "backfill", "batch_size": batch_size}
    proc = subprocess.run(
        [str(tree / ".venv" / "bin" / "python"), "-m", "bench.worker", json.dumps(job)],
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("RESULT "):
            res: dict = json.loads(line[len("RESULT ") :])
            res["pages_per_s"] = res["fetched"] / res["wall_s"]
            return res
    raise RuntimeError(f"worker in {tree} failed (rc={proc.returncode}):\n{proc.stderr[-3000:]}")


def markdown(rows: dict[str, list[dict]], refs: dict[str, str], pages: int, rounds: int) -> str:
    first = next(iter(rows))
    base = statistics.median(r["pages_per_s"] for r in rows[first])
    out = [
        f"`python -m bench.side_by_side` on {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}:"
        f" backfill of ~{pages} pages, {rounds} interleaved rounds, one server"
        f" (the fixture newsroom of {_git('rev-parse', '--short', 'HEAD')}).",
        "",
        "| commit | ref | pages | wall s (each round) | pages/s (median) | vs first "
        "| peak RSS MiB |",
        "|---|---|---|---|---|---|---|",
    ]
    for sha, runs in rows.items():
        pps = statistics.median(r["pages_per_s"] for r in runs)
        walls = ", ".join(f"{r['wall_s']:.1f}" for r in runs)
        rss = max(r.get("peak_rss_mib", 0.0) for r in runs)
        out.append(
            f"| {sha} | {refs[sha]} | {runs[0]['fetched']} | {walls} | {pps:.0f} "
            f"| {pps / base:.2f}x | {rss:.0f} |"
        )
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.side_by_side", description=__doc__)
    ap.add_argument("refs", nargs="+")
    ap.add_argument("--pages", type=int, default=10000)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=500)
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "side_by_side.md")
    args = ap.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="press-sbs-"))
    trees: dict[str, Path] = {}
    names: dict[str, str] = {}
    try:
        for ref in args.refs:
            log(f"checkout {ref}")
            sha, path = checkout(ref, work)
            trees[sha], names[sha] = path, ref
        # A warm-up backfill of a tiny newsroom per commit (caches, lexicons, page cache),
        # not recorded: the first run of a fresh checkout is otherwise the slowest.
        with ServerProcess(10) as tiny:
            for sha, tree in trees.items():
                tiny.cmd("clear")
                backfill(tree, tiny.base_url, work / f"warm-{sha}", args.batch_size)
        rows: dict[str, list[dict]] = {sha: [] for sha in trees}
        with ServerProcess(families_for(args.pages)) as srv:
            for rnd in range(args.rounds):
                for sha, tree in trees.items():
                    srv.cmd("clear")
                    lake = work / f"lake-{sha}-{rnd}"
                    res = backfill(tree, srv.base_url, lake, args.batch_size)
                    shutil.rmtree(lake, ignore_errors=True)
                    rows[sha].append(res)
                    log(
                        f"round {rnd + 1} {sha} ({names[sha]}): {res['fetched']} pages in "
                        f"{res['wall_s']:.1f} s = {res['pages_per_s']:.0f} pages/s"
                    )
        table = markdown(rows, names, args.pages, args.rounds)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(table)
        print(table)
        print(f"table: {args.out}")
    finally:
        for path in trees.values():
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(path)], cwd=REPO, check=False
            )
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
