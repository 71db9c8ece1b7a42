"""When a revision does not apply, every output says so: `apply` (table,
lines, JSON, exit code 1), `check` (text, JSON, Markdown: findings from the
diffs alone), `compare`; with one explanation per patch (a path the tree
renamed, found in its history, or a file of the same name without history)
and what to try once per revision."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from core.gitutil import commit, git, init_repo, mail, mbox

import reviewer
from reviewer.cli import main

OLD = "fs/cifs/file.c"
NEW = "fs/smb/client/file.c"


def _diff(path: str, old: str, new: str) -> str:
    return (f"diff --git a/{path} b/{path}\nindex 1a2b3c4d5e6f..6f5e4d3c2b1a 100644\n"
            f"--- a/{path}\n+++ b/{path}\n@@ -1,3 +1,3 @@\n one\n-{old}\n+{new}\n three\n")


def _thread(root: Path) -> Path:
    """v1: one patch to the file's old path; v2: two patches, the first
    also to the old path, the second to a file the tree has, whose lines
    differ.  The cover says it is based on v6.4."""
    def rev(version: int, diffs: list[str], day: str) -> list[bytes]:
        tag = "PATCH" if version == 1 else f"PATCH v{version}"
        n = len(diffs)
        cover_id = f"cover-v{version}@example.org"
        cover = mail(cover_id, f"[{tag} 0/{n}] cifs: rework things",
                     body="Rework.\n\nThis series is based on v6.4.\n", date=day)
        return [cover] + [mail(f"p{version}-{k}@example.org", f"[{tag} {k}/{n}] cifs: step {k}",
                               date=day, in_reply_to=cover_id, references=[cover_id], diff=d)
                          for k, d in enumerate(diffs, 1)]

    path = root / "thread.mbox"
    path.write_bytes(mbox(
        *rev(1, [_diff(OLD, "two", "TWO"), _diff("fs/smb/client/dir.c", "2", "II")],
             "Mon, 03 Jul 2023 10:00:00 +0000"),
        *rev(2, [_diff(OLD, "two", "2"), _diff("fs/smb/client/dir.c", "2", "zwei")],
             "Mon, 10 Jul 2023 10:00:00 +0000")))
    return path


FILES = {"fs/smb/client/dir.c": "one\nb\nthree\n", "README": "tree\n"}


def _renamed_tree(root: Path) -> Path:
    """fs/cifs moved to fs/smb/client in the tree's history."""
    repo = root / "history"
    init_repo(repo, {OLD: "one\ntwo\nthree\n", "README": "tree\n"},
              date="2023-01-01T00:00:00+00:00")
    (repo / NEW).parent.mkdir(parents=True)
    git(repo, "mv", OLD, NEW)
    commit(repo, {"fs/smb/client/dir.c": "one\nb\nthree\n"}, "smb: move client to fs/smb/client",
           "2023-02-01T00:00:00+00:00")
    return repo


def _lone_tree(root: Path) -> Path:
    """The same files, as one imported commit (no history)."""
    repo = root / "lone"
    init_repo(repo, {**FILES, NEW: "one\ntwo\nthree\n"})
    return repo


def test_rename_found_in_history(tmp_path: Path) -> None:
    repo = _renamed_tree(tmp_path)
    (v1, v2) = reviewer.apply_series(reviewer.GitRepo(repo),
                                     reviewer.open_source(_thread(tmp_path)).series[0])
    moved = git(repo, "rev-parse", "HEAD").strip()[:12]
    for res in (v1, v2):
        failure = res.patches[0].failure
        assert failure is not None and failure.file == OLD
        assert failure.reason == (f"{OLD} does not exist in the base: renamed to {NEW} by {moved} "
                                  "(\"smb: move client to fs/smb/client\"); the series predates it")
    assert "would not apply either" in (v1.patches[1].failure.reason if v1.patches[1].failure
                                        else "")


def test_same_name_file_without_history(tmp_path: Path) -> None:
    repo = _lone_tree(tmp_path)
    (v1, _v2) = reviewer.apply_series(reviewer.GitRepo(repo),
                                      reviewer.open_source(_thread(tmp_path)).series[0])
    failure = v1.patches[0].failure
    assert failure is not None
    assert failure.reason == (f"{OLD} does not exist in the base; the tree has no history to look "
                              f"for a rename; a file of the same name is at {NEW}")


