"""Pages fetched, kept and extracted in worker processes give what inline work gives."""

from __future__ import annotations

import pickle

import pytest

from ingest import errors, pagepool, pipeline
from ingest import lake as lk
from ingest.extract import Rejection, Release
from ingest.fetch import Fetcher, build_session
from ingest.settings import load_settings
from tests.httpfake import ScriptedServer

N_GOOD = 70  # above MIN_PAGES_FOR_POOL, so the batch goes to the workers


def article(i: int) -> bytes:
    return (
        f'<html lang="en"><head><title>Operation Sandstorm {i}</title></head><body>'
        f"<article><h1>Operation Sandstorm {i} leads to 40 arrests</h1>"
        f'<time datetime="2023-05-{1 + i % 28:02d}">4 May 2023</time>'
        f"<p>LYON, France – Police in {i} countries arrested 40 suspects.</p>"
        "<p>The operation ran in three regions over a month.</p></article></body></html>"
    ).encode()


def routes() -> dict:
    html = {"Content-Type": "text/html; charset=utf-8"}
    r: dict = {"/robots.txt": [(200, {}, b"User-agent: *\nDisallow: /private/\n")]}
    for i in range(N_GOOD):
        r[f"/en/News-and-Events/News/2023/a-{i}"] = [(200, {**html, "ETag": f'"e{i}"'}, article(i))]

    def conditional(handler):  # 304 when the client sends the validator we gave it
        if handler.headers.get("If-None-Match") == '"same"':
            return 304, {"ETag": '"same"'}, b""
        return 200, html, article(999)

    r["/en/News-and-Events/News/2023/unchanged"] = [(200, {}, conditional)]
    r["/en/News-and-Events/News/2023/broken"] = [(200, html, b"<html><body>\x00\x01</body>")]
    r["/en/News-and-Events/News/2023/down"] = [(503, {}, b"busy")]
    return r


def plans(base: str) -> list[pipeline.PagePlan]:
    paths = [f"/en/News-and-Events/News/2023/a-{i}" for i in range(N_GOOD)]
    paths += [
        "/en/News-and-Events/News/2023/broken",
        "/en/News-and-Events/News/2023/down",
        "/en/News-and-Events/News/2023/gone",
        "/private/secret",
    ]
    out = [pipeline.PagePlan(path=p, url=base + p, language="en", reason="new") for p in paths]
    out.append(
        pipeline.PagePlan(
            path="/en/News-and-Events/News/2023/unchanged",
            url=base + "/en/News-and-Events/News/2023/unchanged",
            language="en",
            reason="recheck",
            etag='"same"',
        )
    )
    return out


@pytest.fixture()
def srv():
    with ScriptedServer(routes()) as server:
        yield server


def run_batch(srv, tmp_path, monkeypatch, workers: str, **overrides):
    srv.log.clear()
    settings = load_settings(
        base_url=srv.base_url,
        lake=tmp_path / workers,
        env={},
        max_retries=0,
        parse_workers=int(workers),
        **overrides,
    )
    fetcher = Fetcher(build_session(settings), settings)
    pages = pipeline.fetch_pages(plans(srv.base_url), fetcher, settings)
    return settings, fetcher, pages, srv.paths()


def summary(settings, pages: list[pipeline.FetchedPage]) -> list[tuple]:
    out = []
    for p in pages:
        if p.error is not None:
            out.append((p.plan.path, type(p.error).__name__, p.error.status))
            continue
        assert p.result is not None
        raw = lk.load_raw(settings.lake, p.raw_path) if p.raw_path else None
        outcome = p.extracted() if p.result.status != 304 else None
        out.append((p.plan.path, p.result.status, raw, outcome))
    return out


def test_workers_fetch_keep_and_extract_like_inline_work(srv, tmp_path, monkeypatch):
    s_in, f_in, inline, _ = run_batch(srv, tmp_path, monkeypatch, "0")
    s_w, f_w, pooled, log = run_batch(srv, tmp_path, monkeypatch, "2")
    assert summary(s_w, pooled) == summary(s_in, inline)
    by_path = {p.plan.path: p for p in pooled}
    assert type(by_path["/en/News-and-Events/News/2023/gone"].error) is errors.GoneError
    assert type(by_path["/private/secret"].error) is errors.RobotsDisallowedError
    assert isinstance(by_path["/en/News-and-Events/News/2023/broken"].extracted(), Rejection)
    assert by_path["/en/News-and-Events/News/2023/unchanged"].result.status == 304
    # The workers did the work: bodies stayed in the workers (the raw zone has them).
    assert all(p.result.body == b"" for p in pooled if p.result and p.result.status == 200)
    # robots.txt once for the run (workers reuse the parent's), each page once, counted.
    assert log.count("/robots.txt") == 1
    page_requests = [p for p in log if p != "/robots.txt"]
    assert len(page_requests) == len(set(page_requests)) == len(pooled) - 1  # /private skipped
    assert f_w.requests_made == f_in.requests_made == len(page_requests)


def test_a_paced_host_is_fetched_here_and_parsed_in_workers(srv, tmp_path, monkeypatch):
    _, fetcher, pages, log = run_batch(srv, tmp_path, monkeypatch, "2", requests_per_second=2000.0)
    assert fetcher.limiter.paced
    assert log.count("/robots.txt") == 1 and fetcher.requests_made == len(log) - 1
    ok = [p for p in pages if p.result is not None and p.result.status == 200]
    assert len(ok) == N_GOOD + 1
    assert all(p.result.body and p.parsed is not None for p in ok)
    assert all(isinstance(p.extracted(), Release) for p in ok if "broken" not in p.plan.path)


def test_a_lake_error_in_a_worker_fails_the_batch(srv, tmp_path, monkeypatch):
    blocker = tmp_path / "2"
    blocker.write_text("a file where the lake directory should be")
    with pytest.raises(errors.LakeError, match="cannot store raw page"):
        run_batch(srv, tmp_path, monkeypatch, "2")


@pytest.mark.parametrize(
    "exc",
    [
        errors.FetchError("http://x/a", "timed out", status=503),
        errors.GoneError("http://x/a", 410),
        errors.RobotsDisallowedError("http://x/a"),
        errors.ExtractError("http://x/a", "no_date", "d"),
        errors.LakeError("lake/raw", "disk full"),
        errors.ChunkError(["en/2023"], ValueError("x")),
        errors.RefusedRedirectError("http://x/a", "http://evil/b", "host evil is not the newsroom"),
        errors.AddressRefusedError("cdn.x", "cdn.x resolves to 169.254.169.254", transient=False),
        errors.ResponseTooLargeError("http://x/a", "inflated body", 1024),
        errors.DeadlineExceededError("http://x/a", 1.5, 10),
        errors.HostPausedError("http://x/a", "x", "Retry-After 86400 s is beyond the cap"),
        errors.RobotsUnavailableError("http://x/a", "HTTP 503"),
        errors.RunFailedError("nothing_discovered", "discovered no release URL"),
    ],
)
def test_every_error_crosses_a_process_boundary(exc):
    back = pickle.loads(pickle.dumps(exc))
    assert type(back) is type(exc) and str(back) == str(exc) and back.__dict__ == exc.__dict__


def test_worker_count_comes_from_the_settings(tmp_path):
    inline = load_settings(lake=tmp_path, env={"INGEST_PARSE_WORKERS": "0"})
    assert pagepool.workers(inline) == 0 and pagepool.pool(inline) is None
    auto = load_settings(lake=tmp_path, env={})
    assert auto.parse_workers is None and 1 <= pagepool.workers(auto) <= 4
