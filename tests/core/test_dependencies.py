"""Every third-party package that reviewer/ or tui/ imports is declared in
pyproject.toml: a fresh `pip install` of the project gives all of them."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OURS = {"reviewer", "tui", "samples"}


def _imported() -> dict[str, str]:
    """Top-level module → a file importing it."""
    found: dict[str, str] = {}
    for top in ("reviewer", "tui"):
        for path in sorted((ROOT / top).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                    [node.module] if isinstance(node, ast.ImportFrom) and node.module \
                    and node.level == 0 else []
                for name in names:
                    found.setdefault(name.split(".")[0], str(path.relative_to(ROOT)))
    return {m: f for m, f in found.items()
            if m not in sys.stdlib_module_names and m not in OURS}


def _declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {re.split(r"[<>=!~ \[;]", d, maxsplit=1)[0].lower().replace("_", "-")
            for d in project["dependencies"]}


def test_every_imported_package_is_declared() -> None:
    dists = packages_distributions()
    declared = _declared()
    for module, where in _imported().items():
        names = {d.lower().replace("_", "-") for d in dists.get(module, [])}
        assert names, f"{module} (imported by {where}) is not installed"
        assert names & declared, f"{module} (imported by {where}) comes from {names}: " \
                                 "declare it in pyproject.toml"
