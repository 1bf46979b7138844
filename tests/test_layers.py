"""Imports point down (DESIGN.md; the README's "Layers" paragraph states the same order).

Every import in src/crmweaver is read with `ast`, those inside functions too: a package imports
only packages of lower layers, never one beside it or above it; no two modules import each
other, however indirectly; and an import inside a function is there for a heavy extra only
(the imported module pulls in a library that is not a core dependency), except in the command
line and the package's front door, which load what a command or a name needs.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"

# Lowest first. "" is crmweaver/__init__.py; a single module (errors, mcp_server, demo, cli) counts as a package.
LAYERS = [
    {"errors"},
    {"org"},
    {"soql"},
    {"tasks"},
    {"scoring"},
    {"env"},
    {"agent", "adapters", "mcp_server", "serve"},
    {"memory", "evaluate"},
    {"train"},
    {"report"},  # reads training-study folders as train writes them
    {"demo"},
    {"cli", ""},
]
LAZY_ALLOWED = {"crmweaver", "crmweaver.cli"}  # the front door (`import crmweaver` stays light) and `crmweaver --help`


def modules() -> dict[str, Path]:
    out = {}
    for path in sorted((SRC / "crmweaver").rglob("*.py")):
        parts = path.relative_to(SRC).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


MODULES = modules()


@cache
def imports(name: str) -> list[tuple[str, int, bool]]:
    """(imported name, line, inside a function) for each import in the module; a name that is a
    module of ours is resolved to it (`from crmweaver.org import store` -> crmweaver.org.store)."""
    path = MODULES[name]
    tree = ast.parse(path.read_text(), str(path))
    in_function = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
                   for n in ast.walk(f) if isinstance(n, (ast.Import, ast.ImportFrom))}
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        lazy = id(node) in in_function
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno, lazy) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.append((full if full in MODULES else base, node.lineno, lazy))
    return found


def package_of(module: str) -> str:
    return module.split(".")[1] if "." in module else ""


def layer_of(package: str) -> int:
    return next(i for i, layer in enumerate(LAYERS) if package in layer)


def ours(name: str) -> bool:
    return name == "crmweaver" or name.startswith("crmweaver.")


def test_every_package_has_a_layer():
    placed = set().union(*LAYERS)
    assert {package_of(m) for m in MODULES} == placed, "give each package of src/crmweaver a layer here and in the README"


def test_lower_layers_never_import_higher_ones():
    wrong = []
    for name, path in MODULES.items():
        here = package_of(name)
        for target, line, _ in imports(name):
            if ours(target) and package_of(target) != here and layer_of(package_of(target)) >= layer_of(here):
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {target} (layer {package_of(target) or 'crmweaver'})")
    assert not wrong, "imports that point up or sideways:\n" + "\n".join(wrong)


def test_no_import_cycles():
    graph = {name: {t for t, _, _ in imports(name) if t in MODULES and t != name} for name in MODULES}
    cycles, index, low, stack, on_stack = [], {}, {}, [], set()

    def visit(v):  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while not component or component[-1] != v:
                component.append(stack.pop())
                on_stack.discard(component[-1])
            if len(component) > 1:
                cycles.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * len(graph)))
    for v in graph:
        if v not in index:
            visit(v)
    assert not cycles, "modules that import each other (directly or through others):\n" + "\n".join(map(str, cycles))


def core_dependencies() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {re.split(r"[<>=!~;\[ ]", d, maxsplit=1)[0].strip().lower().replace("-", "_") for d in project["dependencies"]}


def test_imports_inside_functions_are_for_heavy_extras_only():
    light = core_dependencies() | set(sys.stdlib_module_names) | {"crmweaver"}
    top = {name: {t for t, _, lazy in imports(name) if not lazy} for name in MODULES}

    def extras(module: str, seen: set[str]) -> set[str]:
        """The non-core libraries importing `module` loads (through our modules' top-level imports)."""
        if module in seen:
            return set()
        seen.add(module)
        found = {t.split(".")[0] for t in top[module] if not ours(t) and t.split(".")[0] not in light}
        for t in top[module]:
            if t in MODULES:
                found |= extras(t, seen)
        return found

    wrong = []
    for name, path in MODULES.items():
        if name in LAZY_ALLOWED:
            continue
        for target, line, lazy in imports(name):
            if lazy and target in MODULES and not extras(target, set()):
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {target} inside a function; import it at the top")
    assert not wrong, "\n".join(wrong)


def test_gold_solvers_use_plain_sql():
    """Task families compute gold answers with SQL on the org, never through the SOQL engine, so
    the engine and the gold answers check each other."""
    families = [n for n in MODULES if n.startswith("crmweaver.tasks.families")]
    assert len(families) >= 22
    wrong = [f"{n} imports {t}" for n in families for t, _, _ in imports(n) if t.startswith("crmweaver.soql")]
    assert not wrong, wrong


def test_the_readme_states_these_layers():
    text = (ROOT / "README.md").read_text()
    chain = text.split("**Layers.**", 1)[1].split(". A module", 1)[0]
    stated = [set(re.findall(r"`(\w+)`", part)) for part in chain.split("→")]
    assert stated == [layer - {""} for layer in LAYERS], "the README's Layers paragraph and LAYERS disagree"
