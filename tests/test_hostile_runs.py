"""Whole runs against hostile newsrooms on 127.0.0.1: what lands, what the run says, that
it ends in bounded time and that the next run resumes."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from ingest import cli, maintenance, pipeline, runner
from ingest import lake as lk
from ingest.settings import load_settings
from ingest.stages import extracting
from ingest.views import run_query
from tests import hostile as h

ART = "/en/News-and-Events/News/2023/"


def settings_for(base_url: str, lake: Path, **overrides):
    overrides.setdefault("requests_per_second", 0)
    overrides.setdefault("backoff_factor", 0.01)
    overrides.setdefault("listing_paths", {})
    return load_settings(base_url=base_url, lake=lake, env={}, languages="en", **overrides)


def run(settings, mode: str = "daily", **kw) -> dict:
    return runner.run(settings, mode, mode, **kw)


def q(lake: Path, sql: str) -> list[dict]:
    return run_query(lake, sql).to_dicts()


def raw_files(lake: Path) -> int:
    return sum(1 for _ in (lake / "raw").rglob("*.gz")) if (lake / "raw").exists() else 0


class Site:
    """A hostile newsroom: `n` good releases plus whatever a test adds; serves a sitemap of
    every page under ART."""

    def __init__(self, n: int, **extra: h.Behaviour) -> None:
        self.server = h.HostileServer(max_seconds=240)
        base = lambda: self.server.base_url  # noqa: E731 - the port is known once bound
        self.server.routes.update(h.site_routes(base, n))
        for name, behaviour in extra.items():
            self.server.routes[ART + name] = behaviour
        paths = [p for p in self.server.routes if p.startswith(ART)]
        self.server.routes["/sitemap.xml"] = h.sitemap(base, paths)

    def __enter__(self) -> h.HostileServer:
        return self.server.start()

    def __exit__(self, *exc: object) -> None:
        self.server.stop()


@pytest.mark.parametrize("workers", ["0", "2"])
def test_a_hostile_newsroom_run_lands_the_good_pages_in_bounded_time(
    workers, tmp_path, monkeypatch
):
    """Inline and through the worker pool: an off-host redirect, the metadata address, a gzip
    bomb, a huge body, a dribble and a non-HTML answer fail or are refused page by page;
    the 66 good pages land, nothing of the refused ones is kept, the run is resumable."""
    monkeypatch.setenv("INGEST_PARSE_WORKERS", workers)
    n = 66  # with the 6 hostile pages, above pagepool.MIN_PAGES_FOR_POOL
    extra = {
        "away": h.redirect("http://evil.example/x"),
        "metadata": h.redirect("http://169.254.169.254/latest/meta-data/"),
        "bomb": h.bomb(64 * 1024 * 1024),
        "huge": h.huge(200 * 1024 * 1024),
        "slow": h.dribble(0.2),
        "image": h.page(b"\x89PNG....", {"Content-Type": "image/png"}),
    }
    with Site(n, **extra) as srv:
        s = settings_for(
            srv.base_url,
            tmp_path,
            max_decoded_bytes=1 << 20,
            max_body_bytes=1 << 20,
            total_timeout=2.0,
            read_timeout=1.0,
        )
        t0 = time.perf_counter()
        row = run(s)
        elapsed = time.perf_counter() - t0
    assert elapsed < 60
    assert row["status"] == "partial", row["error"]
    assert row["new"] == n and row["failed"] == 3  # bomb, huge, slow: retried next run
    assert "3 pages failed" in row["error"]
    state = {
        r["path"].rsplit("/", 1)[-1]: r for r in pipeline.load_pages_state(tmp_path).to_dicts()
    }
    assert state["away"]["status"] == state["metadata"]["status"] == "refused_redirect"
    assert "169.254.169.254" in state["metadata"]["last_error"]
    assert {state[k]["status"] for k in ("bomb", "huge", "slow")} == {"failed"}
    assert "passed the cap" in state["bomb"]["last_error"]
    assert "total deadline" in state["slow"]["last_error"]
    assert state["image"]["status"] == "quarantined" and state["image"]["raw_path"] is None
    # Nothing of the refused, failed or non-HTML pages is in the raw zone.
    assert raw_files(tmp_path) == n
    assert q(tmp_path, "SELECT count(*) AS n FROM releases") == [{"n": n}]
    assert q(tmp_path, "SELECT reason FROM quarantine") == [{"reason": "not_html"}]
    log = q(tmp_path, "SELECT outcome, count(*) AS n FROM fetch_log GROUP BY 1")
    got = {r["outcome"]: r["n"] for r in log}
    assert got["refused_redirect"] == 2 and got["too_large"] == 2 and got["deadline"] == 1
    assert got["ok"] >= n + 3  # pages, robots.txt, sitemap
    assert "evil.example" in row["warnings"]
    # The next run resumes: the three failed pages are planned again, nothing else.
    plans = pipeline.plan_fetches(
        {}, pipeline.load_pages_state(tmp_path), s, mode="daily", today=pipeline.utcnow().date()
    )
    assert sorted(p.path.rsplit("/", 1)[-1] for p in plans) == ["bomb", "huge", "slow"]


def test_an_unreachable_newsroom_fails_and_writes_nothing(tmp_path, capsys):
    base = f"http://127.0.0.1:{h.closed_port()}"
    row = run(settings_for(base, tmp_path))
    assert row["status"] == "failed" and "could not reach the newsroom" in row["error"]
    manifest = lk.read_manifest(tmp_path)
    assert set(manifest.files) <= {"ingest_runs", "fetch_log"}  # no pages, no releases
    assert q(tmp_path, "SELECT status, error FROM ingest_runs")[0]["status"] == "failed"
    code = cli.main(
        ["run", "--engine", "plain", "--base-url", base, "--lake", str(tmp_path / "cli")]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and err[-1].startswith("error: run ") and "could not reach" in err[-1]


def test_a_newsroom_that_never_answers_fails_in_bounded_time(tmp_path):
    with h.HostileServer({"/robots.txt": h.silent, "/sitemap.xml": h.silent}) as srv:
        t0 = time.perf_counter()
        row = run(settings_for(srv.base_url, tmp_path, read_timeout=0.5))
        assert time.perf_counter() - t0 < 10
    assert row["status"] == "failed" and "robots.txt got no answer" in row["error"]


def test_robots_forbidding_everything_fails_the_run(tmp_path):
    with Site(3) as srv:
        srv.routes["/robots.txt"] = h.page(b"User-agent: *\nDisallow: /\n")
        row = run(settings_for(srv.base_url, tmp_path))
        assert srv.paths() == ["/robots.txt"]
    assert row["status"] == "failed" and "disallows the site" in row["error"]


def test_robots_unavailable_pauses_the_run_and_the_next_one_resumes(tmp_path):
    with Site(3) as srv:
        s = settings_for(srv.base_url, tmp_path)
        assert run(s)["status"] == "completed"
        good_robots = srv.routes["/robots.txt"]
        srv.routes["/robots.txt"] = h.respond(503, b"")
        before = len(srv.paths())
        second = runner.run(settings_for(srv.base_url, tmp_path), "backfill", "backfill")
        statuses = {r["status"] for r in pipeline.load_pages_state(tmp_path).to_dicts()}
        fetched_after = [p for p in srv.paths()[before:] if p != "/robots.txt"]
        srv.routes["/robots.txt"] = good_robots
        third = run(settings_for(srv.base_url, tmp_path))
    assert second["status"] == "partial" and "robots.txt unavailable" in second["error"]
    assert statuses == {"robots_unavailable"} and fetched_after == []
    assert third["status"] == "completed" and third["fetched"] == 3
    assert {r["status"] for r in pipeline.load_pages_state(tmp_path).to_dicts()} == {"ok"}


def test_robots_unavailable_on_a_fresh_lake_is_partial_not_completed(tmp_path):
    with Site(3) as srv:
        srv.routes["/robots.txt"] = h.respond(500, b"")
        row = run(settings_for(srv.base_url, tmp_path))
    assert row["status"] == "partial" and "RFC 9309" in row["error"]


def test_a_redesign_that_hides_the_text_in_a_script_fails_loudly(tmp_path):
    blob = (
        b'<html lang="en"><head><title>News</title></head><body><div id="app"></div>'
        b'<script>window.__DATA__ = {"title": "Operation", "body": "..."}</script>'
        b"</body></html>"
    )
    with Site(0, **{f"r-{i}": h.page(blob) for i in range(4)}) as srv:
        row = run(settings_for(srv.base_url, tmp_path))
    assert row["status"] == "failed" and "refused by extraction" in row["error"]
    assert row["quarantined"] == 4
    assert q(tmp_path, "SELECT count(*) AS n FROM releases") == [{"n": 0}]
    assert pipeline.load_sitemap_state(tmp_path) == {}  # state not advanced


def test_a_redesign_that_empties_fields_fails_naming_urls_and_fields(tmp_path):
    with Site(4) as srv:
        s = settings_for(srv.base_url, tmp_path)
        assert run(s)["new"] == 4
        for i in range(2):  # two pages lose their dateline and standfirst, body edited
            srv.routes[f"{ART}a-{i}"] = h.page(
                h.article_html(
                    i, dateline="", subtitle=None, extra="<p>Updated with new figures.</p>"
                )
            )
        row = runner.run(s, "backfill", "backfill")
    assert row["status"] == "failed"
    assert f"{ART}a-0 (subtitle, dateline)" in row["error"]
    assert f"{ART}a-1 (subtitle, dateline)" in row["error"]
    kept = q(tmp_path, "SELECT dateline FROM releases WHERE dateline IS NOT NULL")
    assert len(kept) == 4  # the stored versions stay
    assert {r["reason"] for r in q(tmp_path, "SELECT reason FROM quarantine")} == {"fields_emptied"}


def test_a_flood_sitemap_is_capped_with_warnings(tmp_path):
    srv = h.HostileServer()
    srv.routes.update(
        {
            "/robots.txt": h.page(b"User-agent: *\nAllow: /\n"),
            "/sitemap.xml": h.sitemap_flood(lambda: srv.base_url, 200_000),
        }
    )
    with srv:
        s = settings_for(
            srv.base_url,
            tmp_path,
            max_urls_per_sitemap=500,
            max_planned_fetches=20,
            max_sitemap_bytes=2 << 20,
        )
        t0 = time.perf_counter()
        row = run(s)
        assert time.perf_counter() - t0 < 30
    assert row["discovered"] == 500
    warnings = row["warnings"]
    assert "lists more than 500 URLs" in warnings
    assert "planned fetches capped at 20 of 500" in warnings
    assert row["gone"] == 20  # the flood's pages do not exist; only 20 were asked


def test_a_chain_of_sitemap_indexes_ends_the_discovery(tmp_path):
    srv = h.HostileServer()
    srv.routes.update({"/robots.txt": h.page(b"User-agent: *\nSitemap: /chain/0.xml\n")})
    srv.prefix_routes["/chain/"] = h.IndexChain(lambda: srv.base_url)
    with srv:
        s = settings_for(
            srv.base_url, tmp_path, sitemap_paths=(), max_sitemap_depth=3, max_sitemaps_per_run=10
        )
        row = run(s)
        asked = [p for p in srv.paths() if p.startswith("/chain/")]
    assert len(asked) <= 10
    assert "sitemaps capped at 10" in row["warnings"] or "deeper than 3" in row["warnings"]
    assert row["status"] == "failed" and "discovered no release URL" in row["error"]
    s2 = settings_for(
        srv.base_url, tmp_path, sitemap_paths=(), max_sitemap_depth=2, max_sitemaps_per_run=100
    )
    with h.HostileServer() as srv2:
        srv2.routes["/robots.txt"] = h.page(b"User-agent: *\nSitemap: /chain/0.xml\n")
        srv2.prefix_routes["/chain/"] = h.IndexChain(lambda: srv2.base_url)
        row2 = run(
            load_settings(
                base_url=srv2.base_url,
                lake=tmp_path / "b",
                env={},
                requests_per_second=0,
                listing_paths={},
                sitemap_paths=(),
                max_sitemap_depth=2,
                max_sitemaps_per_run=100,
            )
        )
        # 0.xml; 1 and 1b; 2 and 2b (both of depth 1 name the same two children)
        assert len([p for p in srv2.paths() if p.startswith("/chain/")]) == 1 + 2 + 2
    assert "nested deeper than 2" in row2["warnings"]
    assert s2.max_sitemap_depth == 2


def test_retry_after_beyond_the_cap_pauses_the_host_and_the_run_is_resumable(tmp_path):
    with Site(0, **{f"r-{i}": h.retry_after("86400") for i in range(5)}) as srv:
        t0 = time.perf_counter()
        row = run(settings_for(srv.base_url, tmp_path))
        assert time.perf_counter() - t0 < 10
        asked = [p for p in srv.paths() if p.startswith(ART)]
    assert len(asked) == 1  # one page learned it; the others were not asked at all
    assert row["status"] == "partial" and "paused" in row["error"]
    assert row["failed"] == 5
    plans = pipeline.plan_fetches(
        {},
        pipeline.load_pages_state(tmp_path),
        settings_for("http://x", tmp_path),
        mode="daily",
        today=pipeline.utcnow().date(),
    )
    assert len(plans) == 5 and {p.reason for p in plans} == {"retry"}


def test_a_crawl_delay_beyond_the_cap_pauses_the_host(tmp_path):
    with Site(3) as srv:
        srv.routes["/robots.txt"] = h.page(b"User-agent: *\nCrawl-delay: 100000\n")
        row = run(settings_for(srv.base_url, tmp_path, requests_per_second=1.0))
        assert srv.paths() == ["/robots.txt"]
    assert row["status"] == "partial" and "Crawl-delay 100000 s is beyond the cap" in row["error"]


def test_encodings_by_precedence_and_suspect_text_flagged(tmp_path):
    def release(title: str, body: str, charset: str, meta: bool) -> bytes:
        head = f'<meta charset="{charset}">' if meta else ""
        return (
            f'<html lang="fr"><head>{head}<title>{title}</title></head><body><article>'
            f'<h1>{title}</h1><time datetime="2023-05-04">4 mai 2023</time>'
            f"<p>LYON (France) – {body}</p><p>La police de 30 pays a saisi des "
            "drogues.</p></article></body></html>"
        ).encode(charset, errors="replace")

    fr = "/fr/Actualites-et-evenements/Actualites/2023/"
    header = h.page(
        release(
            "Opération Pangea démantèle un réseau",
            "Une opération menée à Lyon a été un succès.",
            "cp1252",
            meta=False,
        ),
        {"Content-Type": "text/html; charset=windows-1252"},
    )
    good = release(
        "Opération Lionfish saisit de la cocaïne",
        "Une opération menée à Marseille a été très réussie.",
        "utf-8",
        meta=True,
    )
    broken = h.page(
        good.replace(b"\xc3\xa9", b"\xe9", 1),  # one invalid UTF-8 byte
        {"Content-Type": "text/html; charset=utf-8"},
    )
    srv = h.HostileServer()
    srv.routes.update(
        {
            "/robots.txt": h.page(b"User-agent: *\n"),
            fr + "cp1252": header,
            fr + "broken": broken,
            "/sitemap.xml": h.sitemap(lambda: srv.base_url, [fr + "cp1252", fr + "broken"]),
        }
    )
    with srv:
        s = load_settings(
            base_url=srv.base_url,
            lake=tmp_path,
            env={},
            languages="fr",
            requests_per_second=0,
            listing_paths={},
        )
        row = run(s)
    assert row["new"] == 2, row
    got = {
        r["path"].rsplit("/", 1)[-1]: r
        for r in q(
            tmp_path,
            "SELECT path, title, encoding, encoding_source, encoding_suspect FROM releases",
        )
    }
    assert got["cp1252"]["title"] == "Opération Pangea démantèle un réseau"
    assert (got["cp1252"]["encoding"], got["cp1252"]["encoding_source"]) == (
        "cp1252",
        "http-header",
    )
    assert got["cp1252"]["encoding_suspect"] is False
    # One invalid byte (in <title>; the h1 is intact): decoded with U+FFFD, and flagged.
    assert got["broken"]["encoding_suspect"] is True
    assert got["broken"]["title"] == "Opération Lionfish saisit de la cocaïne"
    # Re-parsed from the raw zone (no HTTP header there), the header's charset still holds.
    maintenance.reprocess(tmp_path, languages=["fr"])
    again = q(tmp_path, "SELECT title, encoding_source FROM releases WHERE path LIKE '%cp1252'")
    assert again == [
        {"title": "Opération Pangea démantèle un réseau", "encoding_source": "http-header"}
    ]
    for f in (tmp_path / "releases").rglob("*.parquet"):
        table = pq.read_table(f)
        for col in table.column_names:
            if str(table.schema.field(col).type) in ("string", "large_string"):
                table.column(col).validate(full=True)  # valid UTF-8, or it raises


def test_the_fetch_log_shows_304s_and_robots_decisions(tmp_path):
    def conditional(handler):
        if handler.headers.get("If-None-Match") == '"v1"':
            return h.respond(304, b"", {"ETag": '"v1"'})(handler)
        return h.page(h.article_html(7), {**h.HTML, "ETag": '"v1"'})(handler)

    with Site(0, cond=conditional) as srv:
        srv.routes["/robots.txt"] = h.page(b"User-agent: *\nDisallow: /private\n")
        s = settings_for(srv.base_url, tmp_path)
        run(s)
        runner.run(s, "backfill", "backfill")
    rows = q(
        tmp_path,
        "SELECT kind, status, outcome, robots, bytes, wait_s, run_id "
        "FROM fetch_log ORDER BY requested_at",
    )
    pages = [(r["status"], r["outcome"]) for r in rows if r["kind"] == "page"]
    assert pages == [(200, "ok"), (304, "not_modified")]
    assert {r["robots"] for r in rows if r["kind"] == "page"} == {"allowed"}
    assert [r["kind"] for r in rows].count("robots") == 2  # once per run
    assert len({r["run_id"] for r in rows}) == 2
    assert all(r["bytes"] >= 0 and r["wait_s"] >= 0 for r in rows)
    chains = q(tmp_path, "SELECT redirect_chain FROM fetch_log WHERE redirect_chain IS NOT NULL")
    assert chains == []
    assert json.loads(json.dumps(rows[0], default=str))


def test_the_prefect_flow_run_ends_failed_with_the_reason(tmp_path, prefect, monkeypatch):
    from flows.daily import daily
    from ingest.errors import RunFailedError

    base = f"http://127.0.0.1:{h.closed_port()}"
    monkeypatch.setenv("INGEST_REQUESTS_PER_SECOND", "0")
    state = daily(base_url=base, lake=str(tmp_path), languages=["en"], return_state=True)
    assert state.is_failed() and "could not reach the newsroom" in state.message
    with pytest.raises(RunFailedError, match="newsroom_unreachable"):
        daily(base_url=base, lake=str(tmp_path / "b"), languages=["en"])


def test_a_new_parser_version_may_drop_fields(tmp_path, monkeypatch):
    """Emptied fields are a redesign only under the same parser: a new parser version that
    drops a field (a better extractor) lands, as `ingest reprocess` needs."""
    with Site(2) as srv:
        s = settings_for(srv.base_url, tmp_path)
        assert run(s)["new"] == 2
        srv.routes[f"{ART}a-0"] = h.page(
            h.article_html(0, subtitle=None, extra="<p>Updated figures.</p>")
        )
        monkeypatch.setattr(extracting, "PARSER_VERSION", "next-parser")
        row = runner.run(s, "backfill", "backfill")
    assert row["status"] == "completed" and row["updated"] == 1
