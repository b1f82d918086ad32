"""The project's Prefect settings come from ONE file: `prefect.toml` at the repository root.

Prefect reads `prefect.toml` from the current directory only. Prefect's own commands run
from the repository root (`prefect deploy`, `prefect worker start`, `prefect server start`,
the Makefile's targets) and flow runs a worker starts (they run in the deployment's pull
directory, the root) read it themselves. `ingest run`, `ingest backfill` and `make demo`
run flows from any directory: they apply the same file with `project_defaults()`, as
defaults of the Prefect settings in effect for the call (the environment, a profile or a
prefect.toml in the current directory still win), without touching `os.environ`.

The file travels with the code: the wheel carries it as `flows/prefect.toml`.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from ingest.errors import ConfigError

_HERE = Path(__file__).resolve().parent
CANDIDATES = (_HERE / "prefect.toml", _HERE.parent / "prefect.toml")


def prefect_toml() -> Path:
    for path in CANDIDATES:
        if path.is_file():
            return path
    raise ConfigError(
        f"the project's Prefect settings file is missing ({CANDIDATES[-1]}); "
        "reinstall press-lake or restore prefect.toml"
    )


def _flatten(table: Mapping[str, object], prefix: str = "") -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(_flatten(value, f"{name}."))
        else:
            out[name] = value
    return out


def project_settings(path: Path | None = None) -> dict[str, object]:
    """prefect.toml as Prefect setting accessors: {"server.analytics_enabled": False, ...}."""
    with open(path or prefect_toml(), "rb") as fh:
        return _flatten(tomllib.load(fh))


@contextmanager
def project_defaults() -> Iterator[None]:
    """Run the enclosed Prefect calls (a local flow run and its temporary API server) with
    the project's settings as defaults. Enter it before the flows are imported."""
    from prefect.settings import temporary_settings

    with temporary_settings(set_defaults=project_settings()):
        yield
