"""The shape of the tree, read statically: no import circles (counting `TYPE_CHECKING` and function-level
imports) and arrows only downward: adapters → service → flows/storage; flows pure; storage the only SQLAlchemy
importer; no module over ~400 lines."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "flows", "storage")

# From the top down; a module may import from its own layer or any layer below it.
LAYERS = (
    ("bot.cli",),
    ("bot.console", "bot.slack", "bot.teams"),  # the adapters: siblings, none imports another
    ("bot.startup",),  # keys, store and service wired in one place (the adapters' entry)
    ("bot.jobs",),
    ("bot.router", "bot.tenants"),
    ("bot.service", "bot.port"),
    ("bot",),  # settings, config, messages, texts, chat, i18n, logs, ...
    ("flows", "storage"),
)
ADAPTERS = LAYERS[1]


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            found[name] = path
    return found


def _imports(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Every import in a module, wherever it stands (top level, functions, `if TYPE_CHECKING:`)."""
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            for target in names:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name and not name.startswith(target + "."):
                    targets.add(target)
        graph[name] = targets
    return graph


def _layer(module: str) -> int:
    for i, prefixes in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return i
    raise AssertionError(f"{module} is in no layer")


def test_there_are_no_import_circles():
    graph = _imports(_modules())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    assert circles == []


def test_arrows_point_only_downward():
    graph = _imports(_modules())
    upward = [(m, t) for m, targets in graph.items() for t in targets if _layer(t) < _layer(m)]
    sideways = [
        (m, t)
        for m, targets in graph.items()
        for t in targets
        if _layer(m) == _layer(t) == 1 and m.split(".")[1] != t.split(".")[1]
    ]
    assert upward == [] and sideways == []


def test_the_domain_is_pure_and_storage_alone_speaks_sql():
    modules = _modules()
    graph = _imports(modules)
    assert [(m, t) for m in graph if m.startswith("flows") for t in graph[m] if not t.startswith("flows")] == []
    assert [(m, t) for m in graph if m.startswith("storage") for t in graph[m] if t.startswith("bot")] == []
    sql = []
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            roots = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if any(r == "sqlalchemy" or r.startswith("sqlalchemy.") for r in roots) and not name.startswith("storage"):
                sql.append(name)
    assert sql == []


def test_no_module_is_over_about_400_lines():
    long = {}
    for folder in (*PACKAGES, "tests", "benchmarks"):
        for path in (ROOT / folder).rglob("*.py"):
            lines = len(path.read_text(encoding="utf-8").splitlines())
            if lines > 420 and "migrations" not in path.parts:  # a migration is a schema written out (data)
                long[str(path.relative_to(ROOT))] = lines
    assert long == {}
