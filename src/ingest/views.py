"""DuckDB views over the lake, defined by the plain `.sql` files in `sql/`.

In the `.sql` files a table reads as a glob (`{{lake}}/releases/*/*/*.parquet`); here the
glob is pinned to the files of one committed manifest, as absolute paths. So the views
show exactly one snapshot (never a half-published run, never a superseded file), and work
from any working directory.

`build_views_db` writes `<lake>/lake.duckdb` (a new file swapped in, because an open DuckDB
file cannot be rewritten while an analyst holds it). `connect` gives an in-memory connection
with the same views, which `ingest query` uses without taking any file lock.

Files are named by the lake's `store.Store` (`url`: an absolute path, or an `s3://` URI),
and each connection is given what reads them (`Store.attach`: nothing for a local lake, the
s3fs filesystem for object storage, so httpfs is not needed). A DuckDB database file can
only live on a local disk, so an object-store lake has no `lake.duckdb` (`build_views_db`
returns None): use `connect` / `ingest query --lake s3://...`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import duckdb
import polars as pl

from ingest import lake as lk
from ingest import schemas as sc
from ingest.errors import LakeError, QueryError, QueryRefusedError
from ingest.storage import ObjectLake
from ingest.store import open_store

VIEWS_DB = "lake.duckdb"
# The DuckDB Python package (2.0) writes storage version 69 by default, which the newest
# DuckDB CLI on PyPI (duckdb-cli 1.5.6, reads 64-68) refuses; v1.5.0 is read by both.
VIEWS_STORAGE_VERSION = "v1.5.0"
_READ = re.compile(r"read_parquet\('\{\{lake\}\}/(?P<glob>[^']+)'(?:[^()]|\([^()]*\))*\)")
_TABLE_SCHEMAS = {
    "releases": sc.RELEASES,
    "release_blocks": sc.BLOCKS,
    "quotes": sc.QUOTES,
    "release_revisions": sc.REVISIONS,
    "quarantine": sc.QUARANTINE,
    "ingest_runs": sc.INGEST_RUNS,
    "pages": sc.PAGES,
    "sitemaps": sc.SITEMAPS,
    "fetch_log": sc.FETCH_LOG,
    "translation_links": sc.LINKS,
    "families": sc.FAMILIES,
    **{table: dtypes for table, (dtypes, _model) in sc.ANALYSIS_TABLES.items()},
}


def sql_dir() -> Path:
    """The view definitions: the repository's `sql/`, or the copy packaged in the wheel."""
    here = Path(__file__).resolve()
    for candidate in (here.parents[2] / "sql", here.parent / "sql"):
        if candidate.is_dir():
            return candidate
    raise LakeError(
        str(here.parents[2] / "sql"),
        "view definitions not found; reinstall press-lake (the wheel carries them as ingest/sql)",
    )


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
    if dtype == pl.Boolean:
        return "BOOLEAN"
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
    store = open_store(lake)

    def sub(m: re.Match[str]) -> str:
        glob = m.group("glob")
        table = glob.split("/", 1)[0]
        files = sorted(manifest.files.get(table, {}).values())
        if not files:
            return _empty_relation(glob)
        listed = ", ".join("'" + store.url(f).replace("'", "''") + "'" for f in files)
        call = m.group(0).replace(f"'{{{{lake}}}}/{glob}'", f"[{listed}]")
        if table in lk.UNPARTITIONED:
            # Small tables whose file may predate a column (a lake written by an older
            # version): the typed empty relation supplies it as NULL until the next commit
            # rewrites the file, so the views never break on an upgrade.
            return f"(SELECT * FROM {call} UNION ALL BY NAME {_empty_relation(glob)})"
        return call

    return _READ.sub(sub, text)


def view_statements(
    lake: Path | ObjectLake, manifest: lk.Manifest | None = None
) -> list[tuple[str, str]]:
    manifest = manifest or lk.read_manifest(lake)
    return [
        (f.name, render_sql(f.read_text(encoding="utf-8"), lake, manifest))
        for f in sorted(sql_dir().glob("*.sql"))
    ]


