"""The layers keep their boundaries: a test that reads the imports of every module (like the ontology test).

Rules (docs/ARCHITECTURE.md): `mappings` never imports `graph_service`; `graph_service.web` never imports
`build` or `shacl`; `shacl` never imports `build` or `web`; no router imports another router or the app;
documents never see a web request; only the store interface (embedded and remote), the build's loader and the fast SHACL engine
import pyoxigraph; and no module imports itself back through a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("mappings", "graph_service")
ROUTERS = ("graph_service.web.api.router", "graph_service.web.sparql.router", "graph_service.web.routers.")
PYOXIGRAPH_ALLOWED = {"graph_service.store", "graph_service.remote_store", "graph_service.build.load", "graph_service.shacl.fast"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}


def imports(name: str, path: Path) -> set[str]:
    """Every module `name` imports, at any depth of its code (absolute names)."""
    out: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            out.add(target)
            out.update(f"{target}.{a.name}" for a in node.names)
    known = modules()
    return {i for i in out if i in known or i.split(".")[0] in ("pyoxigraph", "fastapi", "starlette")}


GRAPH = {name: imports(name, path) for name, path in modules().items()}


def within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def offenders(source: str, *targets: str) -> list[str]:
    return sorted(f"{m} -> {i}" for m, deps in GRAPH.items() if within(m, source)
                  for i in deps if any(within(i, t) for t in targets))


def test_mappings_never_import_the_service():
    assert offenders("mappings", "graph_service") == []


def test_web_never_imports_build_or_shacl():
    assert offenders("graph_service.web", "graph_service.build", "graph_service.shacl") == []


def test_shacl_never_imports_build_or_web():
    assert offenders("graph_service.shacl", "graph_service.build", "graph_service.web") == []


def test_build_never_imports_web():
    assert offenders("graph_service.build", "graph_service.web") == []


def test_documents_and_html_never_see_a_request():
    bad = offenders("graph_service.web.documents", "fastapi", "starlette", "graph_service.web.routers",
                    "graph_service.web.app")
    bad += offenders("graph_service.web.html", "fastapi", "starlette")
    assert bad == []


def test_no_router_imports_another_router_or_the_app():
    routers = [m for m in GRAPH if m.startswith(ROUTERS) and not m.endswith("__init__")]
    assert routers, "the routers moved: update ROUTERS"
    bad = [f"{m} -> {i}" for m in routers for i in GRAPH[m]
           if (i.startswith(ROUTERS) and i != m) or within(i, "graph_service.web.app")]
    assert bad == []


def test_only_the_store_the_loader_and_the_fast_engine_import_pyoxigraph():
    """(`mappings.vocabularies` parses the EU tables' RDF/XML with it: a reader, not a store.)"""
    users = {m for m, deps in GRAPH.items() if within(m, "graph_service") and any(within(i, "pyoxigraph") for i in deps)}
    assert users <= PYOXIGRAPH_ALLOWED, sorted(users - PYOXIGRAPH_ALLOWED)


def test_no_import_cycles():
    """Module-level or not, no module reaches itself through the imports of others."""
    def reach(start: str) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            for dep in GRAPH.get(todo.pop(), ()):
                dep = dep if dep in GRAPH else dep.rpartition(".")[0]
                if dep in GRAPH and dep not in seen:
                    seen.add(dep)
                    todo.append(dep)
        return seen

    cycles = sorted(m for m in GRAPH if not m.endswith("__init__") and "." in m and m in reach(m)
                    and not (ROOT / m.replace(".", "/") / "__init__.py").exists())
    assert cycles == []


@pytest.mark.parametrize("rule", [test_mappings_never_import_the_service])
def test_the_rules_can_fail(rule, monkeypatch):
    """A planted forbidden import is caught (the reader of imports is not blind)."""
    monkeypatch.setitem(GRAPH, "mappings.values", GRAPH["mappings.values"] | {"graph_service.store"})
    with pytest.raises(AssertionError):
        rule()
