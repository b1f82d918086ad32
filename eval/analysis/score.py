"""Precision and recall of the analyst layer on the hand-labelled set, per kind and language.

    python -m eval.analysis.score                 # the tables, dev and held-out
    python -m eval.analysis.score --errors dev    # also list each dev error (for tuning)
    python -m eval.analysis.score --json out.json

Held-out releases are scored but their errors are never printed unless asked by name
(`--errors heldout`): tune on dev only.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from collections.abc import Iterable

from eval.analysis.goldset import GoldRelease, load
from ingest.analysis.release import analyze
from ingest.analysis.text import fold_pattern
from ingest.quotes import extract_quotes

MENTION_KINDS = ("country", "place", "organisation", "operation", "person")
KINDS = (
    "country",
    "country_release",
    "dateline_country",
    "place",
    "organisation",
    "operation",
    "person",
    "quantity",
    "speaker_name",
    "speaker_role",
    "speaker_org",
    "topic",
)


class Tally:
    def __init__(self) -> None:
        self.tp = self.fp = self.fn = 0

    def add(self, tp: int = 0, fp: int = 0, fn: int = 0) -> None:
        self.tp += tp
        self.fp += fp
        self.fn += fn

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _match(pred: list, gold: list, same) -> tuple[int, list, list]:
    """Greedy one-to-one matching; returns (tp, unmatched pred, unmatched gold)."""
    left = list(gold)
    fp = []
    tp = 0
    for p in pred:
        hit = next((g for g in left if same(p, g)), None)
        if hit is None:
            fp.append(p)
        else:
            left.remove(hit)
            tp += 1
    return tp, fp, left


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(1.0, abs(b))


def _fold(s: str | None) -> str:
    return fold_pattern(s or "").strip(" .,،")


def _part_ok(pred: str | None, gold: str) -> bool:
    """A role/organisation is right when one contains the other, or they share most words."""
    if not gold:
        return True  # the text gives none: nothing to get wrong
    if not pred:
        return False
    p, g = _fold(pred), _fold(gold)
    if p in g or g in p:
        return True
    pw, gw = set(p.split()), set(g.split())
    return len(pw & gw) >= 0.5 * min(len(pw), len(gw))


def score_release(r: GoldRelease, tallies: dict, errors: list[str]) -> None:
    quotes = extract_quotes(r.paragraphs)
    a = analyze(
        r.language,
        title=r.title,
        subtitle=None,
        dateline=r.dateline,
        body=r.body,
        quotes=[(q.text, q.speaker) for q in quotes],
    )
    t = lambda kind: tallies[(r.split, r.language, kind)]  # noqa: E731
    body_mentions = [m for m in a.mentions if m.field == "body"]
    for kind in MENTION_KINDS:
        pred = [m for m in body_mentions if m.kind == kind]
        gold = [s for s in r.spans if s.kind == kind]

        def same(p, g, kind=kind) -> bool:
            return _overlap((p.start, p.end), (g.start, g.end)) and (
                kind != "country" or p.code == g.part(1)
            )

        tp, fp, fn = _match(pred, gold, same)
        t(kind).add(tp, len(fp), len(fn))
        errors += [f"{r.id} {kind} FP {m.text!r} {m.code} @{m.start}" for m in fp]
        errors += [f"{r.id} {kind} FN {g.text!r} {g.tag} @{g.start}" for g in fn]
    pc = {m.code for m in body_mentions if m.kind == "country"}
    gc = {s.part(1) for s in r.spans if s.kind == "country"}
    t("country_release").add(len(pc & gc), len(pc - gc), len(gc - pc))
    if r.dateline_country:
        got = a.dateline_country()
        ok = got == r.dateline_country
        t("dateline_country").add(int(ok), int(not ok and got is not None), int(not ok))
        if not ok:
            errors.append(f"{r.id} dateline {r.dateline!r} got {got} want {r.dateline_country}")
    gold_q = [s for s in r.spans if s.kind == "quantity"]

    def q_same(p, g) -> bool:
        kind, value, unit, item = g.part(1), float(g.part(2)), g.part(3), g.part(4)
        return (
            _overlap((p.start, p.end), (g.start, g.end))
            and p.kind == kind
            and _close(p.value, value)
            and p.unit == unit
            and p.item == item
        )

    tp, fp, fn = _match(a.quantities, gold_q, q_same)
    t("quantity").add(tp, len(fp), len(fn))
    errors += [f"{r.id} quantity FP {q.text!r} {q.kind}:{q.value:g}:{q.unit}:{q.item}" for q in fp]
    errors += [f"{r.id} quantity FN {g.text!r} {g.tag}" for g in fn]
    pred_sp = {s.quote_ordinal: s for s in a.speakers if s.name}
    for ordinal, (name, role, org) in r.speakers.items():
        s = pred_sp.pop(ordinal, None)
        name_ok = s is not None and _fold(s.name) == _fold(name)
        t("speaker_name").add(
            tp=int(name_ok), fp=int(s is not None and not name_ok), fn=int(not name_ok)
        )
        if not name_ok:
            errors.append(
                f"{r.id} speaker {ordinal} got {s.name if s else None!r} "
                f"want {name!r} (quotes found: {len(quotes)})"
            )
        for kind, want, got in (
            ("speaker_role", role, s.role if s else None),
            ("speaker_org", org, s.organisation if s else None),
        ):
            if not want and not got:
                continue
            ok = _part_ok(got, want) and bool(want)
            t(kind).add(tp=int(ok), fp=int(bool(got) and not ok), fn=int(bool(want) and not ok))
            if not ok:
                errors.append(f"{r.id} {kind} {ordinal} got {got!r} want {want!r}")
    for ordinal, s in pred_sp.items():
        t("speaker_name").add(fp=1)
        errors.append(f"{r.id} speaker {ordinal} FP {s.name!r}")
    pt = set(a.topics)
    t("topic").add(len(pt & r.topics), len(pt - r.topics), len(r.topics - pt))
    if pt != r.topics:
        errors.append(f"{r.id} topics got {sorted(pt)} want {sorted(r.topics)}")


def run(releases: Iterable[GoldRelease]) -> tuple[dict, dict[str, list[str]]]:
    tallies: dict = defaultdict(Tally)
    errors: dict[str, list[str]] = defaultdict(list)
    for r in releases:
        score_release(r, tallies, errors[r.split])
    return tallies, errors


def table(tallies: dict, split: str) -> str:
    langs = ("en", "fr", "es", "ar")
    head = f"| {split} | " + " | ".join(f"{lg} P | {lg} R" for lg in langs) + " | all P | all R |"
    lines = [head, "|---" * (2 * len(langs) + 3) + "|"]

    def fmt(x: float | None) -> str:
        return "-" if x is None else f"{x:.2f}"

    for kind in KINDS:
        cells = []
        total = Tally()
        for lg in langs:
            tl = tallies.get((split, lg, kind), Tally())
            total.add(tl.tp, tl.fp, tl.fn)
            cells += [fmt(tl.precision), fmt(tl.recall)]
        lines.append(
            f"| {kind} | "
            + " | ".join(cells)
            + f" | {fmt(total.precision)} | {fmt(total.recall)} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--errors", choices=["dev", "heldout"], help="list the errors of a split")
    ap.add_argument("--json", help="write the figures as JSON")
    args = ap.parse_args(argv)
    releases = load()
    tallies, errors = run(releases)
    n = defaultdict(int)
    for r in releases:
        n[(r.split, r.language)] += 1
    print(
        f"releases: {len(releases)} "
        + ", ".join(f"{s}/{lg} {c}" for (s, lg), c in sorted(n.items()))
    )
    for split in ("dev", "heldout"):
        print()
        print(table(tallies, split))
    if args.errors:
        print(f"\nerrors ({args.errors}):")
        for e in errors[args.errors]:
            print(" ", e)
    if args.json:
        out = {
            f"{s}/{lg}/{k}": {
                "tp": v.tp,
                "fp": v.fp,
                "fn": v.fn,
                "precision": v.precision,
                "recall": v.recall,
            }
            for (s, lg, k), v in tallies.items()
        }
        with open(args.json, "w") as fh:
            json.dump(out, fh, indent=1, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
