"""What one batch did, as the stages and the lake writer count it: the run report's parts."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field


@dataclass(slots=True)
class BatchReport:
    """What one batch did: counts, stage timings, rejections, slowest pages."""

    counts: Counter[str] = field(default_factory=Counter)
    # stage -> seconds, summed over pages (fetch, parse) or batches (transform, write...)
    timings: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    quarantined: list[dict[str, str]] = field(default_factory=list)
    failures: list[dict[str, str]] = field(default_factory=list)
    slowest: list[tuple[float, str]] = field(default_factory=list)
    partitions: set[str] = field(default_factory=set)
    by_language: dict[str, Counter[str]] = field(default_factory=dict)
    # Things an operator must read: caps reached, refused redirects, emptied fields.
    warnings: list[str] = field(default_factory=list)
    # Pages whose new extraction lost fields the stored release had: {url, fields}.
    emptied: list[dict[str, str]] = field(default_factory=list)

    def count(self, language: str, key: str, n: int = 1) -> None:
        self.counts[key] += n
        self.by_language.setdefault(language, Counter())[key] += n

    def merge(self, other: BatchReport) -> None:
        self.counts.update(other.counts)
        for lang, c in other.by_language.items():
            self.by_language.setdefault(lang, Counter()).update(c)
        for stage, seconds in other.timings.items():
            self.timings[stage] += seconds
        self.quarantined.extend(other.quarantined)
        self.failures.extend(other.failures)
        self.slowest = sorted(self.slowest + other.slowest, reverse=True)[:10]
        self.partitions |= other.partitions
        self.warnings.extend(other.warnings)
        self.emptied.extend(other.emptied)
