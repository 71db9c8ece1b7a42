"""POL016: commits cited by `Fixes:` or `commit <sha> ("title")`, checked
against the tree's history, and skipped (with why) on a tree without one.
Real git repositories; the series is made with git format-patch."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from core.gitutil import commit, format_patch, git, init_repo

from reviewer import open_source
from reviewer.checks.engine import RevisionReport, check_revision
from reviewer.checks.registry import get_rule
from reviewer.cli import main
from reviewer.config import Config
from reviewer.model import ApplyResult, BaseChoice, Series
from reviewer.tree.gitrepo import GitRepo

SOB = "Signed-off-by: Ann Author <ann@example.org>"
DATE = "2024-01-02T00:00:00+00:00"
FILES = {"frob.c": "int frob;\n", "knob.c": "int knob;\n"}


def history(path: Path) -> tuple[str, str]:
    """A repo whose second commit is the one the series fixes; (base, fixed)."""
    init_repo(path, FILES)
    fixed = commit(path, {"frob.c": "int frob = 1;\n"}, "frob: start at one", DATE)
    return fixed, fixed


def series_on(path: Path, base: str, fixed: str, tmp: Path) -> Series:
    """Three patches on `base`: a right citation, a wrong title, an unknown commit."""
    short = fixed[:12]
    messages = [
        (f'frob: stop at two\n\nFixes: {short} ("frob: start at one")\n{SOB}',
         {"frob.c": "int frob = 2;\n"}),
        (f'knob: follow frob\n\nAs commit {short} ("frob: start at zero") did for frob.\n\n{SOB}',
         {"knob.c": "int knob = 1;\n"}),
        (f'knob: stop at two\n\nFixes: 0123456789ab ("knob: gone")\n{SOB}',
         {"knob.c": "int knob = 2;\n"}),
    ]
    git(path, "checkout", "-q", "-b", "work", base)
    for message, files in messages:
        commit(path, files, message, DATE)
    mbox = tmp / "series.mbox"
    mbox.write_bytes(format_patch(path, f"{base}..work", "--thread", "--cover-letter"))
    git(path, "checkout", "-q", "main")
    return open_source(mbox).series[0]


def run(repo: Path, base: str, series: Series) -> RevisionReport:
    rev = series.revisions[0]
    apply = ApplyResult(rev.version, BaseChoice(base, "--base", "test"), (), None)
    return check_revision(series, rev, apply, GitRepo(repo), Config(), [get_rule("POL016")])


def test_citations_checked_against_history(tmp_path: Path) -> None:
    base, fixed = history(tmp_path / "tree")
    series = series_on(tmp_path / "tree", base, fixed, tmp_path)
    report = run(tmp_path / "tree", base, series)
    got = sorted((f.patch, f.message) for f in report.findings)
    assert got == [
        (2, f'commit: {fixed[:12]} quotes "frob: start at zero" but the commit is '
            '"frob: start at one"'),
        (3, "Fixes: 0123456789ab is not a commit in the tree (not pulled, or a wrong hash)"),
    ]
    assert all(f.level == "tree" for f in report.findings)


def test_no_history_no_verdict(tmp_path: Path) -> None:
    """The same series on a one-commit tree (as `reviewer tree import`
    makes): skipped with the reason, not an error per citation."""
    base, fixed = history(tmp_path / "tree")
    series = series_on(tmp_path / "tree", base, fixed, tmp_path)
    flat = tmp_path / "flat"
    flat_base = init_repo(flat, {**FILES, "frob.c": "int frob = 1;\n"})
    report = run(flat, flat_base, series)
    outcome = report.outcome("POL016")
    assert not report.findings and outcome is not None and outcome.status == "skipped"
    assert "no history" in outcome.reason and "3 cited commit(s)" in outcome.reason


@pytest.mark.parametrize("shallow", [False, True])
def test_check_exits_0_on_a_correct_series_on_a_tree_without_history(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], shallow: bool) -> None:
    """A correct series with a real `Fixes:` tag, checked on a one-commit
    tree and on a shallow clone: exit 0, the citation skipped with why."""
    base, fixed = history(tmp_path / "tree")
    git(tmp_path / "tree", "checkout", "-q", "-b", "work", base)
    commit(tmp_path / "tree", {"frob.c": "int frob = 2;\n"},
           f'frob: stop at two\n\nFixes: {fixed[:12]} ("frob: start at one")\n{SOB}', DATE)
    mbox = tmp_path / "good.mbox"
    mbox.write_bytes(format_patch(tmp_path / "tree", f"{base}..work"))
    if shallow:
        tree = tmp_path / "shallow"
        git(tmp_path, "clone", "-q", "--depth=1", "--branch=main",
            (tmp_path / "tree").as_uri(), str(tree))
    else:
        tree = tmp_path / "flat"
        init_repo(tree, {**FILES, "frob.c": "int frob = 1;\n"})
    code = main(["check", str(mbox), "--tree", str(tree), "--format", "json", "--no-cache"])
    data = json.loads(capsys.readouterr().out)
    (rev,) = data["series"][0]["revisions"]
    assert code == 0 and rev["apply"]["applied"]
    assert rev["rules"]["POL016"]["status"] == "skipped"
    assert ("shallow" if shallow else "no history") in rev["rules"]["POL016"]["reason"]
    assert not [f for f in rev["findings"] if f["severity"] == "error"]
