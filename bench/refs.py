"""Reference limits measured on the same pages as the run, and field accuracy.

* parse: our `extract_release` vs a bare selectolax/lexbor parse + one CSS select, page by
  page, interleaved on the same raw bodies (the raw zone of the benchmark's lake), and vs
  `trafilatura.extract` (its default, cheapest configuration) on a sub-sample;
* write: the write stage of the run vs a bare `write_parquet` (zstd, same partitions,
  no fsync, no read-merge) of the final frames the lake holds;
* accuracy: title, date and body paragraphs of ours (as landed in the lake, and straight from
  the extractor) and of trafilatura (XML output with metadata) vs `expected_releases()`.
"""

from __future__ import annotations

import contextlib
import random
import re
import statistics
import tempfile
import time
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path

import polars as pl
from selectolax.lexbor import LexborHTMLParser

from ingest import lake as lk
from ingest import pipeline
from ingest import schemas as sc
from ingest.extract import extract_release

try:  # the `bench` dependency group; without it the trafilatura columns are skipped
    import trafilatura
except ImportError:  # pragma: no cover
    trafilatura = None


def sample_pages(lake: Path, n: int, seed: int = 1) -> list[tuple[str, str, bytes]]:
    """(path, url, raw body) of n random pages the run fetched and kept (status ok)."""
    state = pipeline.load_pages_state(lake).filter(
        (pl.col("status") == "ok") & pl.col("raw_path").is_not_null()
    )
    rows = state.select("path", "url", "raw_path").rows()
    rows.sort()
    rng = random.Random(seed)
    picked = rng.sample(rows, min(n, len(rows)))
    return [(p, u, lk.load_raw(lake, r)) for p, u, r in picked]


def _ms(xs: list[float]) -> dict:
    return {
        "mean_ms": 1000 * statistics.fmean(xs),
        "p50_ms": 1000 * statistics.median(xs),
        "n": len(xs),
    }


def bare_parse(body: bytes) -> int:
    tree = LexborHTMLParser(body)
    return len(tree.css("p"))


def parse_speed(pages: list[tuple[str, str, bytes]], n_trafilatura: int) -> dict:
    """Per-page time of ours, bare lexbor and trafilatura, interleaved on the same pages."""
    ours, bare, traf = [], [], []
    for i, (_path, url, body) in enumerate(pages):
        t0 = time.perf_counter()
        bare_parse(body)
        t1 = time.perf_counter()
        with contextlib.suppress(Exception):  # the time counts either way, as in the run
            extract_release(body, url)
        t2 = time.perf_counter()
        bare.append(t1 - t0)
        ours.append(t2 - t1)
        if trafilatura is not None and i < n_trafilatura:
            t3 = time.perf_counter()
            trafilatura.extract(body, url=url)
            traf.append(time.perf_counter() - t3)
    out = {
        "ours": _ms(ours),
        "bare_lexbor": _ms(bare),
        "bytes_mean": statistics.fmean(len(b) for *_, b in pages),
    }
    out["ratio_ours_vs_bare"] = out["ours"]["mean_ms"] / out["bare_lexbor"]["mean_ms"]
    if traf:
        ours_same = statistics.fmean(ours[: len(traf)])
        out["trafilatura"] = _ms(traf)
        out["ours_on_trafilatura_sample_ms"] = 1000 * ours_same
        out["speedup_vs_trafilatura"] = statistics.fmean(traf) / ours_same
    return out


def bare_parquet_write(lake: Path) -> dict:
    """write_parquet of the lake's final frames, partition by partition, into a temp dir."""
    manifest = lk.read_manifest(lake)
    schemas = {
        "releases": sc.RELEASES,
        "release_blocks": sc.BLOCKS,
        "quotes": sc.QUOTES,
        "release_revisions": sc.REVISIONS,
        "pages": sc.PAGES,
    }
    frames = []
    for table, schema in schemas.items():
        for key, rel in manifest.files.get(table, {}).items():
            frame = lk.read_data_file(lake, rel, schema, key)
            if key:
                frame = frame.drop("language", "year")
            frames.append(frame)
    rows = sum(f.height for f in frames)
    with tempfile.TemporaryDirectory(prefix="bench-parquet-") as tmp:
        t0 = time.perf_counter()
        for i, frame in enumerate(frames):
            frame.write_parquet(Path(tmp) / f"{i}.parquet", compression="zstd", statistics=True)
        elapsed = time.perf_counter() - t0
        size = sum(p.stat().st_size for p in Path(tmp).iterdir())
    return {"files": len(frames), "rows": rows, "seconds": elapsed, "bytes": size}


# ---- accuracy ---------------------------------------------------------------------------

_WS = re.compile(r"\s+")
_DASH = re.compile(r"^\s*[-–—:]\s*")


def norm(s: str | None) -> str:
    return _WS.sub(" ", unicodedata.normalize("NFKC", s or "")).strip()


