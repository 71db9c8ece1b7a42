"""The race findings the issue promises, through the real pipeline: the
sample applied to its tree (tree level) and the real thread, which applies
to no tree we have (diff level)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from helpers import REFERENCE_THREAD, need

import reviewer
from reviewer.checks.engine import RevisionReport, check_series
from reviewer.checks.registry import all_rules
from reviewer.config import Config


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[int, RevisionReport], str]:
    tree, mbox = reviewer.write_sample(tmp_path_factory.mktemp("sample"))
    series = reviewer.open_source(mbox).series[0]
    repo = reviewer.GitRepo(tree)
    applies = reviewer.apply_series(repo, series)
    reports = check_series(series, applies, repo, Config(select=("RACE",)))
    v1_tip = applies[0].tip
    assert v1_tip is not None
    post = (repo.read_file(v1_tip, "fs/overlayfs/namei.c") or b"").decode()
    return {r.version: r for r in reports}, post


def race(report: RevisionReport) -> dict[str, list[reviewer.Finding]]:
    out: dict[str, list[reviewer.Finding]] = {}
    for f in report.findings:
        out.setdefault(f.rule_id, []).append(f)
    return out


def test_v1_flagged_at_its_drop(sample: tuple[dict[int, RevisionReport], str]) -> None:
    reports, post = sample
    drop_line = next(n for n, line in enumerate(post.splitlines(), 1) if "d_drop(this)" in line)
    found = race(reports[1])
    # d_drop() without any lock, after an unlocked negativity test (RACE001),
    # and no refcount check under d_lock (RACE003).  d_drop takes d_lock
    # itself, so RACE002 (__d_drop without d_lock) does not apply.
    assert set(found) == {"RACE001", "RACE003"}
    for f in found["RACE001"] + found["RACE003"]:
        assert (f.file, f.line, f.level) == ("fs/overlayfs/namei.c", drop_line, "tree")


def test_v2_v3_v4_deserve_nothing(sample: tuple[dict[int, RevisionReport], str]) -> None:
    reports, _ = sample
    # v2: the drop happens with the parent's inode lock held shared, which a
    #     create (needing it exclusive) cannot hold at the same time.
    # v3: the drop is inside __lookup_slow(), which runs with the parent's
    #     inode lock held by lookup_slow().
    # v4: d_lock held, negativity and count == 1 rechecked under it, then
    #     __d_drop(); the unlocked d_count() is only an optimistic pre-check,
    #     and dput() runs after the unlock.
    for version in (2, 3, 4):
        assert not reports[version].findings, (version, reports[version].findings)


def test_every_race_rule_ran_at_tree_level(sample: tuple[dict[int, RevisionReport], str]) -> None:
    reports, _ = sample
    outcomes = [o for o in reports[1].outcomes if o.rule_id.startswith("RACE")]
    race_rules = [r for r in all_rules() if r.family == "RACE"]
    assert len(outcomes) == len(race_rules)
    assert all(o.status == "ran" and o.level == "tree" for o in outcomes)


def test_reference_thread_from_hunks() -> None:
    series = reviewer.open_source(need(REFERENCE_THREAD)).series[0]
    reports = {r.version: r for r in check_series(series, None, None, Config(select=("RACE",)))}
    v1 = race(reports[1])
    assert {"RACE001", "RACE003"} <= set(v1)
    assert all(f.level == "diff" and f.file == "fs/overlayfs/namei.c"
               for fs in v1.values() for f in fs)
    assert not reports[4].findings


@pytest.mark.parametrize("base", ["overlayfs-next", "v5.7-rc5"])
def test_reference_thread_on_its_true_base(tmp_path: Path, base: str) -> None:
    # v1, v2 and v4 were made on overlayfs-next, v3 on v5.7-rc5; every one
    # applies to both, and the verdicts are the same at tree level.
    bundle = need(REFERENCE_THREAD.parent / "base-5.7.bundle")
    repo_dir = tmp_path / "base"
    subprocess.run(["git", "clone", "-q", "--bare", str(bundle), str(repo_dir)], check=True,
                   capture_output=True)
    series = reviewer.open_source(REFERENCE_THREAD).series[0]
    repo = reviewer.GitRepo(repo_dir)
    applies = reviewer.apply_series(repo, series, base)
    assert all(a.applied for a in applies)
    reports = {r.version: r for r in check_series(series, applies, repo,
                                                  Config(select=("RACE",)))}
    v1_tip = applies[0].tip
    assert v1_tip is not None
    post = (repo.read_file(v1_tip, "fs/overlayfs/namei.c") or b"").decode()
    drop = next(n for n, line in enumerate(post.splitlines(), 1) if "d_drop(this)" in line)
    assert {(f.rule_id, f.line, f.level) for f in reports[1].findings} == {
        ("RACE001", drop, "tree"), ("RACE003", drop, "tree")}
    for version in (2, 3, 4):
        assert not reports[version].findings, (version, reports[version].findings)
