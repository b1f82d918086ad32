"""The deployments really run: a real Prefect server, `prefect deploy --all` from prefect.yaml,
a real process worker executing the `backfill` deployment against the fixture newsroom, and
the lake it lands read back through the DuckDB views.

Every process is started here (own session/process group, 127.0.0.1 only) and stopped here by
its PID/process group. Timings are printed (`pytest -s`): server start, deploy, and
deploy-to-completed wall time.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ingest.newsroom import NewsroomServer, NewsroomSite
from ingest.views import connect

REPO = Path(__file__).resolve().parents[1]
PREFECT = Path(sys.executable).parent / "prefect"
POOL = "local-process"
LANGS = ["en", "fr", "es", "ar"]
# "undated" pages land: their date comes from the sitemap <lastmod> (date_source says so)
NOT_RELEASES = ("truncated-html", "listed-404")

SERVER_START_TIMEOUT = 120.0
CLI_TIMEOUT = 120.0
RUN_TIMEOUT = 180.0
LOCAL = "127.0.0.1,localhost"
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


# --------------------------------------------------------------------------- processes


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _descendants(pid: int) -> list[int]:
    """PIDs below `pid` (Linux /proc), so children that left our process group die too."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def _stop(proc: subprocess.Popen, grace: float = 10.0) -> None:
    """Stop a process we started (its own session): its group, and any descendant."""
    if proc.poll() is not None:
        return
    pids = _descendants(proc.pid)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        for pid in pids:
            with suppress(ProcessLookupError):
                os.kill(pid, sig)
        try:
            proc.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue
    proc.wait(timeout=grace)


def _tail(path: Path, lines: int = 60) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return f"<no log at {path}>"
    return "\n".join(text.splitlines()[-lines:])


