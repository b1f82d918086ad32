"""A `prefect deploy` build step (see prefect.yaml): resolved when you deploy, so Prefect's
own `prefect --no-prompt deploy --all` from the repository root makes deployments that run.

- `directory`: this checkout (Prefect finds prefect.yaml and the entrypoints only in the
  current directory, so that is where the deploy runs); the pull step makes every flow run
  start there, so it finds `flows/` and relative paths land in the checkout. A deploy from
  anywhere else is refused with a message that says where to run it.
- `daily_schedule_active`: whether the daily schedule is switched on, as the server already
  has it. A first deploy (a laptop, a new server) leaves it off, so nothing crawls the live
  site until an operator switches it on (docs/operations.md); redeploys keep the operator's
  choice instead of resetting it from the file.
"""

from __future__ import annotations

from pathlib import Path

DAILY_DEPLOYMENT = "daily/daily"
DAILY_SCHEDULE_SLUG = "daily-morning"


def locate_checkout(
    deployment: str = DAILY_DEPLOYMENT, schedule_slug: str = DAILY_SCHEDULE_SLUG
) -> dict[str, object]:
    from prefect import get_client
    from prefect.exceptions import ObjectNotFound

    root = Path.cwd().resolve()
    missing = [
        p
        for p in ("prefect.yaml", "flows/daily.py", "flows/backfill.py")
        if not (root / p).is_file()
    ]
    if missing:
        raise RuntimeError(
            f"run `prefect deploy` from the press-lake repository root: "
            f"{root} has no {', '.join(missing)}"
        )
    active = False
    with get_client(sync_client=True) as client:
        try:
            current = client.read_deployment_by_name(deployment)
        except ObjectNotFound:
            current = None
        if current is not None:
            # Schedules deployed before they had a slug count as this one (an upgrade
            # keeps the operator's choice too).
            ours = [s for s in current.schedules if s.slug == schedule_slug] or [
                s for s in current.schedules if s.slug is None
            ]
            active = any(s.active for s in ours)
    return {"directory": str(root), "daily_schedule_active": active}
