"""gitscan.grep_files_async: a tree-wide word search split into one git per core
over shares of the tree finds exactly what one git grep finds."""

from __future__ import annotations

from pathlib import Path

import pytest
from core.gitutil import git, init_repo

from reviewer.tree import gitscan
from reviewer.tree.gitrepo import GitRepo
from reviewer.tree.gitscan import _shares, grep_files_async

FILES = {
    "top.c": "int use(void) { return lookup_thing(); }\n",
    "top.txt": "lookup_thing in a text file\n",
    "fs/a.c": "lookup_thing();\n", "fs/b.c": "lookup_things();\n",
    "fs/deep/er/c.h": "int lookup_thing(void);\n",
    "drivers/x/y.c": "x = lookup_thing;\n", "drivers/x/z.c": "nothing here\n",
    "drivers/w[1]/v.c": "lookup_thing();\n", "drivers/q.h": "#define Q lookup_thing\n",
    "net/n.c": "other_word();\n", "net/m.c": "lookup_thing(1);\n",
}


@pytest.mark.parametrize("cores", [1, 2, 3, 7])
def test_split_grep_finds_what_one_grep_finds(cores: int, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    base = init_repo(tmp_path / "t", FILES)
    monkeypatch.setattr(gitscan.machine, "cores", lambda: cores)
    repo = GitRepo(tmp_path / "t")
    found = grep_files_async(repo, base, ["lookup_thing"], ("*.c", "*.h"))()
    one = git(tmp_path / "t", "grep", "-l", "-w", "-F", "-e", "lookup_thing", base, "--",
              "*.c", "*.h")
    assert found == sorted(line.split(":", 1)[1] for line in one.splitlines())
    assert found == ["drivers/q.h", "drivers/w[1]/v.c", "drivers/x/y.c", "fs/a.c",
                     "fs/deep/er/c.h", "net/m.c", "top.c"]
    assert 1 <= len(_shares(repo, base, ("*.c", "*.h"), cores)) <= cores