def test_apply_says_it_everywhere(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo, thread = _lone_tree(tmp_path), _thread(tmp_path)
    assert main(["apply", str(thread), "--tree", str(repo)]) == 1
    out = capsys.readouterr().out
    assert "v1: NOT APPLIED: patch 1/2 does not apply on HEAD" in out
    assert out.rstrip().endswith("not applied: v1, v2 (2 of 2 revisions; exit code 1)")
    # what to try: once per revision, not on every patch
    for tip in ("the mail names v6.4, which this tree does not have: fetch it (git fetch "
                "<remote> tag v6.4) and run again",
                "--base REF puts the series on the tree it was written on",
                "--fuzzy retries with less context"):
        assert out.count(f": try: {tip}") == 2, tip
    assert out.count("the tree has no history to look for a rename") == 2  # v1 1/2, v2 1/2
    assert main(["apply", str(thread), "--tree", str(repo), "--json"]) == 1
    revs = json.loads(capsys.readouterr().out)["series"][0]["revisions"]
    assert [r["applied"] for r in revs] == [False, False]
    assert all(len(r["advice"]) == 3 for r in revs)
    assert revs[0]["base"]["release"] == "v6.4" and revs[0]["base"]["source"] == "HEAD"


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_check_says_findings_come_from_the_diffs(tmp_path: Path, fmt: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    repo, thread = _lone_tree(tmp_path), _thread(tmp_path)
    main(["check", str(thread), "--tree", str(repo), "--format", fmt, "--no-cache"])
    out = capsys.readouterr().out
    note = "not applied (patch 1/2 does not apply on HEAD): findings come from the diffs alone"
    if fmt == "json":
        revs = json.loads(out)["series"][0]["revisions"]
        assert [(r["level"], r["level_reason"]) for r in revs] == [("diff", note)] * 2
        assert revs[0]["apply"]["applied"] is False
    else:
        assert f"v1: {note}" in out and f"v2: {note}" in out
        assert "v1 (not applied)" in out and "v2 (not applied)" in out
    main(["check", str(thread), "--format", fmt, "--no-cache"])
    out = capsys.readouterr().out
    if fmt == "json":
        revs = json.loads(out)["series"][0]["revisions"]
        assert {r["level_reason"] for r in revs} == {
            "no --tree given: findings come from the diffs alone"}
    else:
        assert out.count("no --tree given: every finding comes from the diffs alone") == 1


def test_check_on_an_applied_tree_says_tree(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    repo = _renamed_tree(tmp_path)
    thread = tmp_path / "ok.mbox"
    thread.write_bytes(mbox(mail("ok@example.org", "[PATCH] smb: fix dir", diff=_diff(
        "fs/smb/client/dir.c", "b", "B"))))
    assert main(["check", str(thread), "--tree", str(repo), "--format", "json",
                 "--no-cache"]) in (0, 1)
    (rev,) = json.loads(capsys.readouterr().out)["series"][0]["revisions"]
    assert (rev["level"], rev["level_reason"]) == ("tree", None)
    assert rev["apply"]["base"]["source"] == "HEAD"


def test_compare_says_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo, thread = _lone_tree(tmp_path), _thread(tmp_path)
    assert main(["compare", str(thread), "v1", "v2", "--tree", str(repo), "--no-cache"]) == 0
    out = capsys.readouterr().out
    assert "v1: not applied (patch 1/2 does not apply on HEAD): findings come from the diffs " \
        "alone" in out
    assert "v1 and v2 did not apply: patches paired by diff similarity, interdiff per pair" in out
    assert "Interdiff (no applied commits" in out
    main(["compare", str(thread), "v1", "v2", "--tree", str(repo), "--no-cache",
          "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert data["old"]["level"] == data["new"]["level"] == "diff"


def test_a_file_an_earlier_patch_creates(tmp_path: Path) -> None:
    """Patch 1 fails and creates a file patch 2 changes: that is the reason
    given for patch 2, not a rename to look for."""
    repo = _renamed_tree(tmp_path)
    created = ("diff --git a/fs/smb/client/new.c b/fs/smb/client/new.c\nnew file mode 100644\n"
               "index 000000000000..1a2b3c4d5e6f\n--- /dev/null\n+++ b/fs/smb/client/new.c\n"
               "@@ -0,0 +1,3 @@\n+one\n+two\n+three\n")
    diffs = [_diff("fs/smb/client/dir.c", "nope", "NOPE") + created,
             _diff("fs/smb/client/new.c", "two", "2")]
    mails = [mail(f"n{k}@example.org", f"[PATCH {k}/2] smb: new {k}", diff=d,
                  in_reply_to="n1@example.org" if k == 2 else None)
             for k, d in enumerate(diffs, 1)]
    thread = tmp_path / "new.mbox"
    thread.write_bytes(mbox(*mails))
    (res,) = reviewer.apply_series(reviewer.GitRepo(repo),
                                   reviewer.open_source(thread).series[0])
    second = res.patches[1].failure
    assert second is not None and second.reason == (
        "would not apply either: fs/smb/client/new.c does not exist in the base: patch 1 "
        "creates it")


def test_the_cached_apply_follows_the_base(tmp_path: Path) -> None:
    """The apply cache is keyed by the base chosen and its evidence: when
    the evidence moves the base, the revision is applied again there."""
    repo_path = _renamed_tree(tmp_path)
    thread = tmp_path / "ok.mbox"
    thread.write_bytes(mbox(mail("ok@example.org", "[PATCH] smb: fix dir", diff=_diff(
        "fs/smb/client/dir.c", "b", "B"))))
    repo, cache = reviewer.GitRepo(repo_path), reviewer.ResultCache()
    series = reviewer.open_source(thread).series[0]
    (first,) = reviewer.apply_series(repo, series, cache=cache)
    (again,) = reviewer.apply_series(repo, series, cache=cache)
    assert again == first and first.applied and first.base is not None
    assert first.base.name == "HEAD"  # no index blob in the mail: no evidence
    git(repo_path, "tag", "v6.4")
    (tagged,) = reviewer.apply_series(repo, series, "v6.4", cache=cache)
    assert tagged.base is not None and tagged.base.name == "v6.4" and tagged.applied
    (head,) = reviewer.apply_series(repo, series, cache=cache)
    assert head.base == first.base and head.tip == first.tip
