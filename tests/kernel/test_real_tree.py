"""The real 6.1 tree: the authored kernel series applied and checked with
the tree's own checkpatch.pl and get_maintainer.pl, and the real 2020
reference thread (written for 5.7-rc5) explained patch by patch."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import REFERENCE_THREAD, need

import reviewer
from reviewer.checks.engine import RevisionReport, check_series
from reviewer.checks.registry import all_rules
from reviewer.cli import main
from reviewer.config import Config
from reviewer.model import Finding, PatchStatus, Severity

pytestmark = pytest.mark.kernel
S = PatchStatus


@pytest.fixture(scope="module")
def series(kernel_sample: tuple[Path, Path]) -> reviewer.Series:
    return reviewer.open_source(kernel_sample[1]).series[0]


@pytest.fixture(scope="module")
def applied(kernel_sample: tuple[Path, Path],
            series: reviewer.Series) -> list[reviewer.ApplyResult]:
    return reviewer.apply_series(reviewer.GitRepo(kernel_sample[0]), series)


@pytest.fixture(scope="module")
def reports(kernel_sample: tuple[Path, Path], series: reviewer.Series,
            applied: list[reviewer.ApplyResult]) -> dict[int, RevisionReport]:
    """Every rule on every revision, applied to the full tree (no cache)."""
    done = check_series(series, applied, reviewer.GitRepo(kernel_sample[0]), Config())
    return {r.version: r for r in done}


def by_rule(report: RevisionReport, rule_id: str) -> list[Finding]:
    return [f for f in report.findings if f.rule_id == rule_id]


def test_tree_is_the_whole_tarball(kernel_sample: tuple[Path, Path]) -> None:
    repo = reviewer.GitRepo(kernel_sample[0])
    base = repo.resolve("base")
    assert base and base == repo.resolve("main") and repo.repo.bare
    listing = repo.run("ls-tree", "-r", "--full-tree", base).stdout.splitlines()
    assert len(listing) > 78_000
    modes = {line.split(" ", 1)[0] for line in listing}
    assert {"100644", "100755", "120000"} <= modes
    checkpatch = next(line for line in listing if line.endswith("\tscripts/checkpatch.pl"))
    assert checkpatch.startswith("100755 blob ")
    assert repo.run("rev-list", "--count", base).stdout.strip() == "1"


def test_sample_branches_and_thread(kernel_sample: tuple[Path, Path],
                                    series: reviewer.Series) -> None:
    repo = reviewer.GitRepo(kernel_sample[0])
    assert [r.version for r in series.revisions] == [1, 2, 3, 4]
    assert [len(r.patches) for r in series.revisions] == [1, 1, 10, 1]
    assert series.revisions[2].cover is not None
    for rev in series.revisions:
        assert repo.resolve(f"sample/v{rev.version}")
    assert sum(len(r.replies) for r in series.revisions) == 4


def test_every_revision_applies(applied: list[reviewer.ApplyResult]) -> None:
    for res in applied:
        assert res.applied and not res.approximate, res
        assert all(p.status is S.APPLIED for p in res.patches)
    assert [r.base.source if r.base else None for r in applied] == [
        "base-commit", "blobs", "base-commit", "base-commit"]
    v2 = applied[1].base
    assert v2 is not None and v2.name == "base" and v2.evidence.startswith(
        "blobs: 3/3 pre-images at base")


def test_checks_all_ran(reports: dict[int, RevisionReport]) -> None:
    for rev in reports.values():
        bad = [o for o in rev.outcomes if o.status != "ran"]
        assert not bad, bad


def test_real_checkpatch(reports: dict[int, RevisionReport]) -> None:
    """6.1's own checkpatch.pl: v2 puts its EXPORT_SYMBOL()s a blank line
    away from their functions; v3 keeps unnamed prototype arguments."""
    v2 = by_rule(reports[2], "POL005")
    assert [(f.file, f.severity) for f in v2 if "WARNING:EXPORT_SYMBOL" in f.message] == [
        ("fs/namei.c", Severity.WARNING)] * 3
    assert all(f.line for f in v2)
    v3 = " ".join(f.message for f in by_rule(reports[3], "POL005"))
    assert "WARNING:FUNCTION_ARGUMENTS" in v3
    assert not by_rule(reports[1], "POL005") and not by_rule(reports[4], "POL005")


def test_missing_cc_from_get_maintainer(reports: dict[int, RevisionReport]) -> None:
    v2 = " ".join(f.message for f in by_rule(reports[2], "POL013"))
    assert "viro@zeniv.linux.org.uk" in v2 and "FILESYSTEMS (VFS and infrastructure)" in v2
    v3 = " ".join(f.message for f in by_rule(reports[3], "POL013"))
    for wanted in ("linux-nfs@vger.kernel.org", "linux-cifs@vger.kernel.org",
                   "linux-rdma@vger.kernel.org", "ecryptfs@vger.kernel.org", "DISKQUOTA"):
        assert wanted in v3
    assert not by_rule(reports[1], "POL013") and not by_rule(reports[4], "POL013")


def test_v3_not_bisectable_at_tree_level(reports: dict[int, RevisionReport]) -> None:
    found = by_rule(reports[3], "POL012")
    assert found and all(f.level == "tree" for f in found)
    text = " ".join(f.message for f in found)
    assert "lookup_one_len_unlocked() from 3 to 4 parameters" in text
    assert "1/10 to 9/10 do not build" in text  # qib (10/10) is the last caller
    assert "1/10 to 8/10 do not build" in text  # smb (9/10) for the positive one
    assert [(f.patch, f.patches) for f in found] == [(1, tuple(range(1, 10)))]  # one cause


def test_v2_exports_and_changelog(reports: dict[int, RevisionReport]) -> None:
    exported = " ".join(f.message for f in by_rule(reports[2], "POL014"))
    assert all(n in exported for n in ("lookup_dcache", "__lookup_slow", "lookup_one_common"))
    assert by_rule(reports[2], "POL009")


def test_v1_race_and_clean_v4(reports: dict[int, RevisionReport]) -> None:
    if "RACE001" not in {r.id for r in all_rules()}:
        pytest.skip("the race rules are not registered yet")
    race = by_rule(reports[1], "RACE001")
    assert race and race[0].file == "fs/overlayfs/namei.c" and "d_drop" in race[0].message
    errors = [f for f in reports[4].findings if f.severity is Severity.ERROR]
    assert not errors, errors


@pytest.fixture(scope="module")
def reference(kernel_sample: tuple[Path, Path]) -> list[reviewer.ApplyResult]:
    series = reviewer.open_source(need(REFERENCE_THREAD)).series[0]
    return reviewer.apply_series(reviewer.GitRepo(kernel_sample[0]), series)


def test_reference_thread_explained(reference: list[reviewer.ApplyResult]) -> None:
    """Written for 5.7-rc5: each revision fails on 6.1, and each failure says
    which hunk, where and that the preimage blob is missing; the base says
    there was no evidence for another, the advice what to fetch."""
    assert [r.applied for r in reference] == [False] * 4
    for res in reference:
        failed = res.failed
        assert failed is not None and failed.failure is not None
        fail = failed.failure
        assert fail.file and fail.line and fail.hunk
        assert f"{fail.file}:{fail.line}" in fail.reason
        assert "preimage blob" in fail.reason and "not in the tree" in fail.reason
        assert res.base is not None and res.base.source == "HEAD" and res.base.matched == 0
        assert res.base.reason.startswith("no base-commit in the mail; ")
        assert "--base REF puts the series on the tree it was written on" in res.advice
    for res in reference[2:]:  # v3 and v4 say "Rebase on latest linus-tree(5.7.0-rc5)"
        assert any(a.startswith("the mail names v5.7-rc5, which this tree does not have")
                   for a in res.advice)
    v3 = reference[2].patches
    assert [p.status for p in v3] == [S.FAILED] + [S.NOT_TRIED] * 8
    would_fail = {p.index: p.failure.reason for p in v3[1:] if p.failure}
    assert set(would_fail) == {2, 3, 6}
    assert "fs/cifs/cifsfs.c does not exist in the base" in would_fail[3]
    # the tree is one imported commit: no history to find the rename in, but
    # the file kept its name when fs/cifs became fs/smb/client
    assert "a file of the same name is at fs/smb/client/cifsfs.c" in would_fail[3]


def test_reference_failure_in_every_output(kernel_sample: tuple[Path, Path],
                                           capsys: pytest.CaptureFixture[str]) -> None:
    thread, tree = str(need(REFERENCE_THREAD)), str(kernel_sample[0])
    assert main(["apply", thread, "--tree", tree]) == 1
    out = capsys.readouterr().out
    assert out.count("NOT APPLIED") >= 8  # the table's result column and one line each
    assert out.rstrip().endswith("not applied: v1, v2, v3, v4 (4 of 4 revisions; exit code 1)")
    assert main(["apply", thread, "--tree", tree, "--json"]) == 1
    applied = json.loads(capsys.readouterr().out)["series"][0]["revisions"]
    assert [r["applied"] for r in applied] == [False] * 4 and all(r["advice"] for r in applied)
    assert main(["check", thread, "--tree", tree, "--format", "json", "--select", "POL012",
                 "--no-cache"]) in (0, 1)
    revs = json.loads(capsys.readouterr().out)["series"][0]["revisions"]
    assert {r["level"] for r in revs} == {"diff"}
    assert all(r["level_reason"].startswith("not applied (patch 1/") for r in revs)
    main(["check", thread, "--tree", tree, "--select", "POL012", "--no-cache"])
    assert "v3: not applied (patch 1/9 does not apply on HEAD): findings come from the diffs " \
        "alone" in capsys.readouterr().out
    assert main(["compare", thread, "v3", "v4", "--tree", tree, "--select", "POL012",
                 "--no-cache"]) == 0
    assert "v4: not applied" in capsys.readouterr().out


def test_reference_checks_stay_at_diff_level(kernel_sample: tuple[Path, Path],
                                             reference: list[reviewer.ApplyResult]) -> None:
    series = reviewer.open_source(need(REFERENCE_THREAD)).series[0]
    done = check_series(series, reference, reviewer.GitRepo(kernel_sample[0]),
                        Config(select=("POL012", "POL005")))
    v3 = {r.version: r for r in done}[3]
    found = by_rule(v3, "POL012")
    assert found and all(f.level == "diff" for f in found)
    outcome = v3.outcome("POL005")
    assert outcome is not None and outcome.status == "ran"


def test_fuzzy_is_marked_approximate(kernel_sample: tuple[Path, Path], tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    """v4 with an outer context line the tree does not have and an unknown
    preimage blob: no exact or 3-way apply; -C1 does, and says it is a guess."""
    tree, mbox = kernel_sample
    v4 = reviewer.open_source(mbox).series[0].revision(4).patches[0]
    raw = v4.message.raw.decode()
    old_blob = v4.files[0].old_blob or ""
    doctored = raw.replace(f"index {old_blob}", "index 0123456789ab", 1).replace(
        "\n \treturn err;\n }\n \n+/*\n", "\n \treturn error;\n }\n \n+/*\n", 1)
    assert doctored.count("0123456789ab") == 1 and "return error;" in doctored
    path = tmp_path / "v4.mbox"
    path.write_text("From mboxrd@z Thu Jan  1 00:00:00 1970\n" + doctored)
    series = reviewer.open_source(path).series[0]
    repo = reviewer.GitRepo(tree)
    exact = reviewer.apply_series(repo, series)[0]
    assert exact.patches[0].status is S.FAILED and not exact.approximate
    fuzzy = reviewer.apply_series(repo, series, fuzzy=True)[0]
    patch = fuzzy.patches[0]
    assert fuzzy.applied and fuzzy.approximate and patch.approximate
    assert patch.failure is not None and "hunk" in patch.failure.reason
    assert main(["apply", str(path), "--tree", str(tree), "--fuzzy", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)["series"][0]["revisions"][0]
    assert data["approximate"] is True and data["patches"][0]["approximate"] is True
    assert main(["check", str(path), "--tree", str(tree), "--fuzzy", "--no-cache",
                 "--select", "POL012,RACE", "--format", "json"]) in (0, 1)
    checked = json.loads(capsys.readouterr().out)["series"][0]["revisions"][0]
    assert checked["approximate"] is True
    assert all(f["approximate"] == (f["level"] == "tree") for f in checked["findings"])
    main(["check", str(path), "--tree", str(tree), "--fuzzy", "--no-cache", "--select", "POL"])
    assert "approx." in capsys.readouterr().out


def test_warm_apply_is_reused(kernel_sample: tuple[Path, Path], series: reviewer.Series,
                              tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import reviewer.tree.apply as apply_mod

    repo = reviewer.GitRepo(kernel_sample[0])
    cache = reviewer.ResultCache(tmp_path / "cache.sqlite3")
    cold = reviewer.apply_series(repo, series, cache=cache)
    calls: list[int] = []
    real = apply_mod.apply_revision
    def counted(*args: Any, **kwargs: Any) -> reviewer.ApplyResult:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(apply_mod, "apply_revision", counted)
    assert reviewer.apply_series(repo, series, cache=cache) == cold and calls == []
    # A ref moved by the user is not trusted: that revision is applied again.
    repo.run("update-ref", cold[0].ref or "", "base")
    again = reviewer.apply_series(repo, series, cache=cache)
    assert calls == [1] and again == cold
