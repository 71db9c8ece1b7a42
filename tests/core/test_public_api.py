"""The public API: `reviewer` stands without Textual, and `__all__` holds."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

import reviewer

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "reviewer"


def test_import_reviewer_does_not_import_textual() -> None:
    code = ("import reviewer, reviewer.cli, sys; "
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'tui')); "
            "assert not bad, bad")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("module, heavy", [
    ("reviewer", ("b4", "git", "gitdb", "tree_sitter", "tree_sitter_c", "rich", "textual")),
    ("reviewer.cli", ("b4", "git", "gitdb", "tree_sitter", "tree_sitter_c", "rich", "textual")),
])
def test_start_up_imports_nothing_heavy(module: str, heavy: tuple[str, ...]) -> None:
    """`reviewer --help` stays fast: the libraries load when a command needs them."""
    code = (f"import sys, {module}; "
            f"bad = sorted({{m.split('.')[0] for m in sys.modules}} & {set(heavy)!r}); "
            "assert not bad, bad")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr


def test_all_is_exactly_the_lazy_names_and_the_typed_imports() -> None:
    """`__all__`, the lazy table and the TYPE_CHECKING imports name the same
    things, and each name comes from the module the table says."""
    lazy = {name: module for module, names in reviewer._WHERE.items() for name in names}
    assert sorted(reviewer.__all__) == sorted(lazy)
    tree = ast.parse((PACKAGE / "__init__.py").read_text())
    typed = {alias.name: node.module for node in ast.walk(tree)
             if isinstance(node, ast.ImportFrom) and node.module
             and node.module.startswith("reviewer") for alias in node.names}
    assert typed == lazy
    for name in lazy:
        value = getattr(reviewer, name)
        if isinstance(value, type) or callable(value) and hasattr(value, "__code__"):
            assert value.__module__.startswith("reviewer"), (name, value.__module__)
    with pytest.raises(AttributeError):
        reviewer.no_such_name  # noqa: B018


def test_the_entry_point_and_its_events_are_public() -> None:
    for name in ("review", "Options", "SourceOpened", "Started", "RevisionApplied",
                 "RevisionChecked", "Progress", "Failed", "Finished", "Event", "compare_pair",
                 "Phase", "RunState", "Level", "OutcomeStatus", "Severity", "PatchStatus",
                 "Verdict", "PairStatus", "BaseSource", "Scope"):
        assert name in reviewer.__all__, name


def test_all_names_exist() -> None:
    assert len(reviewer.__all__) == len(set(reviewer.__all__))
    missing = [name for name in reviewer.__all__ if not hasattr(reviewer, name)]
    assert missing == []
    for name in ("open_source", "load", "build_thread", "group_series", "apply_series",
                 "apply_revision", "choose_base", "series_slug", "GitRepo", "REF_NAMESPACE",
                 "Message", "Thread", "Revision", "Patch", "ApplyResult", "SourceError",
                 "TreeError"):
        assert name in reviewer.__all__, name
    assert reviewer.REF_NAMESPACE == "refs/reviewer/"


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


MODULES = sorted(PACKAGE.rglob("*.py"))
def _module_param(path: Path) -> object:
    return pytest.param(path, id=path.relative_to(ROOT).as_posix())


@pytest.mark.parametrize("path", [_module_param(p) for p in MODULES])
def test_no_module_imports_textual_or_tui(path: Path) -> None:
    roots = {name.split(".")[0] for name in _imported_modules(path)}
    assert not roots & {"textual", "tui"}


def test_modules_were_found() -> None:
    names = {p.name for p in MODULES}
    assert {"patch.py", "sources.py", "revisions.py", "apply.py", "cli.py"} <= names
