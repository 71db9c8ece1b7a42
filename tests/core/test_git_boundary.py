"""Git runs only in the git module (reviewer/tree/gitrepo.py, its
temporary indexes in gitindex.py and its tree-wide reads in gitscan.py),
through named operations:
no other module of the core or the TUI imports GitPython, builds a git
command line or reaches for the git module's private runner."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from reviewer.tree.gitindex import SparseIndex, TempIndex
from reviewer.tree.gitrepo import GitRepo

ROOT = Path(__file__).resolve().parents[2]
GIT_MODULE = {ROOT / "reviewer" / "tree" / name for name in ("gitrepo.py", "gitindex.py",
                                                               "gitscan.py")}
# The modules that start other programs, and which: never git.
SUBPROCESS_USERS = {"reviewer/checks/toolrun.py": "perl",
                    "reviewer/tree/importer.py": "a decompressor (xz, gzip ...)",
                    "reviewer/commands/tui.py": "python -m tui",
                    "tui/drafting.py": "the user's $EDITOR"}


def _modules() -> list[Path]:
    return sorted(p for top in ("reviewer", "tui") for p in (ROOT / top).rglob("*.py")
                  if p not in GIT_MODULE)


def _param(path: Path) -> object:
    return pytest.param(path, id=path.relative_to(ROOT).as_posix())


def _git_argv(node: ast.AST) -> bool:
    """A literal argument list that starts git: ["git", ...] or ("git", ...)."""
    return (isinstance(node, ast.List | ast.Tuple) and bool(node.elts)
            and isinstance(node.elts[0], ast.Constant) and node.elts[0].value == "git")


@pytest.mark.parametrize("path", [_param(p) for p in _modules()])
def test_no_module_but_the_git_module_starts_git(path: Path) -> None:
    rel = path.relative_to(ROOT).as_posix()
    for node in ast.walk(ast.parse(path.read_text(), rel)):
        if isinstance(node, ast.Import):
            assert not {a.name.split(".")[0] for a in node.names} & {"git", "gitdb"}, rel
            if "subprocess" in {a.name for a in node.names}:
                assert rel in SUBPROCESS_USERS, f"{rel} starts a program: add a named git op"
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            assert node.module.split(".")[0] not in ("git", "gitdb"), rel
            if node.module == "subprocess":
                assert rel in SUBPROCESS_USERS, rel
        assert not _git_argv(node), f"{rel}:{getattr(node, 'lineno', '?')} builds a git command"
        if isinstance(node, ast.Attribute):
            assert node.attr not in ("_git", "run_git"), f"{rel}: {node.attr}"


def test_the_git_module_has_no_generic_runner() -> None:
    for cls in (GitRepo, TempIndex, SparseIndex):
        assert not hasattr(cls, "run"), cls
        public = [n for n in vars(cls) if not n.startswith("_") and callable(getattr(cls, n))]
        assert all(n != "git" for n in public), cls


def test_the_scan_would_see_a_git_command() -> None:
    caught = ast.parse('subprocess.run(["git", "log"])')
    assert any(_git_argv(node) for node in ast.walk(caught))
