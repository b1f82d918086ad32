"""The deployments really run, the Prefect way: a real Prefect server, Prefect's own
`prefect --no-prompt deploy --all` run from a COPY of the repository root (nothing set in
the environment), a real process worker whose INGEST_BASE_URL / INGEST_LAKE point at the
fixture newsroom and a temporary lake, the `backfill` deployment reaching Completed, and
the daily schedule: off after a first deploy, switched on by the documented command, kept
on by a redeploy, and a backlog of late runs after an outage crawling once.

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

from ingest.views import connect
from newsrooms.interpol import NewsroomServer, NewsroomSite

pytestmark = [pytest.mark.slow, pytest.mark.integration]

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

    def cli(
        self,
        *args: str,
        cwd: Path,
        extra_env: dict[str, str] | None = None,
        timeout: float = CLI_TIMEOUT,
    ) -> subprocess.CompletedProcess:
        """A Prefect CLI call from a repository root (its prefect.yaml, prefect.toml)."""
        env = {**self.env, **(extra_env or {})}
        proc = subprocess.Popen(
            [str(PREFECT), *args],
            cwd=cwd,
            env=env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.procs.append(proc)
        try:
            out, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _stop(proc)
            out, _ = proc.communicate()
            pytest.fail(
                f"prefect {' '.join(args)} timed out after {timeout}s:\n{out}\n"
                f"--- server log ---\n{self.server_log()}"
            )
        return subprocess.CompletedProcess(proc.args, proc.returncode, out, None)

    def spawn(
        self, name: str, *args: str, cwd: Path, extra_env: dict[str, str] | None = None
    ) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
        try:
            proc = subprocess.Popen(
                [str(PREFECT), *args],
                cwd=cwd,
                env={**self.env, **(extra_env or {})},
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        finally:
            log.close()
        self.procs.append(proc)
        return proc

    @contextmanager
    def client(self):
        """A sync client on OUR server (not the session's test harness, if one runs)."""
        from prefect.client.orchestration import get_client
        from prefect.settings import PREFECT_API_URL, temporary_settings

        with (
            temporary_settings(updates={PREFECT_API_URL: self.api_url}),
            get_client(sync_client=True) as client,
        ):
            yield client


def _base_env(home: Path, api_url: str) -> dict[str, str]:
    """What an operator's shell has: PREFECT_API_URL (and a home for this test). The
    project's Prefect settings come from the checkout's prefect.toml, nothing else; no
    INGEST_* variable leaks in from the test process."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PREFECT_", "INGEST_", "PRESS_LAKE_"))
    }
    env.update(
        {
            "PREFECT_HOME": str(home),
            "PREFECT_API_URL": api_url,
            "DO_NOT_TRACK": "1",
            "PYTHONUNBUFFERED": "1",
            # Everything here is on 127.0.0.1: never through an HTTP(S)_PROXY from the environment.
            "NO_PROXY": ",".join(filter(None, [os.environ.get("NO_PROXY"), LOCAL])),
            "no_proxy": ",".join(filter(None, [os.environ.get("no_proxy"), LOCAL])),
        }
    )
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
                [
                    str(PREFECT),
                    "server",
                    "start",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--analytics-off",
                    "--no-ui",
                ],
                cwd=home,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
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
    st = Stack(
        api_url=api_url,
        home=home,
        logs=logs,
        env=_base_env(home, api_url),
        server=server,
        timings={"server_start": started_in},
    )
    try:
        yield st
    finally:
        for proc in st.procs:
            _stop(proc)
        _stop(server)
        print("\n[deployment timings] " + ", ".join(f"{k} {v:.1f}s" for k, v in st.timings.items()))


@pytest.fixture(scope="module")
def newsroom() -> Iterator[tuple[NewsroomSite, NewsroomServer]]:
    site = NewsroomSite()
    with NewsroomServer(site, max_seconds=600) as server:
        yield site, server


def _valid_releases(site: NewsroomSite) -> list[dict]:
    broken = site.broken_paths()
    return [e for e in site.expected_releases() if broken.get(e["url_path"]) not in NOT_RELEASES]


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> Path:
    """A copy of the repository as a user has it: its tracked files (working-tree versions),
    no virtualenv, no lake data. The Prefect CLI and the worker come from our environment."""
    dest = tmp_path_factory.mktemp("clone") / "press-lake"
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
    )
    if listed.returncode == 0:
        for name in filter(None, listed.stdout.decode().split("\0")):
            src = REPO / name
            if src.is_file():
                (dest / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dest / name)
    else:  # not a git checkout: everything but the environment and the lake's data
        shutil.copytree(
            REPO,
            dest,
            ignore=shutil.ignore_patterns(
                ".venv", ".tools", ".git", "__pycache__", ".pytest_cache", "results", "lake.*"
            ),
        )
        for entry in (dest / "data" / "lake").iterdir():
            if entry.name != "README.md":
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    return dest


@pytest.fixture(scope="module")
def deployed(stack: Stack, checkout: Path) -> dict:
    """The work pool, then `prefect --no-prompt deploy --all` from the copy's root."""
    from prefect.client.schemas.actions import WorkPoolCreate

    with stack.client() as client:
        client.create_work_pool(WorkPoolCreate(name=POOL, type="process"))
    t_deploy = time.monotonic()
    out = stack.cli("--no-prompt", "deploy", "--all", cwd=checkout)
    stack.timings["deploy"] = time.monotonic() - t_deploy
    assert out.returncode == 0, f"prefect deploy failed:\n{out.stdout}\n{stack.server_log()}"
    with stack.client() as client:
        return {
            "t_deploy": t_deploy,
            "daily": client.read_deployment_by_name("daily/daily"),
            "backfill": client.read_deployment_by_name("backfill/backfill"),
        }


def _worker_env(server: NewsroomServer, lake: Path) -> dict[str, str]:
    """The documented way to point a worker at another newsroom and lake."""
    return {
        "INGEST_BASE_URL": server.base_url,
        "INGEST_LAKE": str(lake),
        "PREFECT_WORKER_QUERY_SECONDS": "2",
    }


def test_prefect_deploy_all_from_a_copy_runs_the_backfill_on_a_worker(
    stack: Stack, deployed: dict, checkout: Path, newsroom, tmp_path
):
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterKey,
        FlowRunFilter,
        FlowRunFilterId,
    )

    site, server = newsroom
    lake = tmp_path / "lake"
    daily, backfill = deployed["daily"], deployed["backfill"]

    # What the deploy made: flow runs start in the copy; nothing fixes the newsroom or the
    # lake, so the worker's settings decide; the daily schedule is declared but off.
    for dep in (daily, backfill):
        assert dep.work_pool_name == POOL
        assert dep.pull_steps == [
            {"prefect.deployments.steps.set_working_directory": {"directory": str(checkout)}}
        ], dep.pull_steps
        assert dep.parameters == {}
    assert [(s.schedule.cron, s.schedule.timezone, s.slug, s.active) for s in daily.schedules] == [
        ("30 6 * * *", "Europe/Paris", "daily-morning", False)
    ]
    assert backfill.schedules == []
    assert daily.global_concurrency_limit is not None  # concurrency_limit: 1 in prefect.yaml
    assert daily.global_concurrency_limit.limit == 1

    # An operator triggers a backfill with only its dates.
    with stack.client() as client:
        run = client.create_flow_run_from_deployment(
            backfill.id, parameters={"since": "2019-01-01", "until": "2026-12-31"}
        )

    # A real worker, pointed at the fixture newsroom and a lake by INGEST_* only.
    worker = stack.spawn(
        "worker",
        "worker",
        "start",
        "--pool",
        POOL,
        "--run-once",
        cwd=checkout,
        extra_env=_worker_env(server, lake),
    )

    def logs() -> str:
        return (
            f"--- worker log ---\n{_tail(stack.logs / 'worker.log')}\n"
            f"--- server log ---\n{stack.server_log()}"
        )

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
        stack.timings["deploy_to_completed"] = time.monotonic() - deployed["t_deploy"]
        assert state is not None and state.is_completed(), (
            f"backfill run ended {state and state.type} (worker rc {worker.poll()}):\n{logs()}"
        )
        done = client.read_flow_run(run.id)
        if done.start_time and done.end_time:
            stack.timings["trigger_to_start"] = (done.start_time - done.created).total_seconds()
            stack.timings["flow_run"] = (done.end_time - done.start_time).total_seconds()
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["backfill-run-report"])),
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run.id])),
        )
        assert len(artifacts) == 1, logs()
        assert artifacts[0].type == "markdown" and artifacts[0].data
    try:
        worker.wait(timeout=60)  # --run-once exits once its run is done
    except subprocess.TimeoutExpired:
        _stop(worker)

    # The lake the WORKER named holds exactly the fixture's releases; the checkout's
    # default lake was not touched.
    expected = _valid_releases(site)
    con = connect(lake)
    try:
        rows = con.sql("SELECT path, language FROM releases").fetchall()
        runs = con.sql("SELECT flow, status, parameters FROM ingest_runs").fetchall()
    finally:
        con.close()
    why = f"ingest_runs {runs}; final state message {state.message!r}\n{logs()}"
    assert Counter(lang for _, lang in rows) == Counter(e["language"] for e in expected), why
    assert sorted(p for p, _ in rows) == sorted(e["url_path"] for e in expected), why
    assert len(runs) == 1 and runs[0][0] == "backfill", why
    assert runs[0][1] in ("completed", "partial"), why
    assert server.base_url in runs[0][2], why
    assert sorted(p.name for p in (checkout / "data" / "lake").iterdir()) == ["README.md"]
    print(
        f"\n[deployment] releases {dict(Counter(lang for _, lang in rows))}, run {runs[0][:2]}"
        ", timings " + ", ".join(f"{k} {v:.1f}s" for k, v in stack.timings.items())
    )


