"""The shared body of both flows: the runner, with each step as a Prefect task."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

from prefect import State, get_client, get_run_logger
from prefect.concurrency.sync import concurrency
from prefect.states import Completed, Failed
from prefect.utilities.annotations import quote

from flows.tasks import Work, discover_task, finish_run_task, ingest_batch_task
from ingest import lake as lk
from ingest import runner
from ingest.errors import ConfigError, RunFailedError
from ingest.fetch import Fetcher
from ingest.runner import Unit
from ingest.settings import Settings, load_settings
from ingest.stages.batch import BatchReport


def run_settings(
    settings: Settings | None,
    *,
    base_url: str | None,
    lake: str | None,
    languages: list[str] | str | None,
    source: str | None = None,
) -> Settings:
    """The run's Settings: as the caller built them (the CLI passes `settings`), or, for a
    deployment run, built here from the run's parameters, then the worker's INGEST_*
    environment, then the source definition, then defaults: a parameter nobody set never
    hides the worker's setting. `source` is a built-in source name or a source file (a
    relative path is from the flow run's directory, the checkout). The lake path is
    checked before anything runs (one-line error for a wrong one)."""
    explicit = {
        k: v
        for k, v in {
            "base_url": base_url,
            "lake": lake,
            "languages": languages,
            "source": source,
        }.items()
        if v is not None
    }
    if settings is not None and explicit:
        raise ConfigError(f"give either settings or {', '.join(sorted(explicit))}, not both")
    built = settings if settings is not None else load_settings(**explicit)  # type: ignore[arg-type]
    lk.check_lake(built.lake, create=True)
    return built


def host_limit_name(base_url: str) -> str:
    return "press-lake-host-" + re.sub(r"[^a-z0-9]+", "-", urlsplit(base_url).netloc.lower())


def ensure_host_limit(settings: Settings) -> str:
    """A Prefect global concurrency limit per newsroom host (`max_parallel_per_host`
    slots): every parallel run on this Prefect server (any worker, any machine) holds as
    many slots as it runs chunks at once, so together they never exceed it. Inside a run,
    the shared rate limiter still paces requests: the limit is a second guard."""
    name = host_limit_name(settings.base_url)
    with get_client(sync_client=True) as client:
        client.upsert_global_concurrency_limit_by_name(name, limit=settings.max_parallel_per_host)
    return name


def run_units_prefect(
    units: Sequence[Unit], fetcher: Fetcher, settings: Settings, run_id: str, parallel: int
) -> Iterator[tuple[Unit, BatchReport | BaseException]]:
    """Units as `ingest-batch` task runs: called in order, or submitted to the flow's task
    runner `parallel` at a time while the run holds that many slots of the host limit."""

    def call(unit: Unit, submit: bool) -> Any:
        args = (Work(unit.plans, fetcher.sibling()), settings, run_id, unit.label)
        return ingest_batch_task.submit(*args) if submit else ingest_batch_task(*args)

    if parallel <= 1 or len(units) <= 1:
        for unit in units:
            try:
                yield unit, call(unit, submit=False)
            except Exception as exc:
                yield unit, exc
        return
    parallel = min(parallel, settings.max_parallel_per_host)
    # One acquisition for the whole run: per-unit slot polling costs seconds a unit.
    with concurrency(
        ensure_host_limit(settings), occupy=parallel, strict=True, timeout_seconds=6 * 3600
    ):
        yield from _windowed(units, parallel, call)


def _windowed(
    units: Sequence[Unit], parallel: int, call: Callable[[Unit, bool], Any]
) -> Iterator[tuple[Unit, Any]]:
    pending = list(units)
    in_flight: list[tuple[Unit, Any]] = []
    while pending or in_flight:
        while pending and len(in_flight) < parallel:
            unit = pending.pop(0)
            in_flight.append((unit, call(unit, submit=True)))
        finished = [p for p in in_flight if _finished(p[1])]
        if not finished:
            time.sleep(0.1)
        for pair in finished:
            in_flight.remove(pair)
            yield pair[0], pair[1].result(raise_on_failure=False)


def _finished(future: object) -> bool:
    """Whether a submitted task run has ended, without `prefect.futures.wait(timeout=...)`:
    its timeout is an exception injected into the waiting thread, which can land inside a
    lock's release and fail the whole flow run ("release unlocked lock"), as seen under
    load with the Dask task runner. The task runners' own futures (concurrent.futures,
    distributed) answer `done()` without waiting."""
    wrapped = getattr(future, "wrapped_future", None)
    if wrapped is not None and hasattr(wrapped, "done"):
        return bool(wrapped.done())
    return bool(future.state.is_final())  # type: ignore[attr-defined]


PREFECT_STEPS = runner.Steps(
    discover=lambda fetcher, settings, mode, since, until: discover_task(
        quote(fetcher), settings, mode, since, until
    ),
    units=run_units_prefect,
    finish=lambda settings, run, discovery, result: finish_run_task(
        settings, run, quote(discovery), quote(result)
    ),
)


def run_ingest(
    flow: str,
    mode: str,
    settings: Settings,
    *,
    since: date | None = None,
    until: date | None = None,
    parallel: int = 1,
) -> State:
    """Run and end the flow run in a state that says what happened: a partial run (some
    URLs failed, retried next time) names the URLs and reasons in its state message."""
    row = runner.run(
        settings,
        flow,
        mode,
        since=since,
        until=until,
        steps=PREFECT_STEPS,
        parallel=parallel,
        logger=get_run_logger(),
    )
    result: BatchReport = row.pop("report")
    verdict = row.pop("verdict", None)
    message = (
        f"{row['status']}: new {row['new']}, updated {row['updated']}, unchanged "
        f"{row['unchanged']}, quarantined {row['quarantined']}, failed {row['failed']}"
    )
    if row["status"] == "failed":  # runner.judge_run: the run achieved nothing useful
        error = RunFailedError(getattr(verdict, "code", None) or "failed", row["error"] or "")
        return Failed(message=str(error)[:4000], data=error)
    if result.failures:
        message += "; failed: " + "; ".join(
            f"{f['url']}: {f['reason']}" for f in result.failures[:5]
        )
    return Completed(message=message[:4000], data=row)


def superseded_by() -> str | None:
    """For a run the scheduler created: a newer scheduled run of the same deployment that
    is already due, if there is one (its name); None otherwise, and for any other run.

    The daily flow is incremental, so after a worker outage one run catches up with every
    missed day: of a backlog of late scheduled runs only the newest crawls, the older ones
    end at once as Cancelled ("Skipped"). Runs triggered by hand are never skipped.
    """
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterDeploymentId,
        FlowRunFilterExpectedStartTime,
        FlowRunFilterId,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.runtime import deployment, flow_run

    if not deployment.id or not flow_run.id:
        return None  # a local call (ingest run): no schedule behind it
    with get_client(sync_client=True) as client:
        me = client.read_flow_run(flow_run.id)
        mine = me.expected_start_time
        if not me.auto_scheduled or me.deployment_id is None or mine is None:
            return None
        now = datetime.now(UTC)
        due = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                id=FlowRunFilterId(not_any_=[me.id]),
                deployment_id=FlowRunFilterDeploymentId(any_=[me.deployment_id]),
                expected_start_time=FlowRunFilterExpectedStartTime(after_=mine, before_=now),
            ),
            limit=100,
        )
    broken = (StateType.CANCELLED, StateType.CRASHED, StateType.FAILED)
    newer = [
        r
        for r in due
        if r.auto_scheduled
        and r.expected_start_time
        and r.expected_start_time > mine
        and not (r.state is not None and r.state.type in broken and r.state.name != "Skipped")
    ]
    return max(newer, key=lambda r: r.expected_start_time).name if newer else None
