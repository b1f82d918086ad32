"""What the product is: the wheel carries the library, its flows, the view definitions and
the built-in source definitions, and no fixture; product code never imports a fixture."""

from __future__ import annotations

import ast
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = [ROOT / "src" / "ingest", ROOT / "flows"]
DEV_PACKAGES = ("newsrooms", "tests", "bench")


def _imported_modules(path: Path) -> set[str]:
    """Every module a file imports (statically, or by name through importlib/__import__)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Call):
            func = node.func
            name = getattr(func, "attr", None) or getattr(func, "id", None)
            if (
                name in ("import_module", "__import__")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                names.add(node.args[0].value)
    return names


def test_product_code_never_imports_a_fixture_or_a_dev_package():
    offenders = []
    for base in PRODUCT:
        for path in sorted(base.rglob("*.py")):
            for mod in _imported_modules(path):
                top = mod.split(".")[0]
                if top in DEV_PACKAGES or mod.startswith("ingest.newsroom"):
                    offenders.append(f"{path.relative_to(ROOT)} imports {mod}")
    assert offenders == []


def test_the_fixture_newsrooms_are_outside_the_product_package():
    assert not (ROOT / "src" / "ingest" / "newsroom").exists()
    assert not (ROOT / "src" / "ingest" / "demo.py").exists()
    assert (ROOT / "newsrooms" / "interpol" / "site.py").is_file()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    """The wheel `pip install .` / `uv build` make, built by the same backend (hatchling)."""
    from hatchling.builders.wheel import WheelBuilder

    out = tmp_path_factory.mktemp("wheel")
    (built,) = WheelBuilder(str(ROOT)).build(directory=str(out), versions=["standard"])
    return zipfile.ZipFile(built)


def test_the_wheel_holds_the_product_and_no_fixture(wheel):
    names = wheel.namelist()
    tops = {n.split("/")[0] for n in names}
    assert tops == {"ingest", "flows", "press_lake-0.1.0.dist-info"}
    assert not [
        n
        for n in names
        if "newsroom" in n or n.endswith("demo.py") or "/corpus/" in n or n.startswith(DEV_PACKAGES)
    ]
    # What the installed tool needs beside its code.
    assert "ingest/sql/01_releases.sql" in names
    assert "flows/prefect.toml" in names
    assert "ingest/sources/interpol.toml" in names  # `--source interpol` when installed
    assert "ingest/cli.py" in names and "flows/daily.py" in names
    assert "flows/cli.py" in names  # the `ingest` command ([project.scripts])
