"""The code's shape, as a rule with a test: small modules, small functions, a library that
does not import its orchestrator, and no library code writing the process environment.

Limits: no module in `src/ingest` or `flows` over 600 lines, no function (or method) over
100 lines. `EXEMPT_*` lists what predates the rule; entries only ever go (a listed item
that now fits fails the test, so the list cannot go stale).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TREES = (ROOT / "src" / "ingest", ROOT / "flows")
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 100

EXEMPT_MODULES: set[str] = set()
EXEMPT_FUNCTIONS: set[str] = set()
# None left: the installed `ingest` command (flows/cli.py) hands the library CLI the flows.
EXEMPT_IMPORTERS: set[str] = set()


def _modules() -> list[Path]:
    return sorted(p for tree in TREES for p in tree.rglob("*.py"))


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _functions(path: Path) -> dict[str, int]:
    """Qualified name -> length in lines (decorators and docstring included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    sizes: dict[str, int] = {}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                first = min([child.lineno, *(d.lineno for d in child.decorator_list)])
                name = f"{prefix}{child.name}"
                sizes[name] = (child.end_lineno or child.lineno) - first + 1
                visit(child, f"{name}.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")

    visit(tree, "")
    return sizes


def test_no_module_over_the_line_limit() -> None:
    over = {}
    for path in _modules():
        n = len(path.read_text(encoding="utf-8").splitlines())
        if n > MAX_MODULE_LINES:
            over[_rel(path)] = n
    new = {k: v for k, v in over.items() if k not in EXEMPT_MODULES}
    assert not new, f"modules over {MAX_MODULE_LINES} lines (split them): {new}"
    stale = EXEMPT_MODULES - set(over)
    assert not stale, f"these now fit: remove them from EXEMPT_MODULES: {sorted(stale)}"


def test_no_function_over_the_line_limit() -> None:
    over = {}
    for path in _modules():
        for name, n in _functions(path).items():
            if n > MAX_FUNCTION_LINES:
                over[f"{_rel(path)}:{name}"] = n
    new = {k: v for k, v in over.items() if k not in EXEMPT_FUNCTIONS}
    assert not new, f"functions over {MAX_FUNCTION_LINES} lines (split them): {new}"
    stale = EXEMPT_FUNCTIONS - set(over)
    assert not stale, f"these now fit: remove them from EXEMPT_FUNCTIONS: {sorted(stale)}"


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("forbidden", ["flows", "newsrooms"])
def test_the_library_never_imports_its_orchestrator_or_fixtures(forbidden: str) -> None:
    offenders = {
        _rel(p) for p in (ROOT / "src" / "ingest").rglob("*.py") if forbidden in _imports(p)
    }
    assert not offenders - EXEMPT_IMPORTERS, f"src/ingest imports {forbidden}: {offenders}"


def test_library_code_never_writes_the_environment() -> None:
    """Settings are read once at the edge (settings.load_settings) and passed down."""
    offenders = []
    for path in (ROOT / "src" / "ingest").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            target = None
            if isinstance(node, ast.Assign | ast.AugAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                target = next((t for t in targets if isinstance(t, ast.Subscript)), None)
                target = target.value if target is not None else None
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in {"setdefault", "update", "pop", "putenv"}
            ):
                target = node.func.value
            if target is not None and ast.unparse(target) in {"os.environ", "os"}:
                offenders.append(f"{_rel(path)}:{node.lineno}")
    assert not offenders, f"library code writes os.environ: {offenders}"
