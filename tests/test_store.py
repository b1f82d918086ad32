"""The storage seam's contract, run against both stores: `LocalStore` on a temporary
directory, `ObjectStore` against moto's S3 server on 127.0.0.1 (started and stopped here;
those cases are integration tests, the local ones are unit tests)."""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import polars as pl
import pytest

from ingest import lake as lk
from ingest import views
from ingest.errors import LeaseError
from ingest.storage import ObjectLake
from ingest.store import LocalStore, ObjectStore, Store, open_store
from tests.moto_server import moto_s3

BUCKET = "store-contract"


@pytest.fixture(scope="module")
def moto(monkeypatch_module, tmp_path_factory):
    """moto's S3 server on 127.0.0.1 with one bucket; yields the endpoint."""
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with moto_s3(log, BUCKET, monkeypatch_module.setenv) as endpoint:
        yield endpoint


@pytest.fixture(params=["local", pytest.param("object", marks=pytest.mark.integration)])
def lake(request, tmp_path: Path) -> Path | ObjectLake:
    """A fresh lake of each kind: a directory, or its own prefix in the moto bucket."""
    if request.param == "local":
        return tmp_path / "lake"
    endpoint = request.getfixturevalue("moto")
    return ObjectLake(f"s3://{BUCKET}/{uuid.uuid4().hex[:8]}", endpoint)


@pytest.fixture()
def store(lake) -> Store:
    return open_store(lake)


def test_open_store_resolves_every_kind_of_lake_argument(tmp_path: Path):
    assert isinstance(open_store(tmp_path), LocalStore)
    assert isinstance(open_store(str(tmp_path)), LocalStore)
    assert isinstance(open_store(ObjectLake("s3://b/p")), ObjectStore)
    found = open_store("s3://b/p")
    assert isinstance(found, ObjectStore) and found.url("x") == "s3://b/p/x"
    local = open_store(tmp_path)
    assert open_store(local) is local
    assert open_store(tmp_path).url("a/b") == str(tmp_path.resolve() / "a" / "b")


def test_write_then_read_and_missing_raises(store: Store):
    with pytest.raises(FileNotFoundError):
        store.read("t/a.bin")
    store.write("t/a.bin", b"one")
    assert store.read("t/a.bin") == b"one"
    store.write("t/a.bin", b"two", durable=False)
    assert store.read("t/a.bin") == b"two"


def test_write_replaces_atomically(store: Store):
    """A reader racing a writer sees the old bytes or the new ones, never a mix or nothing."""
    big_a, big_b = b"a" * 300_000, b"b" * 300_000
    store.write("t/x.bin", big_a)
    stop = threading.Event()
    reads: list[bool] = []

    def read() -> None:
        while not stop.is_set():
            data = store.read("t/x.bin")
            reads.append(data in (big_a, big_b))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for i in range(20):
            store.write("t/x.bin", big_b if i % 2 else big_a, durable=bool(i % 3))
    finally:
        stop.set()
        reader.join()
    assert reads and all(reads), f"{reads.count(False)} torn reads of {len(reads)}"
    assert not store.listing(lk.STAGING)  # nothing left half-written


def test_create_only_refuses_a_second_writer(store: Store):
    assert store.create("c/one.json", b"first")
    assert not store.create("c/one.json", b"second")
    assert store.read("c/one.json") == b"first"
    # Of many racing creators of one name, exactly one wins and its bytes stay.
    with ThreadPoolExecutor(8) as pool:
        won = list(pool.map(lambda i: store.create("c/race.json", b"%d" % i), range(8)))
    assert won.count(True) == 1
    assert store.read("c/race.json") == b"%d" % won.index(True)
    assert not store.listing(lk.STAGING)


def test_listing_names_objects_under_a_prefix_with_their_age(store: Store):
    assert store.listing("tbl") == []
    before = time.time() - 5
    for rel in ("tbl/k=1/a.parquet", "tbl/k=2/b.parquet", "tbl/c.parquet", "other/d.parquet"):
        store.write(rel, b"x")
    found = store.listing("tbl")
    assert [rel for rel, _ in found] == ["tbl/c.parquet", "tbl/k=1/a.parquet", "tbl/k=2/b.parquet"]
    assert all(before <= modified <= time.time() + 5 for _, modified in found)
    store.delete("tbl/c.parquet")
    store.delete("tbl/never-there.parquet")  # absent is fine
    assert [rel for rel, _ in store.listing("tbl/")] == ["tbl/k=1/a.parquet", "tbl/k=2/b.parquet"]


def test_lock_excludes_a_second_holder_until_released(store: Store):
    with store.lock(5):
        with pytest.raises(LeaseError), store.lock(0.3):
            pass
        released = threading.Event()

        def wait_for_it() -> None:
            with store.lock(10):
                released.set()

        waiter = threading.Thread(target=wait_for_it)
        waiter.start()
        time.sleep(0.3)
        assert not released.is_set()  # still ours
    waiter.join(10)
    assert released.is_set()  # taken as soon as we let go


def test_commit_point_and_two_writers_of_one_version(lake, store: Store):
    assert store.read_head() is None and not lk.has_commit(lake)
    base = lk.init_lake(lake)
    assert base.version == 1 and lk.has_commit(lake)
    assert lk.read_manifest(lake) == base
    key = lk.partition_key("en", 2023)
    frame = pl.DataFrame({"release_id": ["a"], "language": ["en"], "year": [2023]})
    rel = lk.write_data_file(lake, "releases", key, frame, 2)
    won = lk.commit(lake, base, {"releases": {key: rel}}, run_id="first")
    with pytest.raises(LeaseError):  # read the same base: refused, not merged over
        lk.commit(lake, base, {"releases": {key: None}}, run_id="second")
    assert lk.read_manifest(lake) == won and won.version == 2
    got = lk.read_data_file(lake, won.file("releases", key), {"release_id": pl.String}, key)
    assert got["release_id"].to_list() == ["a"]
    statements = " ".join(s for _, s in views.view_statements(lake))
    assert store.url(rel) in statements  # the views name the store's own URLs


def test_raw_zone_round_trip(lake, store: Store):
    rel = lk.store_raw(lake, "interpol", "/en/x", "سلام".encode())
    assert lk.load_raw(lake, rel).decode() == "سلام"
    lk.store_raw(lake, "interpol", "/en/x", b"v2")
    assert lk.load_raw(lake, rel) == b"v2"
    assert [r for r, _ in store.listing("raw")] == [rel]
