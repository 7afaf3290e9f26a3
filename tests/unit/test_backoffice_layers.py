"""Where the back office's work lives: route modules neither query nor commit. Queries are in
gateway/readmodels (or a domain module), the request's unit of work commits; the session store
(gateway/web/sessies.py) is the one module of gateway/web that queries."""
from __future__ import annotations

import ast
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "gateway" / "web"
QUERIES = {"execute", "scalar", "scalars", "get", "query"}
TRANSACTION = {"commit", "rollback", "begin", "begin_nested"}


def _session_calls(path: Path, names: set[str]) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in names
                and isinstance(node.func.value, ast.Name) and node.func.value.id in ("session", "own")):
            found.append(f"{path.relative_to(WEB.parent.parent)}:{node.lineno} session.{node.func.attr}")
    return found


def test_no_module_of_the_back_office_commits_or_rolls_back():
    assert [c for p in sorted(WEB.rglob("*.py")) for c in _session_calls(p, TRANSACTION)] == []


def test_only_the_session_store_queries():
    assert [c for p in sorted(WEB.rglob("*.py")) if p.name != "sessies.py"
            for c in _session_calls(p, QUERIES)] == []