def _strip_dateline(paras: list[str], dateline: str | None) -> list[str]:
    """Both extractors get the same help: a leading `DATELINE – ` is cut off paragraph 1."""
    if paras and dateline:
        d = norm(dateline)
        if paras[0].startswith(d):
            paras = [_DASH.sub("", paras[0][len(d) :]), *paras[1:]]
    return paras


def score_body(got: list[str], truth: dict) -> tuple[int, int, int, bool]:
    """(true positives, extracted paragraphs, truth paragraphs, exact) for one page.

    Extracted paragraphs equal to the title or standfirst are neutral (neither right nor
    wrong: trafilatura puts the standfirst in the body, ours keeps it as `subtitle`)."""
    want = [norm(p) for p in truth["paragraphs"]]
    neutral = {norm(truth["title"]), norm(truth["subtitle"])}
    got = [
        g
        for g in _strip_dateline([norm(g) for g in got], truth["dateline"])
        if g and g not in neutral
    ]
    pool = list(want)
    tp = 0
    for g in got:
        if g in pool:
            pool.remove(g)
            tp += 1
    return tp, len(got), len(want), got == want


class Tally:
    def __init__(self) -> None:
        self.pages = self.title = self.date = self.exact = 0
        self.tp = self.got = self.want = 0
        self.missing = 0

    def add(
        self, truth: dict, title: str | None, date: str | None, paras: list[str] | None
    ) -> None:
        self.pages += 1
        if paras is None:  # extractor gave up on a page that is a release
            self.missing += 1
            self.want += len(truth["paragraphs"])
            return
        self.title += norm(title) == norm(truth["title"])
        want_date = truth["published_date"].isoformat() if truth["published_date"] else None
        self.date += (date or None) == want_date
        tp, got, want, exact = score_body(paras, truth)
        self.tp += tp
        self.got += got
        self.want += want
        self.exact += exact

    def result(self) -> dict:
        p = self.tp / self.got if self.got else 0.0
        r = self.tp / self.want if self.want else 0.0
        n = max(self.pages, 1)
        return {
            "pages": self.pages,
            "title": self.title / n,
            "date": self.date / n,
            "body_exact": self.exact / n,
            "para_precision": p,
            "para_recall": r,
            "para_f1": 2 * p * r / (p + r) if p + r else 0.0,
            "no_output": self.missing,
        }


def ours_fields(body: bytes | str, url: str) -> tuple[str | None, str | None, list[str] | None]:
    try:
        rel = extract_release(body, url)
    except Exception:
        return None, None, None
    return (
        rel.title,
        rel.published_date.isoformat(),
        [b.text for b in rel.blocks if b.kind == "paragraph"],
    )


def trafilatura_fields(
    body: bytes | str, url: str
) -> tuple[str | None, str | None, list[str] | None]:
    xml = trafilatura.extract(body, url=url, output_format="xml", with_metadata=True)
    if not xml:
        return None, None, None
    doc = ET.fromstring(xml)
    main = doc.find("main")
    paras = ["".join(p.itertext()) for p in main.iter("p")] if main is not None else []
    return doc.get("title"), doc.get("date"), paras


def lake_fields(lake: Path) -> dict[str, tuple[str, str | None, list[str]]]:
    """{path: (title, date, paragraph texts)} as the lake's views show them."""
    from ingest import views

    con = views.connect(lake)
    try:
        rel = con.execute(
            "SELECT path, release_id, title, CAST(published_date AS VARCHAR) FROM releases"
        ).fetchall()
        blocks = con.execute(
            "SELECT release_id, text FROM release_blocks "
            "WHERE kind = 'paragraph' ORDER BY release_id, ordinal"
        ).fetchall()
    finally:
        con.close()
    paras: dict[str, list[str]] = {}
    for rid, text in blocks:
        paras.setdefault(rid, []).append(text)
    return {path: (title, date, paras.get(rid, [])) for path, rid, title, date in rel}


def accuracy(
    truth: list[dict],
    pages: dict[str, tuple[str, bytes | str]],
    lake: dict[str, tuple] | None,
    n_trafilatura: int,
) -> dict:
    """Ours (lake and extractor) and trafilatura vs ground truth on dated, valid releases.

    `pages`: {path: (url, html)} for the pages to score with the extractors."""
    t_lake, t_ours, t_ours_s, t_traf = Tally(), Tally(), Tally(), Tally()
    traf_paths = set(sorted(pages)[:n_trafilatura]) if trafilatura is not None else set()
    for t in truth:
        path = t["url_path"]
        if lake is not None:
            t_lake.add(t, *lake.get(path, (None, None, None)))
        if path not in pages:
            continue
        url, html = pages[path]
        fields = ours_fields(html, url)
        t_ours.add(t, *fields)
        if path in traf_paths:
            t_ours_s.add(t, *fields)
            t_traf.add(t, *trafilatura_fields(html, url))
    out = {"ours_extractor": t_ours.result()}
    if lake is not None:
        out["ours_lake"] = t_lake.result()
    if traf_paths:
        out["ours_on_trafilatura_sample"] = t_ours_s.result()
        out["trafilatura"] = t_traf.result()
    return out
