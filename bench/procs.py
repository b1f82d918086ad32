"""Child processes the benchmark starts, and stops by the handle it holds."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


class ServerProcess:
    """`python -m bench.serve` as a subprocess; commands go over its stdin."""

    def __init__(self, families: int, page_kb: int = 100, seed: int = 7) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.serve",
                "--families",
                str(families),
                "--page-kb",
                str(page_kb),
                "--seed",
                str(seed),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=REPO,
        )
        hello = json.loads(self._readline())
        self.base_url: str = hello["base_url"]
        self.pages: int = hello["pages"]

    def _readline(self) -> str:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"newsroom server exited (rc={self.proc.poll()})")
        return line

    def cmd(self, name: str, **kw: object) -> dict:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"cmd": name, **kw}) + "\n")
        self.proc.stdin.flush()
        return json.loads(self._readline())

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.cmd("quit")
                self.proc.wait(timeout=10)
            except (OSError, RuntimeError, subprocess.TimeoutExpired, ValueError):
                self.proc.terminate()  # our own child, by its handle
                try:
                    self.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def run_worker(job: dict, timeout: float = 3600) -> dict:
    """Run `python -m bench.worker <job>` to completion; its result dict."""
    proc = subprocess.run(
        [sys.executable, "-m", "bench.worker", json.dumps(job)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=timeout,
    )
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    raise RuntimeError(f"bench worker failed (rc={proc.returncode}):\n{proc.stderr[-3000:]}")
