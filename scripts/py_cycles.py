#!/usr/bin/env python3
"""Import-cycle check for training/ (ruff has no cycle rule): parses every training/**/*.py with `ast`, builds the graph
of imports between training.* modules — function-level (lazy) ones too: a lazy import only hides a cycle until that
function runs, and it means a library imports a script — and prints each strongly connected component of more than one module.
Exit 1 if there is any. Usage: python3 scripts/py_cycles.py [root] (default: the repository's training/)."""
from __future__ import annotations

import ast
import sys
from pathlib import Path


def module_name(path: Path, repo: Path) -> str:
    parts = list(path.relative_to(repo).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_imports(tree: ast.Module, name: str, is_pkg: bool) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    pkg = name if is_pkg else name.rpartition(".")[0]

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend((a.name, node.lineno) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = pkg.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            out.append((base, node.lineno))
            out.extend((f"{base}.{a.name}", node.lineno) for a in node.names)
    return out


def main() -> int:
    repo = Path(__file__).resolve().parent.parent
    root = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else repo / "training"
    files = {module_name(p, repo): p for p in sorted(root.rglob("*.py"))}
    graph: dict[str, dict[str, int]] = {}
    for name, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        edges: dict[str, int] = {}
        for target, line in all_imports(tree, name, path.name == "__init__.py"):
            if target in files and target != name:
                edges.setdefault(target, line)
        graph[name] = edges
    # Tarjan's strongly connected components.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    comps: list[list[str]] = []

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in graph:
        if v not in index:
            strong(v)
    for comp in comps:
        print(f"import cycle among {len(comp)} modules:")
        for v in comp:
            for w, line in sorted(graph[v].items()):
                if w in comp:
                    print(f"  {files[v].relative_to(repo)}:{line}: {v} imports {w}")
    if comps:
        print(f"Found {len(comps)} import cycle(s).")
        return 1
    print(f"No import cycles among {len(files)} modules.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
