"""The package tree is the architecture: a stage never imports a later stage, nothing imports a private
name from another module, and the import graph has no cycle.

The stages, in the data's order (docs/architecture.md draws them):
vocab → read → records → ledger → rules → figures → output → cli. `samplegen` is an independent oracle
that may use only the vocabulary; `errors` is shared by all.
"""

from __future__ import annotations

import ast
from pathlib import Path

import djgj

STAGES = ["vocab", "read", "records", "ledger", "rules", "figures", "output", "cli"]
ROOT = Path(djgj.__file__).parent


def _modules() -> dict[str, Path]:
    mods = {}
    for p in ROOT.rglob("*.py"):
        parts = p.relative_to(ROOT.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        mods[name] = p
    return mods


def _imports(mod: str, path: Path) -> list[tuple[str, str]]:
    """(imported module, imported name) for every djgj import in a module, at any depth."""
    out = []
    is_pkg = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = mod.split(".") if is_pkg else mod.split(".")[:-1]
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("djgj"):
                out += [(target, a.name) for a in node.names]
        elif isinstance(node, ast.Import):
            out += [(a.name, "") for a in node.names if a.name.startswith("djgj")]
    return out


def _stage(mod: str) -> str | None:
    parts = mod.split(".")
    return parts[1] if len(parts) > 1 else None


def test_no_stage_imports_a_later_stage() -> None:
    backward = []
    for mod, path in _modules().items():
        src = _stage(mod)
        for target, name in _imports(mod, path):
            full = f"{target}.{name}"
            dst = _stage(full if full in _modules() else target)
            if src == "samplegen":
                assert dst in (None, "vocab", "samplegen", "errors"), f"samplegen imports {target}"
                continue
            if src in STAGES and dst in STAGES and STAGES.index(dst) > STAGES.index(src):
                backward.append(f"{mod} → {target}")
    assert backward == []


def test_no_private_name_crosses_modules() -> None:
    found = []
    for mod, path in _modules().items():
        for target, name in _imports(mod, path):
            if name.startswith("_") and not name.startswith("__") and target != mod:
                found.append(f"{mod} takes {name} from {target}")
    assert found == []


def test_import_graph_has_no_cycle() -> None:
    mods = _modules()
    edges: dict[str, set[str]] = {m: set() for m in mods}
    for mod, path in mods.items():
        for target, name in _imports(mod, path):
            full = f"{target}.{name}"
            dest = full if full in mods else target
            if dest in mods and dest != mod:
                edges[mod].add(dest)
    state: dict[str, int] = {}

    def visit(m: str, trail: list[str]) -> None:
        state[m] = 1
        for n in edges[m]:
            if state.get(n) == 1:
                raise AssertionError("import cycle: " + " → ".join([*trail, m, n]))
            if n not in state:
                visit(n, [*trail, m])
        state[m] = 2

    for m in mods:
        if m not in state:
            visit(m, [])


def test_every_stage_is_a_package_and_no_module_sits_loose() -> None:
    for stage in STAGES:
        assert (ROOT / stage / "__init__.py").exists(), stage
    loose = {p.name for p in ROOT.glob("*.py")} - {"__init__.py", "__main__.py", "errors.py"}
    assert loose == set()


def test_no_function_is_over_60_lines() -> None:
    long = []
    for mod, path in _modules().items():
        if "migrations" in mod or "samplegen" in mod:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                n = (node.end_lineno or node.lineno) - node.body[0].lineno + 1
                if n > 60:
                    long.append(f"{mod}.{node.name}: {n}")
    assert long == []
