"""The TUI is built only on `reviewer`'s public names, never on its
submodules or on git; screens live one per module and stay small."""

from __future__ import annotations

import ast
from pathlib import Path

import reviewer

TUI = Path(__file__).resolve().parents[2] / "tui"


def _modules() -> list[Path]:
    return sorted(TUI.rglob("*.py"))


def test_tui_imports_only_the_public_reviewer_package() -> None:
    for path in _modules():
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    assert alias.name == "reviewer" or not alias.name.startswith(
                        ("reviewer.", "git")), f"{path}: import {alias.name}"
            elif isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith(("reviewer", "git")), \
                    f"{path}: from {node.module} import …"


def test_tui_uses_only_names_reviewer_exports() -> None:
    public = set(reviewer.__all__)
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id == "reviewer"):
                assert node.attr in public, f"{path}: reviewer.{node.attr} is not public"


def test_tui_reaches_neither_git_nor_the_cache() -> None:
    """The core opens the repository and the cache (reviewer.review,
    reviewer.compare_pair); the screens only show results."""
    banned = {"GitRepo", "ResultCache", "REF_NAMESPACE", "apply_series", "apply_revision",
              "check_series", "compare_revisions"}
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                    and node.value.id == "reviewer":
                assert node.attr not in banned, f"{path}: reviewer.{node.attr}"
            if isinstance(node, ast.ImportFrom) and node.module == "reviewer":
                assert not {a.name for a in node.names} & banned, path


def test_modules_stay_small() -> None:
    for path in _modules():
        assert len(path.read_text().splitlines()) < 400, path
    assert len((TUI / "app.py").read_text().splitlines()) < 200
