"""Kernel facts derived from a tree, as the checks use them: their
precedence under the table and the user's config, and `reviewer check`
judging a call by a fact only the tree holds (tree level, and diff level
when nothing applies)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from core.gitutil import commit, format_patch, git, init_repo
from core.race.facts_sources import FILES

from reviewer.checks.race import treefacts
from reviewer.checks.race.api import LockSpec, load_api
from reviewer.cli import main
from reviewer.errors import TreeError

pytestmark = pytest.mark.usefixtures("fresh_facts_memory")


class Derived:
    """Derived facts given directly (the FactSource a tree would give)."""

    def __init__(self, entries: dict[str, dict[str, Any]]) -> None:
        self.entries = entries

    def raw(self, name: str) -> Mapping[str, Any] | None:
        return self.entries.get(name)


def test_precedence_derived_table_user() -> None:
    facts = Derived({"dput": {"puts": 1, "gfp_arg": 2}, "my_helper": {"sleeps": True},
                     "my_other": {"acquires": "spin:0->lock"}})
    api = load_api({"my_helper": {"sleeps": False}}).with_facts(facts)
    dput = api.get("dput")
    assert dput is not None and dput.puts == 0  # the table's key wins
    assert dput.gfp_arg == 2 and dput.sleeps  # a key the table leaves out is derived
    helper = api.get("my_helper")
    assert helper is not None and not helper.sleeps  # the user's config wins
    other = api.get("my_other")
    assert other is not None and other.acquires == (LockSpec("spin", 0, path="->lock"),)
    assert api.get("nobody_knows") is None


def test_damaged_derived_entry_falls_back_to_the_table() -> None:
    api = load_api().with_facts(Derived({"dput": {"acquires": 7}, "odd": {"puts": "x"}}))
    dput = api.get("dput")
    assert dput is not None and dput.puts == 0 and not dput.acquires
    assert api.get("odd") is None


USER_BEFORE = """\
void foo_user(struct foo *f)
{
	spin_lock(&f->lock);
	f->count++;
	spin_unlock(&f->lock);
}
"""
USER_AFTER = """\
void foo_user(struct foo *f)
{
	spin_lock(&f->lock);
	f->count++;
	foo_outer(f);
	spin_unlock(&f->lock);
}
"""


def _series(tmp_path: Path) -> tuple[Path, Path]:
    """A tree with FILES and a one-patch series calling foo_outer() under a
    spinlock (the table does not know it sleeps; the tree does)."""
    repo = tmp_path / "linux"
    init_repo(repo, {**FILES, "fs/foo/user.c": USER_BEFORE})
    git(repo, "checkout", "-q", "-b", "topic")
    commit(repo, {"fs/foo/user.c": USER_AFTER}, "foo: call foo_outer under the lock",
           "2024-02-01T10:00:00+00:00")
    mbox = tmp_path / "series.mbox"
    mbox.write_bytes(format_patch(repo, "base0..topic", "--base=base0"))
    return repo, mbox


def _race007(capsys: pytest.CaptureFixture[str], mbox: Path,
             *extra: str) -> list[dict[str, Any]]:
    capsys.readouterr()
    main(["check", str(mbox), "--select", "RACE007", "--format", "json", *extra])
    out = json.loads(capsys.readouterr().out)
    revisions = [r for s in out["series"] for r in s["revisions"]]
    assert all(o["status"] == "ran" for r in revisions for o in r["rules"].values())
    return [f for r in revisions for f in r["findings"] if f["rule"] == "RACE007"]


def test_tree_level_check_uses_derived_facts(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    repo, mbox = _series(tmp_path)

    def race007(*extra: str) -> list[dict[str, Any]]:
        return _race007(capsys, mbox, *extra)

    assert race007() == []  # the table alone does not know foo_outer
    hits = race007("--tree", str(repo))
    assert len(hits) == 1 and "foo_outer" in hits[0]["message"]
    assert hits[0]["level"] == "tree" and hits[0]["line"] == 5
    config = tmp_path / "config.toml"
    config.write_text("[race]\ntree-facts = false\n")
    monkeypatch.setenv("REVIEWER_CONFIG", str(config))
    assert race007("--tree", str(repo)) == []  # the user turned the facts off


def test_facts_that_cannot_be_read_leave_the_table(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    repo, mbox = _series(tmp_path)

    def broken(*args: Any, **kw: Any) -> Any:
        raise TreeError("cannot list files of the base")

    monkeypatch.setattr(treefacts, "read_files", broken)
    assert _race007(capsys, mbox, "--tree", str(repo)) == []  # ran, with the table alone


def test_diff_level_uses_the_tree_facts_when_nothing_applies(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A revision that does not apply is read from its hunks, with the
    facts of the tree it was tried on: foo_outer() sleeps there."""
    _, mbox = _series(tmp_path)
    other = tmp_path / "other"
    init_repo(other, {**FILES, "fs/foo/user.c": "int foo_unrelated;\n"})
    hits = _race007(capsys, mbox, "--tree", str(other))
    assert len(hits) == 1 and "foo_outer" in hits[0]["message"]
    assert hits[0]["level"] == "diff"
