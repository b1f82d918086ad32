"""Run reports: the markdown a flow run publishes as a Prefect artifact."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from ingest.pipeline import BatchReport
from ingest.settings import Settings

_COUNTS = (
    "discovered",
    "fetched",
    "new",
    "updated",
    "unchanged",
    "quarantined",
    "failed",
    "gone",
    "requests",
)


def markdown(row: Mapping[str, object], result: BatchReport, settings: Settings) -> str:
    """A short report: counts, quarantine reasons, failures, slowest pages, partitions."""
    lines = [
        f"# {row['flow']} run `{row['run_id']}`: {row['status']}",
        "",
        f"Source `{settings.base_url}` into lake `{settings.lake}`.",
        "",
        "| " + " | ".join(_COUNTS) + " |",
        "|" + "---|" * len(_COUNTS),
        "| " + " | ".join(str(row.get(c, 0)) for c in _COUNTS) + " |",
    ]
    if row.get("status") != "completed" and row.get("error"):
        lines += ["", f"**Why {row['status']}:** {row['error']}"]
    if result.warnings:
        lines += ["", "## Warnings", ""]
        lines += [f"- {w}" for w in result.warnings[:50]]
    if result.emptied:
        lines += [
            "",
            "## Fields emptied (stored versions kept)",
            "",
            "| url | fields |",
            "|---|---|",
        ]
        lines += [f"| {e['url']} | {e['fields']} |" for e in result.emptied[:50]]
    if result.by_language:
        keys = (
            "discovered",
            "fetched",
            "new",
            "updated",
            "unchanged",
            "quarantined",
            "failed",
            "gone",
        )
        lines += [
            "",
            "## Per language",
            "",
            "| language | " + " | ".join(keys) + " |",
            "|---" * (len(keys) + 1) + "|",
        ]
        lines += [
            f"| {lang} | " + " | ".join(str(c[k]) for k in keys) + " |"
            for lang, c in sorted(result.by_language.items())
        ]
    if result.quarantined:
        reasons = Counter((q["stage"], q["reason"]) for q in result.quarantined)
        lines += ["", "## Quarantine reasons", "", "| stage | reason | pages |", "|---|---|---|"]
        lines += [f"| {s} | {r} | {n} |" for (s, r), n in reasons.most_common()]
    if result.failures:
        lines += ["", "## Failed URLs (retried by the next run)", ""]
        lines += [f"- {f['url']}: {f['reason']}" for f in result.failures[:20]]
    if result.slowest:
        lines += ["", "## Slowest pages", "", "| seconds | url |", "|---|---|"]
        lines += [f"| {t:.3f} | {u} |" for t, u in result.slowest[:10]]
    if result.partitions:
        lines += ["", "## Partitions written", ""]
        lines += [f"- `{settings.lake}/releases/{p}`" for p in sorted(result.partitions)]
    if result.timings:
        lines += ["", "## Stage seconds", ""]
        lines += [f"- {k}: {v:.2f}" for k, v in sorted(result.timings.items())]
    return "\n".join(lines) + "\n"
