"""The package layout is the architecture: each layer imports only the layers below it, and nothing imports in a cycle.

Layers, lowest first: `index` (files → chunks → store), `assistant` (answering), `assistant.evaluation`,
`assistant.training` (building the reader), `assistant.interfaces` (API, server, rendering), `app.py` (the Gradio
page), and on top the CLI, which starts any of them (`newsdesk serve` runs the page). A test rather than a
convention, because a single
convenient import upward is how the old flat folder grew its cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = [
    "index",
    "prompts",
    "assistant",
    "assistant.evaluation",
    "assistant.training",
    "assistant.interfaces",
    "app",
    "assistant.interfaces.cli",
]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> int:
    """The deepest layer whose name prefixes the module."""
    return max(i for i, layer in enumerate(LAYERS) if module == layer or module.startswith(layer + "."))


def project_modules() -> dict[str, Path]:
    paths = [ROOT / "app.py", *(p for top in ("index", "prompts", "assistant") for p in (ROOT / top).rglob("*.py"))]
    return {module_name(p): p for p in paths}


def imports_of(path: Path, known: set[str]) -> set[str]:
    """Every project module the file imports, at top level or inside a function, TYPE_CHECKING ones included."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        found.update(name for name in names if name in known)
    return found


def test_no_module_imports_a_layer_above_its_own() -> None:
    modules = project_modules()
    upward = [
        f"{module} imports {target}"
        for module, path in modules.items()
        for target in imports_of(path, set(modules))
        if layer_of(target) > layer_of(module)
    ]
    assert upward == []


def test_modules_import_each_other_in_no_cycle() -> None:
    modules = project_modules()
    graph = {module: imports_of(path, set(modules)) - {module} for module, path in modules.items()}
    state: dict[str, str] = {}
    cycles: list[list[str]] = []

    def visit(module: str, trail: list[str]) -> None:
        state[module] = "open"
        for target in sorted(graph[module]):
            if state.get(target) == "open":
                cycles.append([*trail[trail.index(target) :], target])
            elif target not in state:
                visit(target, [*trail, target])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_the_answering_layer_is_a_handful_of_modules_and_the_old_flat_names_are_gone() -> None:
    answering = sorted(p.stem for p in (ROOT / "assistant").glob("*.py") if p.stem != "__init__")
    assert {"cli", "web", "api", "evaluation", "evalset", "metrics", "eval_report", "render"}.isdisjoint(answering)
    assert {"answer", "retrieval", "citations", "chat", "conflicts", "candidates"} <= set(answering)