@dataclass
class Stack:
    """A running Prefect server and everything needed to talk to it."""

    api_url: str
    home: Path
    logs: Path
    env: dict[str, str]
    server: subprocess.Popen
    timings: dict[str, float] = field(default_factory=dict)
    procs: list[subprocess.Popen] = field(default_factory=list)

    def server_log(self) -> str:
        return _tail(self.logs / "server.log")

    def cli(self, *args: str, extra_env: dict[str, str] | None = None,
            timeout: float = CLI_TIMEOUT) -> subprocess.CompletedProcess:
        """A Prefect CLI call from the repository root (prefect.yaml, prefect.toml)."""
        env = {**self.env, **(extra_env or {})}
        proc = subprocess.Popen([str(PREFECT), *args], cwd=REPO, env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        self.procs.append(proc)
        try:
            out, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _stop(proc)
            out, _ = proc.communicate()
            pytest.fail(f"prefect {' '.join(args)} timed out after {timeout}s:\n{out}\n"
                        f"--- server log ---\n{self.server_log()}")
        return subprocess.CompletedProcess(proc.args, proc.returncode, out, None)

    def spawn(self, name: str, *args: str, extra_env: dict[str, str] | None = None
              ) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
        try:
            proc = subprocess.Popen([str(PREFECT), *args], cwd=REPO,
                                    env={**self.env, **(extra_env or {})},
                                    stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True)
        finally:
            log.close()
        self.procs.append(proc)
        return proc

    @contextmanager
    def client(self):
        """A sync client on OUR server (not the session's test harness, if one runs)."""
        from prefect.client.orchestration import get_client
        from prefect.settings import PREFECT_API_URL, temporary_settings

        with temporary_settings(updates={PREFECT_API_URL: self.api_url}), \
                get_client(sync_client=True) as client:
            yield client


def _base_env(home: Path, api_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PREFECT_") or k in ("PREFECT_TASKS_DEFAULT_NO_CACHE",)}
    env.update({
        "PREFECT_HOME": str(home),
        "PREFECT_API_URL": api_url,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
        "PREFECT_LOGGING_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
        # Everything here is on 127.0.0.1: never through an HTTP(S)_PROXY from the environment.
        "NO_PROXY": ",".join(filter(None, [os.environ.get("NO_PROXY"), LOCAL])),
        "no_proxy": ",".join(filter(None, [os.environ.get("no_proxy"), LOCAL])),
    })
    return env


def _start_server(home: Path, logs: Path) -> tuple[subprocess.Popen, str, float]:
    """`prefect server start` on a free 127.0.0.1 port; returns once /api/health is true."""
    last = ""
    for _attempt in range(2):  # a free port can be taken between probe and bind: retry once
        port = _free_port()
        api_url = f"http://127.0.0.1:{port}/api"
        env = _base_env(home, api_url)  # no DB URL: SQLite in PREFECT_HOME (the default)
        log = open(logs / "server.log", "a")  # noqa: SIM115 - closed right after Popen
        t0 = time.monotonic()
        try:
            proc = subprocess.Popen(
                [str(PREFECT), "server", "start", "--host", "127.0.0.1", "--port", str(port),
                 "--analytics-off", "--no-ui"],
                cwd=home, env=env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True)
        finally:
            log.close()
        try:
            while time.monotonic() - t0 < SERVER_START_TIMEOUT:
                if proc.poll() is not None:
                    break
                try:
                    with _NO_PROXY.open(f"{api_url}/health", timeout=2) as r:
                        if r.status == 200 and r.read().strip() == b"true":
                            return proc, api_url, time.monotonic() - t0
                except OSError:
                    pass
                time.sleep(0.5)
        except BaseException:
            _stop(proc)
            raise
        _stop(proc)
        last = _tail(logs / "server.log")
    pytest.fail(f"Prefect server did not become healthy within {SERVER_START_TIMEOUT}s:\n{last}")


@pytest.fixture(scope="module")
def stack(tmp_path_factory, monkeypatch_module) -> Iterator[Stack]:
    for name in ("NO_PROXY", "no_proxy"):  # the in-process client (httpx) too
        monkeypatch_module.setenv(name, ",".join(filter(None, [os.environ.get(name), LOCAL])))
    base = tmp_path_factory.mktemp("prefect-deploy")
    home, logs = base / "home", base / "logs"
    home.mkdir()
    logs.mkdir()
    server, api_url, started_in = _start_server(home, logs)
    st = Stack(api_url=api_url, home=home, logs=logs, env=_base_env(home, api_url),
               server=server, timings={"server_start": started_in})
    try:
        yield st
    finally:
        for proc in st.procs:
            _stop(proc)
        _stop(server)
        print("\n[deployment timings] " + ", ".join(
            f"{k} {v:.1f}s" for k, v in st.timings.items()))


@pytest.fixture(scope="module")
def newsroom() -> Iterator[tuple[NewsroomSite, NewsroomServer]]:
    site = NewsroomSite()
    with NewsroomServer(site, max_seconds=600) as server:
        yield site, server


def _valid_releases(site: NewsroomSite) -> list[dict]:
    broken = site.broken_paths()
    return [e for e in site.expected_releases() if broken.get(e["url_path"]) not in NOT_RELEASES]


# --------------------------------------------------------------------------- the test


def test_deployments_deploy_schedule_and_run_on_a_worker(stack: Stack, newsroom, tmp_path):
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterKey,
        FlowRunFilter,
        FlowRunFilterId,
    )

    site, server = newsroom
    lake = tmp_path / "lake"
    assert shutil.which(str(PREFECT)), PREFECT

    # 2. the process work pool
    with stack.client() as client:
        client.create_work_pool(WorkPoolCreate(name=POOL, type="process"))

    # 3. deploy everything in prefect.yaml, non-interactively, from the repository root
    t_deploy = time.monotonic()
    out = stack.cli("--no-prompt", "deploy", "--all", extra_env={"PRESS_LAKE_ROOT": str(REPO)})
    stack.timings["deploy"] = time.monotonic() - t_deploy
    assert out.returncode == 0, f"prefect deploy failed:\n{out.stdout}\n{stack.server_log()}"

    # 4. schedules as declared; the pull step's {{ $PRESS_LAKE_ROOT }} was resolved at deploy time
    with stack.client() as client:
        daily = client.read_deployment_by_name("daily/daily")
        backfill = client.read_deployment_by_name("backfill/backfill")
        assert [(s.schedule.cron, s.schedule.timezone, s.active) for s in daily.schedules] == [
            ("30 6 * * *", "Europe/Paris", True)]
        assert backfill.schedules == []
        for dep in (daily, backfill):
            assert dep.work_pool_name == POOL
            assert dep.pull_steps == [{"prefect.deployments.steps.set_working_directory": {
                "directory": str(REPO)}}], dep.pull_steps
            assert set(dep.parameters) == {"base_url", "lake", "languages"}
        assert daily.global_concurrency_limit is not None  # concurrency_limit: 1 in prefect.yaml
        assert daily.global_concurrency_limit.limit == 1
        # No scheduled daily run may reach the worker (it would go to the internet).
        client.pause_deployment(daily.id)

        # 5. trigger the backfill with parameters
        run = client.create_flow_run_from_deployment(backfill.id, parameters={
            "base_url": server.base_url, "lake": str(lake), "languages": LANGS,
            "since": "2019-01-01", "until": "2026-12-31"})

    # 6. a real worker picks it up and runs it in a subprocess
    worker = stack.spawn("worker", "worker", "start", "--pool", POOL, "--run-once",
                         extra_env={"INGEST_REQUESTS_PER_SECOND": "0"})

    def logs() -> str:
        return (f"--- worker log ---\n{_tail(stack.logs / 'worker.log')}\n"
                f"--- server log ---\n{stack.server_log()}")

    deadline = time.monotonic() + RUN_TIMEOUT
    with stack.client() as client:
        while True:
            state = client.read_flow_run(run.id).state
            if state is not None and state.is_final():
                break
            if worker.poll() is not None:
                time.sleep(2)  # the worker may exit just before the final state is visible
                state = client.read_flow_run(run.id).state
                break
            if time.monotonic() > deadline:
                break
            time.sleep(1)
        stack.timings["deploy_to_completed"] = time.monotonic() - t_deploy
        assert state is not None and state.is_completed(), (
            f"backfill run ended {state and state.type} (worker rc {worker.poll()}):\n{logs()}")
        done = client.read_flow_run(run.id)
        if done.start_time and done.end_time:
            stack.timings["trigger_to_start"] = (done.start_time - done.created).total_seconds()
            stack.timings["flow_run"] = (done.end_time - done.start_time).total_seconds()

        # the run-report artifact of that flow run
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["backfill-run-report"])),
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run.id])))
        assert len(artifacts) == 1, logs()
        assert artifacts[0].type == "markdown" and artifacts[0].data

    try:
        worker.wait(timeout=60)  # --run-once exits once its run is done
    except subprocess.TimeoutExpired:
        _stop(worker)

    # 7. the lake holds exactly the fixture's valid releases, and one backfill run row
    expected = _valid_releases(site)
    con = connect(lake)
    try:
        rows = con.sql("SELECT path, language FROM releases").fetchall()
        runs = con.sql("SELECT flow, status FROM ingest_runs").fetchall()
    finally:
        con.close()
    why = f"ingest_runs {runs}; final state message {state.message!r}\n{logs()}"
    assert Counter(lang for _, lang in rows) == Counter(e["language"] for e in expected), why
    assert sorted(p for p, _ in rows) == sorted(e["url_path"] for e in expected), why
    assert len(runs) == 1 and runs[0][0] == "backfill", why
    assert runs[0][1] in ("completed", "partial"), why
    print(f"\n[deployment] releases {dict(Counter(lang for _, lang in rows))}, run {runs[0]}, "
          f"timings " + ", ".join(f"{k} {v:.1f}s" for k, v in stack.timings.items()))
