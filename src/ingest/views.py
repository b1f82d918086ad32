"""DuckDB views over the lake, defined by the plain `.sql` files in `sql/`.

In the `.sql` files a table reads as a glob (`{{lake}}/releases/*/*/*.parquet`); here the
glob is pinned to the files of one committed manifest, as absolute paths. So the views
show exactly one snapshot (never a half-published run, never a superseded file), and work
from any working directory.

`build_views_db` writes `<lake>/lake.duckdb` (a new file swapped in, because an open DuckDB
file cannot be rewritten while an analyst holds it). `connect` gives an in-memory connection
with the same views, which `ingest query` uses without taking any file lock.

An object-store lake (`s3://...`) has no `lake.duckdb` (`build_views_db` returns None): its
views name `s3://` files, read through the s3fs filesystem registered on each connection
(httpfs is not needed), so use `connect` / `ingest query --lake s3://...`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import duckdb
import polars as pl

from ingest import lake as lk
from ingest import schemas as sc
from ingest.errors import LakeError, QueryError
from ingest.storage import ObjectLake

VIEWS_DB = "lake.duckdb"
_READ = re.compile(r"read_parquet\('\{\{lake\}\}/(?P<glob>[^']+)'(?:[^()]|\([^()]*\))*\)")
_TABLE_SCHEMAS = {
    "releases": sc.RELEASES, "release_blocks": sc.BLOCKS, "quotes": sc.QUOTES,
    "release_revisions": sc.REVISIONS, "quarantine": sc.QUARANTINE,
    "ingest_runs": sc.INGEST_RUNS, "pages": sc.PAGES, "sitemaps": sc.SITEMAPS,
    **{table: dtypes for table, (dtypes, _model) in sc.ANALYSIS_TABLES.items()},
}


def sql_dir() -> Path:
    """The view definitions: INGEST_SQL_DIR, the repository's `sql/`, or the packaged copy."""
    if os.environ.get("INGEST_SQL_DIR"):
        return Path(os.environ["INGEST_SQL_DIR"])
    here = Path(__file__).resolve()
    for candidate in (here.parents[2] / "sql", here.parent / "sql"):
        if candidate.is_dir():
            return candidate
    raise LakeError(str(here.parents[2] / "sql"), "view definitions not found; "
                    "set INGEST_SQL_DIR to the repository's sql/ folder")


def _duck_type(dtype: pl.DataType) -> str:
    if dtype == pl.String:
        return "VARCHAR"
    if dtype == pl.Date:
        return "DATE"
    if dtype == pl.Int32:
        return "INTEGER"
    if dtype == pl.Int64:
        return "BIGINT"
    if dtype == pl.Float64:
        return "DOUBLE"
    if isinstance(dtype, pl.Datetime):
        return "TIMESTAMPTZ" if dtype.time_zone else "TIMESTAMP"
    raise LakeError("sql", f"no DuckDB type for polars {dtype}")


def _empty_relation(glob: str) -> str:
    """A typed, empty stand-in for a table that has no files yet (a fresh lake)."""
    table = glob.split("/", 1)[0]
    schema = _TABLE_SCHEMAS[table]
    cols = ", ".join(f"CAST(NULL AS {_duck_type(t)}) AS {c}" for c, t in schema.items())
    return f"(SELECT {cols} WHERE false)"


def render_sql(text: str, lake: Path | ObjectLake, manifest: lk.Manifest) -> str:
    """Pin each table glob to the manifest's files; tables with no file yet become empty
    typed relations (a fresh lake still has every view)."""
    store = lk.remote(lake)
    root = lake.resolve() if store is None else None

    def sub(m: re.Match[str]) -> str:
        glob = m.group("glob")
        table = glob.split("/", 1)[0]
        files = sorted(manifest.files.get(table, {}).values())
        if not files:
            return _empty_relation(glob)
        listed = ", ".join("'" + (store.url(f) if store else str(root / f)).replace("'", "''")
                           + "'" for f in files)
        call = m.group(0)
        return call.replace(f"'{{{{lake}}}}/{glob}'", f"[{listed}]")

    return _READ.sub(sub, text)


def view_statements(lake: Path | ObjectLake,
                    manifest: lk.Manifest | None = None) -> list[tuple[str, str]]:
    manifest = manifest or lk.read_manifest(lake)
    return [(f.name, render_sql(f.read_text(encoding="utf-8"), lake, manifest))
            for f in sorted(sql_dir().glob("*.sql"))]


def create_views(con: duckdb.DuckDBPyConnection, lake: Path | ObjectLake,
                 manifest: lk.Manifest | None = None) -> None:
    for name, statement in view_statements(lake, manifest):
        try:
            con.execute(statement)
        except duckdb.Error as exc:
            raise LakeError(str(lake), f"view file sql/{name} failed: {exc}") from exc


def connect(lake: Path | ObjectLake,
            manifest: lk.Manifest | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with every view over `lake` (its current snapshot, or
    the given manifest's)."""
    con = duckdb.connect()
    store = lk.remote(lake)
    if store is not None:
        con.register_filesystem(store.reader_fs)
    create_views(con, lake, manifest)
    return con


def build_views_db(lake: Path | ObjectLake) -> Path | None:
    """(Re)build `<lake>/lake.duckdb` and swap it in atomically (local lakes only: None for
    an object-store lake, whose views live in each `connect`ion)."""
    if lk.remote(lake) is not None:
        return None
    lake.mkdir(parents=True, exist_ok=True)
    target = lake / VIEWS_DB
    tmp = lake / f".{VIEWS_DB}.{os.getpid()}.new"
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    try:
        create_views(con, lake)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    os.replace(tmp, target)
    return target


def run_query(lake: Path | ObjectLake, sql: str) -> pl.DataFrame:
    """Analyst SQL over the views -> a polars frame."""
    con = connect(lake)
    try:
        return con.sql(sql).pl()
    except duckdb.Error as exc:
        raise QueryError(f"query failed over lake {lake}: {exc}".splitlines()[0]) from exc
    except AttributeError as exc:  # statements with no result set (e.g. SET)
        raise QueryError(f"statement returned no rows to show: {sql[:80]}") from exc
    finally:
        con.close()
