"""Shared fixtures. Servers bind 127.0.0.1 only and are stopped by the objects we started."""

from __future__ import annotations

import os

# Before anything imports Prefect: quiet, offline, patient on 2 cores.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("PREFECT_TASKS_DEFAULT_NO_CACHE", "true")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
