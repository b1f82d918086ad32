"""Translation families: resolved at the lake from every link at once (transform.
resolve_families), carried from pages and sitemaps, shown by the release_families view."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import polars as pl

from ingest import pipeline
from ingest import schemas as sc
from ingest import transform as tf
from ingest.fetch import FetchResult
from ingest.settings import load_settings
from ingest.views import connect

SRC = "interpol"


def members(*rows: tuple[str, str]) -> pl.DataFrame:
    return pl.DataFrame(
        [{"release_id": tf.short_hash(f"{SRC}:{p}"), "path": p, "language": lg} for p, lg in rows],
        schema={c: sc.FAMILIES[c] for c in ("release_id", "path", "language")},
    )


def links(*rows: tuple[str, str, str]) -> pl.DataFrame:
    """(source path, target path, target language); the source's language is its first
    path segment."""
    return pl.DataFrame(
        [(s, s.split("/")[1], t, tl, "page") for s, t, tl in rows], schema=sc.LINKS, orient="row"
    )


def keys(m: pl.DataFrame, lk: pl.DataFrame) -> dict[str, str]:
    return dict(
        tf.resolve_families(m, lk, source=SRC).select("path", "translation_key").iter_rows()
    )


def test_families_are_symmetric_and_transitive():
    # the Arabic page links only the French one, the English one only the French one
    m = members(("/en/a", "en"), ("/fr/a", "fr"), ("/ar/a", "ar"), ("/en/b", "en"))
    got = keys(m, links(("/en/a", "/fr/a", "fr"), ("/ar/a", "/fr/a", "fr")))
    assert got["/en/a"] == got["/fr/a"] == got["/ar/a"]
    assert got["/en/b"] != got["/en/a"]  # an unrelated release never shares the key
    assert len(set(got.values())) == 2


def test_a_link_to_a_language_home_glues_nothing_together():
    m = members(("/en/a", "en"), ("/en/b", "en"), ("/es/b", "es"))
    got = keys(
        m,
        links(
            ("/en/a", "/fr", "fr"),
            ("/en/b", "/fr", "fr"),
            ("/es/b", "/fr", "fr"),
            ("/es/b", "/en/b", "en"),
        ),
    )
    assert got["/en/a"] != got["/en/b"]
    assert got["/en/b"] == got["/es/b"]


def test_two_versions_in_one_language_are_never_one_family():
    m = members(("/en/a", "en"), ("/fr/a", "fr"), ("/en/z", "en"))
    # /en/z claims /fr/a as its translation too; /fr/a and /en/a confirm each other
    got = keys(
        m, links(("/en/a", "/fr/a", "fr"), ("/fr/a", "/en/a", "en"), ("/en/z", "/fr/a", "fr"))
    )
    assert got["/en/a"] == got["/fr/a"] != got["/en/z"]


def test_resolving_one_batch_gives_what_resolving_everything_gives():
    rng = random.Random(3)
    rows, ls = [], []
    for f in range(60):  # families of up to four languages; some links one-way, some hubs
        langs = rng.sample(["en", "fr", "es", "ar"], rng.randint(1, 4))
        paths = [f"/{lg}/n/{f}" for lg in langs]
        rows += list(zip(paths, langs, strict=True))
        for p in paths:
            ls += [(p, q, q.split("/")[1]) for q in paths if q != p and rng.random() < 0.7]
            if rng.random() < 0.1:
                ls.append((p, "/fr", "fr"))  # a language home: a hub once two pages link it
    everything = keys(members(*rows), links(*ls))
    # the same lake, landed in batches: each batch resolved incrementally
    done: list[tuple[str, str]] = []
    previous = None
    for i in range(0, len(rows), 25):
        batch = rows[i : i + 25]
        done += batch
        paths = {p for p, _ in done}
        previous = tf.resolve_families(
            members(*done),
            links(*[e for e in ls if e[0] in paths]),
            source=SRC,
            previous=previous,
            touched=[p for p, _ in batch],
        )
    assert dict(previous.select("path", "translation_key").iter_rows()) == everything


def test_keys_are_stable_across_runs_and_when_a_linked_version_lands():
    lk = links(("/en/a", "/fr/a", "fr"), ("/en/a", "/es/a", "es"))
    before = keys(members(("/en/a", "en")), lk)
    grown = keys(
        members(("/en/a", "en"), ("/fr/a", "fr")), pl.concat([lk, links(("/fr/a", "/en/a", "en"))])
    )
    assert grown["/en/a"] == grown["/fr/a"] == before["/en/a"]
    # the same inputs in any order: the same keys
    rows = [("/en/a", "en"), ("/fr/a", "fr"), ("/en/b", "en"), ("/ar/b", "ar")]
    ls = [("/en/a", "/fr/a", "fr"), ("/ar/b", "/en/b", "en"), ("/fr/a", "/en/a", "en")]
    want = keys(members(*rows), links(*ls))
    for seed in range(5):
        rng = random.Random(seed)
        rng.shuffle(rows)
        rng.shuffle(ls)
        assert keys(members(*rows), links(*ls)) == want


# ---- at the lake ---------------------------------------------------------------------------

NOW = datetime(2026, 11, 29, 6, 30, tzinfo=UTC)
BASE = "https://www.interpol.int"
EN = "/en/News-and-Events/News/2024/Operation-Lionfish-seizes-drugs"
FR = "/fr/Actualites-et-evenements/Actualites/2024/Operation-Lionfish-saisie-de-drogue"
ES = "/es/Noticias-y-acontecimientos/Noticias/2024/Operacion-Lionfish-incauta-drogas"
AR = "/ar/1/1/2024/Operation-Lionfish"


def fetched(
    path: str,
    lang: str,
    date: str,
    hreflang: dict[str, str],
    alternates: tuple[tuple[str, str], ...] = (),
) -> pipeline.FetchedPage:
    head = "".join(
        f'<link rel="alternate" hreflang="{lg}" href="{BASE}{p}">' for lg, p in hreflang.items()
    )
    # the language switcher also links the newsroom home of each language: never a translation
    switch = "".join(f'<a hreflang="{lg}" href="/{lg}">{lg}</a>' for lg in ("en", "fr", "es"))
    html = (
        f'<html lang="{lang}"><head>{head}</head><body><div>{switch}</div><article>'
        f"<h1>Lionfish {lang}</h1><time datetime='{date}'>{date}</time>"
        f"<p>LYON, France – Police in 30 countries seized drugs worth USD 2 billion during "
        f"a month-long operation ({lang}).</p><p>More than 200 people were arrested in "
        "three regions.</p></article></body></html>"
    ).encode()
    plan = pipeline.PagePlan(
        path=path, url=BASE + path, language=lang, reason="new", alternates=alternates
    )
    res = FetchResult(
        url=plan.url,
        final_url=plan.url,
        status=200,
        body=html,
        headers={},
        fetched_at=NOW,
        elapsed_s=0.01,
    )
    return pipeline.FetchedPage(plan, result=res)


def test_families_resolve_across_batches_and_signals(tmp_path):
    settings = load_settings(lake=tmp_path, base_url=BASE, env={})
    # batch 1: the English page knows no translation; only the sitemap links it to French
    pipeline.land_pages(
        [fetched(EN, "en", "2024-03-01", {}, (("fr", FR),))], settings, run_id="r1", now=NOW
    )
    # batch 2: the French page (hreflang to Spanish), the Spanish one (to Arabic), 5 and 9
    # days later
    pipeline.land_pages(
        [fetched(FR, "fr", "2024-03-06", {"es": ES}), fetched(ES, "es", "2024-03-10", {"ar": AR})],
        settings,
        run_id="r2",
        now=NOW,
    )
    con = connect(settings.lake)
    got = dict(con.sql("SELECT language, translation_key FROM releases").fetchall())
    assert set(got) == {"en", "fr", "es"} and len(set(got.values())) == 1
    fam = con.sql("SELECT * FROM release_families").pl().to_dicts()
    assert len(fam) == 1
    f = fam[0]
    assert f["languages"] == ["en", "es", "fr"] and f["missing"] == ["ar"]
    assert f["linked_not_landed"] == ["ar"]  # the Spanish page links an Arabic version
    assert f["lag_days"] == 9 and f["lag_days_by_language"] == {"en": 0, "es": 9, "fr": 5}
    signals = dict(
        con.sql(
            "SELECT target_language, signal FROM translation_links WHERE source_path = ?",
            params=[EN],
        ).fetchall()
    )
    assert signals == {"fr": "sitemap"}  # language homes in the switcher are not links
    # every release has one key, and its parquet row already carries it when it landed late
    assert con.sql("SELECT count(DISTINCT translation_key) FROM releases").fetchall() == [(1,)]