def test_the_daily_schedule_is_off_until_switched_on_and_a_backlog_crawls_once(
    stack: Stack, deployed: dict, checkout: Path, newsroom, tmp_path
):
    from datetime import UTC, datetime, timedelta

    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterDeploymentId

    _site, server = newsroom
    lake = tmp_path / "lake"
    daily = deployed["daily"]
    schedule_id = str(daily.schedules[0].id)

    # The documented switch (docs/operations.md), then a redeploy: the choice survives.
    out = stack.cli("deployment", "schedule", "resume", "daily/daily", schedule_id, cwd=checkout)
    assert out.returncode == 0, out.stdout
    out = stack.cli("--no-prompt", "deploy", "--all", cwd=checkout)
    assert out.returncode == 0, out.stdout
    with stack.client() as client:
        again = client.read_deployment_by_name("daily/daily")
        assert [(str(s.id), s.active) for s in again.schedules] == [(schedule_id, True)]
        # A worker outage: the scheduler's runs of the last three mornings are all late.
        now = datetime.now(UTC)
        client.request(
            "POST",
            f"/deployments/{daily.id}/schedule",
            json={
                "start_time": (now - timedelta(days=3)).isoformat(),
                "end_time": now.isoformat(),
                "max_runs": 10,
            },
        )
        mine = FlowRunFilter(deployment_id=FlowRunFilterDeploymentId(any_=[daily.id]))
        backlog = [
            r
            for r in client.read_flow_runs(flow_run_filter=mine)
            if r.expected_start_time and r.expected_start_time <= now
        ]
        assert len(backlog) == 3 and all(r.auto_scheduled for r in backlog)

    worker = stack.spawn(
        "worker-daily",
        "worker",
        "start",
        "--pool",
        POOL,
        cwd=checkout,
        extra_env=_worker_env(server, lake),
    )
    t_worker = time.monotonic()
    deadline = time.monotonic() + 3 * RUN_TIMEOUT
    states: list = [None] * len(backlog)
    try:
        with stack.client() as client:
            while time.monotonic() < deadline:
                states = [client.read_flow_run(r.id).state for r in backlog]
                if all(s is not None and s.is_final() for s in states):
                    break
                assert worker.poll() is None, _tail(stack.logs / "worker-daily.log")
                time.sleep(1)
    finally:
        stack.timings["backlog_of_3_to_final"] = time.monotonic() - t_worker
        _stop(worker)
        with stack.client() as client:  # nothing more may run: switch the schedule off
            client.update_deployment_schedule(daily.id, daily.schedules[0].id, active=False)
    by_time = sorted(zip(backlog, states, strict=True), key=lambda p: p[0].expected_start_time)
    why = (
        f"{[(r.expected_start_time, s and s.name, s and s.message) for r, s in by_time]}"
        f"\n{_tail(stack.logs / 'worker-daily.log')}"
    )
    assert [s.name for _, s in by_time] == ["Skipped", "Skipped", "Completed"], why
    assert all("skipped: the newer scheduled run" in s.message for _, s in by_time[:2]), why
    con = connect(lake)
    try:
        runs = con.sql("SELECT flow, status FROM ingest_runs").fetchall()
    finally:
        con.close()
    assert runs == [("daily", "completed")] or runs == [("daily", "partial")], why
