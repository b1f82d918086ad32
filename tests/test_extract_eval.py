"""`make eval` works: the scorer runs on a corpus in the Fundus layout (a tiny one built here
from golden pages, since the real corpus is not on a user's machine) and skips cleanly
when there is none. Scores are not asserted beyond what the tiny corpus makes certain."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

from bench.eval_scoring import prf, shingles, tokens

REPO = Path(__file__).resolve().parents[1]
GOLDEN = REPO / "tests" / "golden"


def _corpus(root: Path, names: list[str]) -> None:
    """index.jsonl + gzipped pages, as ../shared/corpora/fundus lays them out."""
    lines = []
    for i, name in enumerate(names):
        exp = json.loads((GOLDEN / "expected" / f"{name}.json").read_text(encoding="utf-8"))
        page = f"xx/Publisher{i}_2024_01_0{i + 1}.html.gz"
        (root / "xx").mkdir(parents=True, exist_ok=True)
        (root / page).write_bytes(gzip.compress((GOLDEN / "pages" / f"{name}.html").read_bytes()))
        paras = [b["text"] for b in exp["blocks"] if b["kind"] != "heading"]
        lines.append(
            json.dumps(
                {
                    "page": page,
                    "url": exp["url"],
                    "publisher": f"Publisher{i}",
                    "country": "xx",
                    "title": exp["title"],
                    "publishing_date": exp["published_date"] + " 10:00:00+00:00",
                    "summary": [exp["subtitle"]] if exp["subtitle"] else [],
                    "sections": [{"headline": [], "paragraphs": paras}],
                }
            )
        )
    (root / "index.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bench.eval_extraction", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_scorer_runs_on_a_corpus_in_the_fundus_layout(tmp_path):
    corpus = tmp_path / "corpus"
    _corpus(corpus, ["fr-drupal", "en-wordpress", "es-semantic-jsonld", "ar-seed-heavy"])
    out, res = tmp_path / "EXTRACTION.md", tmp_path / "eval.json"
    done = _run(
        "--corpus",
        str(corpus),
        "--no-trafilatura",
        "--metamorphic",
        "2",
        "--out",
        str(out),
        "--json",
        str(res),
    )
    assert done.returncode == 0, done.stderr[-2000:]
    text = out.read_text(encoding="utf-8")
    for part in (
        "## Whole corpus",
        "## Golden set",
        "## Metamorphic checks",
        "## Worst pages",
        "body F1",
        "refused",
        "ms/page median",
    ):
        assert part in text, part
    scores = json.loads(res.read_text())["scores"]["all"]["ours"]
    assert scores["pages"] == 4 and scores["refused"] == 0.0
    assert scores["date"] == 1.0 and scores["title"] == 1.0
    # the dateline is cut from the first paragraph in the corpus truth: F1 stays just below 1
    assert scores["f1"] > 0.95


def test_no_corpus_is_a_clean_skip(tmp_path):
    done = _run("--corpus", str(tmp_path / "nowhere"), "--no-trafilatura")
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"skipped: corpus not found at {tmp_path / 'nowhere'}" in done.stdout


def test_shingle_scoring_is_the_documented_one():
    assert tokens("L'État, c'est «moi» — 2024!") == ["l", "état", "c", "est", "moi", "2024"]
    assert tokens("東京都") == ["東", "京", "都"]  # Han and kana: one token per character
    assert sum(shingles("a b c d e").values()) == 2  # word 4-grams
    assert prf("a b c d e f", "a b c d e f") == (1.0, 1.0, 1.0)
    p, r, f1 = prf("a b c d", "a b c d e f g")  # 1 of 1 extracted, 1 of 4 expected
    assert (p, r) == (1.0, 0.25) and abs(f1 - 0.4) < 1e-9
    assert prf(None, "a b c d") == (0.0, 0.0, 0.0)