def create_views(
    con: duckdb.DuckDBPyConnection, lake: Path | ObjectLake, manifest: lk.Manifest | None = None
) -> None:
    for name, statement in view_statements(lake, manifest):
        try:
            con.execute(statement)
        except duckdb.Error as exc:
            raise LakeError(str(lake), f"view file sql/{name} failed: {exc}") from exc


def connect(
    lake: Path | ObjectLake, manifest: lk.Manifest | None = None
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with every view over `lake` (its current snapshot, or
    the given manifest's)."""
    con = duckdb.connect()
    open_store(lake).attach(con)
    create_views(con, lake, manifest)
    return con


def connect_readonly(
    lake: Path | ObjectLake, manifest: lk.Manifest | None = None
) -> duckdb.DuckDBPyConnection:
    """An in-memory connection with the views that can read the snapshot's files and
    nothing else, with DuckDB's own safety settings, locked:

    - `allowed_paths` = the manifest's data files, then `enable_external_access=false`: no
      other file (`read_csv('/etc/passwd')`, `read_text`, `glob`), no `COPY ... TO`, no
      `ATTACH`, no extension download; `autoinstall/autoload_known_extensions=false`;
    - `lock_configuration=true`: no statement can undo any of it.
    """
    manifest = manifest or lk.read_manifest(lake)
    con = duckdb.connect(
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False}
    )
    store = open_store(lake)
    store.attach(con)
    create_views(con, lake, manifest)
    files = sorted({store.url(f) for f in manifest.all_files()})
    con.execute("SET allowed_paths = " + _sql_list(files))
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


def _sql_list(items: list[str]) -> str:
    return "[" + ", ".join("'" + i.replace("'", "''") + "'" for i in items) + "]"


def check_query(con: duckdb.DuckDBPyConnection, sql: str) -> str:
    """The one SELECT in `sql`, or QueryRefusedError naming what is not allowed."""
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryError(f"query does not parse: {exc}".splitlines()[0]) from exc
    if len(statements) != 1:
        raise QueryRefusedError(
            f"one statement per query, got {len(statements)}: run them one at a time"
        )
    kind = statements[0].type
    if kind != duckdb.StatementType.SELECT:
        raise QueryRefusedError(
            f"only a read-only SELECT over the views is allowed, not "
            f"{kind.name} (the lake is read-only for queries)"
        )
    return statements[0].query


def build_views_db(lake: Path | ObjectLake) -> Path | None:
    """(Re)build `<lake>/lake.duckdb` and swap it in atomically (local lakes only: None for
    an object-store lake, whose views live in each `connect`ion)."""
    target = open_store(lake).local_path(VIEWS_DB)
    if target is None:
        return None
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{VIEWS_DB}.{os.getpid()}.new")
    tmp.unlink(missing_ok=True)
    con = duckdb.connect()
    try:
        # Written in a storage format the DuckDB CLI the project installs can open
        # (duckdb-cli, see VIEWS_STORAGE_VERSION); the views themselves are SQL text.
        path = str(tmp).replace("'", "''")
        con.execute(f"ATTACH '{path}' AS views_db (STORAGE_VERSION '{VIEWS_STORAGE_VERSION}')")
        con.execute("USE views_db")
        create_views(con, lake)
        con.execute("CHECKPOINT views_db")
        con.execute("USE memory")
        con.execute("DETACH views_db")
    finally:
        con.close()
    # Read-only on disk: a client opens it with read_only=True (README "Safety limits").
    # The views are not the commit point; a client that changes this file changes no data.
    tmp.chmod(0o444)
    os.replace(tmp, target)
    return target


def run_query(lake: Path | ObjectLake, sql: str) -> pl.DataFrame:
    """One read-only SELECT over the views -> a polars frame (see connect_readonly)."""
    con = connect_readonly(lake)
    try:
        query = check_query(con, sql)
        frame: pl.DataFrame = con.sql(query).pl()
        return frame
    except duckdb.PermissionException as exc:
        raise QueryRefusedError(
            f"refused: the query may read the lake's views only ({exc})".splitlines()[0]
        ) from exc
    except duckdb.Error as exc:
        raise QueryError(f"query failed over lake {lake}: {exc}".splitlines()[0]) from exc
    except AttributeError as exc:  # statements with no result set (e.g. SET)
        raise QueryError(f"statement returned no rows to show: {sql[:80]}") from exc
    finally:
        con.close()
