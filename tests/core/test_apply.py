"""`reviewer apply`: every revision applied in isolation.  The user's HEAD,
branches, index, working tree, stash and worktrees must be byte-for-byte
what they were: clean or dirty, through the CLI or the library, when a patch
fails, and on Ctrl-C.  Only refs/reviewer/<slug>/v<N> are written."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from core.gitutil import (
    SeriesRepo,
    git,
    long_series,
    replace_line,
    reviewer_refs,
    user_state,
    write_files,
)
from helpers import ctrl_c_default

import reviewer
from reviewer import ApplyResult, PatchStatus
from reviewer.cli import main
from reviewer.tree.gitrepo import GitRepo

ROOT = Path(__file__).resolve().parents[2]
S = PatchStatus


@pytest.fixture
def series(tmp_path: Path) -> SeriesRepo:
    return SeriesRepo(tmp_path)


def make_dirty(repo: Path) -> None:
    """A stash entry, a staged change, an unstaged change, untracked files."""
    write_files(repo, {"a.c": "stashed work\n"})
    git(repo, "stash", "push", "-q", "-m", "wip on a", date="2024-03-02T00:00:00+00:00")
    write_files(repo, {"README": "demo tree, staged edit\n"})
    git(repo, "add", "README")
    write_files(repo, {"b.c": (repo / "b.c").read_text() + "unstaged line\n",
                       "notes/todo.txt": "untracked\n", "scratch.c": "int x;\n"})


def slug_of(mbox: Path) -> str:
    return reviewer.series_slug(reviewer.open_source(mbox).series[0])


def library_apply(mbox: Path, repo: Path, base: str | None = None) -> list[ApplyResult]:
    series = reviewer.open_source(mbox).series[0]
    return reviewer.apply_series(reviewer.GitRepo(repo), series, base)


@dataclass
class Outcome:
    """One revision's result, as the CLI's JSON or the library says it."""

    version: int
    source: str
    base: str
    statuses: list[str]
    ref: str | None


def apply(how: str, mbox: Path, repo: Path, capsys: pytest.CaptureFixture[str],
          base: str | None = None) -> list[Outcome]:
    if how == "library":
        return [Outcome(r.version, r.base.source if r.base else "", r.base.commit if r.base else "",
                        [p.status.value for p in r.patches], r.ref)
                for r in library_apply(mbox, repo, base)]
    code = main(["apply", str(mbox), "--tree", str(repo), "--json",
                 *(["--base", base] if base else [])])
    (series,) = json.loads(capsys.readouterr().out)["series"]
    assert code == int(not all(r["applied"] for r in series["revisions"]))
    return [Outcome(r["version"], r["base"]["source"], r["base"]["commit"],
                    [p["status"] for p in r["patches"]], r["ref"]) for r in series["revisions"]]


@pytest.mark.parametrize("how", ["cli", "library"])
@pytest.mark.parametrize("state", ["clean", "dirty"])
def test_user_state_untouched(series: SeriesRepo, how: str, state: str,
                              capsys: pytest.CaptureFixture[str]) -> None:
    repo = series.repo
    if state == "dirty":
        make_dirty(repo)
        assert git(repo, "stash", "list") and git(repo, "status", "--porcelain")
    before = user_state(repo)
    # on the moved HEAD (the evidence would choose base0, where all applies)
    results = apply(how, series.plain, repo, capsys, base="main")
    assert user_state(repo) == before
    slug = slug_of(series.plain)
    assert set(reviewer_refs(repo)) == {f"refs/reviewer/{slug}/v1", f"refs/reviewer/{slug}/v2"}
    assert [r.ref for r in results] == [f"refs/reviewer/{slug}/v1", f"refs/reviewer/{slug}/v2"]
    assert [r.statuses for r in results] == [["applied", "failed", "not-tried"],
                                             ["applied", "applied-3way", "already-applied"]]


def test_statuses_on_moved_head(series: SeriesRepo) -> None:
    repo = series.repo
    v1, v2 = library_apply(series.plain, repo, "main")
    for res in (v1, v2):
        assert res.base is not None and res.base.source == "--base"
        assert res.base.commit == series.head and res.base.name == "main"
        assert res.base.evidence == "--base main (given; 1/3 pre-images there)"
    assert [p.status for p in v1.patches] == [S.APPLIED, S.FAILED, S.NOT_TRIED]
    failure = v1.patches[1].failure
    assert failure is not None
    assert (failure.file, failure.hunk, failure.line) == ("b.c", 1, 2)
    assert "b.c" in failure.reason and "\n" not in failure.reason
    assert v1.patches[2].commit is None and v1.failed is v1.patches[1] and not v1.applied
    assert [p.status for p in v2.patches] == [S.APPLIED, S.APPLIED_3WAY, S.ALREADY_APPLIED]
    assert v2.applied and v2.failed is None

    # v1 keeps what applied before the failure; v2 has all three on the moved base.
    assert reviewer_refs(repo)[v1.ref] == v1.tip == v1.patches[0].commit
    assert git(repo, "rev-list", "--count", f"{series.head}..{v1.ref}").strip() == "1"
    assert git(repo, "rev-list", "--count", f"{series.head}..{v2.ref}").strip() == "3"
    head_b = series.show(series.head, "b.c")
    assert series.show(v1.ref, "a.c").splitlines()[9] == "a line 10 (v1)"
    assert series.show(v1.ref, "b.c") == head_b
    assert series.show(v2.ref, "a.c").splitlines()[9] == "a line 10 (v2)"
    assert series.show(v2.ref, "b.c") == replace_line(head_b, 30, "b line 30 (v2)")
    assert series.show(v2.ref, "src/c.c") == series.show(series.head, "src/c.c")
    msg = git(repo, "log", "-1", "--format=%an <%ae>%n%B", v2.patches[0].commit or "")
    assert msg.startswith("Ann Author <ann@example.org>\na: rework a ten")
    assert "Message-Id: <" in msg


@pytest.mark.parametrize("how", ["cli", "library"])
def test_base_commit_used_when_present(series: SeriesRepo, how: str,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    repo = series.repo
    before = user_state(repo)
    results = apply(how, series.based, repo, capsys)
    assert user_state(repo) == before
    for res in results:
        assert res.source == "base-commit" and res.base == series.base
        assert res.statuses == ["applied"] * 3
        assert res.ref is not None
        # the same trees as the author's branches (deleted since)
        assert git(repo, "rev-parse", f"{res.ref}^{{tree}}").strip() == \
            series.trees[res.version]
    assert series.show(results[1].ref or "", "b.c").splitlines()[29] == "b line 30 (v2)"


def test_a_sparse_index_of_no_files(series: SeriesRepo) -> None:
    """A revision whose mails name no file (a patch mail whose diff could not
    be read) gets an empty sparse index: its tree is the base's, no error."""
    repo = GitRepo(series.repo)
    with repo.temp_index(series.base, []) as index:
        assert index.write_tree() == repo.tree_id(series.base)


def test_absent_base_commit_falls_back(series: SeriesRepo, tmp_path: Path) -> None:
    repo = series.repo
    absent = tmp_path / "absent.mbox"
    absent.write_bytes(series.based.read_bytes().replace(series.base.encode(), b"7" * 40))
    with_base = library_apply(absent, repo, "base0")
    for res in with_base:
        assert res.base is not None and res.base.source == "--base"
        assert res.base.commit == series.base and res.base.name == "base0"
        assert git(repo, "rev-parse", f"{res.ref}^{{tree}}").strip() == \
            series.trees[res.version]
    # without --base, the pre-image blobs still find the author's base
    without = library_apply(absent, repo)
    for res in without:
        assert res.base is not None and res.base.source == "blobs"
        assert res.base.commit == series.base
        assert res.base.reason.startswith("base-commit 777777777777 is not in the tree; ")
        assert [p.status for p in res.patches] == [S.APPLIED] * 3


def test_unknown_base_writes_nothing(series: SeriesRepo,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    repo = series.repo
    make_dirty(repo)
    before = user_state(repo)
    code = main(["apply", str(series.plain), "--tree", str(repo), "--base", "no-such-ref"])
    err = capsys.readouterr().err
    assert code == 2 and "no-such-ref" in err and "Traceback" not in err
    assert len(err.splitlines()) == 1 and err.startswith("reviewer: ")
    assert reviewer_refs(repo) == {}
    assert user_state(repo) == before
    with pytest.raises(reviewer.TreeError):
        library_apply(series.plain, repo, "no-such-ref")
    assert reviewer_refs(repo) == {}


def test_refs_delete(series: SeriesRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo = series.repo
    make_dirty(repo)
    before = user_state(repo)
    apply("cli", series.plain, repo, capsys, base="main")
    assert len(reviewer_refs(repo)) == 2
    assert main(["refs", "--tree", str(repo)]) == 0
    assert capsys.readouterr().out.count("refs/reviewer/") >= 2
    assert main(["refs", "--tree", str(repo), "--delete"]) == 0
    assert reviewer_refs(repo) == {}
    assert user_state(repo) == before


@pytest.fixture(scope="module")
def long_built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return long_series(tmp_path_factory.mktemp("long"), count=30)


@pytest.mark.parametrize("target", ["group", "process"])
def test_ctrl_c(tmp_path: Path, target: str, long_built: tuple[Path, Path]) -> None:
    """SIGINT (as a terminal's Ctrl-C sends it to the whole process group, or
    to the reviewer process alone) while revisions are being applied."""
    repo, mbox = tmp_path / "tree", long_built[1]
    shutil.copytree(long_built[0], repo, symlinks=True)
    make_tmp = tmp_path / "tmpdir"
    make_tmp.mkdir()
    write_files(repo, {"f01.c": "dirty\n", "untracked.txt": "x\n"})
    git(repo, "add", "f01.c")
    write_files(repo, {"f02.c": "also dirty\n"})
    before = user_state(repo)
    env = {**os.environ, "TMPDIR": str(make_tmp), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "reviewer.cli", "apply", str(mbox), "--tree", str(repo)],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        start_new_session=True, preexec_fn=ctrl_c_default)
    deadline = time.monotonic() + 30
    while proc.poll() is None and time.monotonic() < deadline:
        # interrupt once applying has started (its temporary index exists)
        if any(p.name.startswith("reviewer-index-") for p in make_tmp.iterdir()):
            time.sleep(0.05)
            if target == "group":
                os.killpg(proc.pid, signal.SIGINT)
            else:
                proc.send_signal(signal.SIGINT)
            break
        time.sleep(0.002)
    _out, err = proc.communicate(timeout=60)
    stderr = err.decode()
    assert proc.returncode in (130, 0), stderr
    assert "Traceback" not in stderr
    if proc.returncode == 130:
        assert stderr.strip().splitlines()[-1] == "reviewer: interrupted"
    assert user_state(repo) == before
    assert not [p.name for p in make_tmp.iterdir() if p.name.startswith("reviewer-index-")]
    assert list(make_tmp.iterdir()) == []
    worktrees = git(repo, "worktree", "list", "--porcelain")
    assert worktrees.count("worktree ") == 1 and f"worktree {repo}" in worktrees
