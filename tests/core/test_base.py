"""Each revision's base chosen from evidence: --base, base-commit, the
pre-image blobs of its `index` lines (at ref tips, then in history), a
release its mails name, then HEAD; and the evidence reported with it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from core.gitutil import (
    SeriesRepo,
    commit,
    git,
    init_repo,
    lines,
    mail,
    mbox,
    replace_line,
    text,
)

import reviewer
from reviewer.cli import main
from reviewer.model import BaseSource
from reviewer.tree.base import choose_base, named_release, pre_images, prerequisites


@pytest.fixture
def series(tmp_path: Path) -> SeriesRepo:
    return SeriesRepo(tmp_path)


def revisions(mbox_path: Path) -> tuple[reviewer.Revision, ...]:
    return reviewer.open_source(mbox_path).series[0].revisions


def test_blobs_choose_the_authors_base(series: SeriesRepo,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    """No base-commit, HEAD moved on: the tag where all three pre-images are
    wins, and every patch applies as the author's did."""
    repo = reviewer.GitRepo(series.repo)
    results = reviewer.apply_series(repo, reviewer.open_source(series.plain).series[0])
    for res in results:
        assert res.base is not None and res.base.source is BaseSource.BLOBS
        assert res.base.commit == series.base and res.base.name == "base0"
        assert res.base.evidence == "blobs: 3/3 pre-images at base0"
        assert res.base.reason == "no base-commit in the mail; blobs: 3/3 pre-images at base0"
        assert (res.base.matched, res.base.blobs) == (3, 3)
        assert res.applied and res.advice == ()
        assert git(series.repo, "rev-parse", f"{res.ref}^{{tree}}").strip() == \
            series.trees[res.version]
    assert main(["apply", str(series.plain), "--tree", str(series.repo)]) == 0
    out = capsys.readouterr().out
    assert f"v1: base base0 ({series.base[:12]}): no base-commit in the mail; blobs: 3/3 " \
        "pre-images at base0" in out
    assert "NOT APPLIED" not in out


def test_blobs_found_in_history(series: SeriesRepo) -> None:
    """With the tag gone no ref tip has the pre-images (main changed two of
    the files): the commits git finds them in do, as b4 --guess-base does."""
    git(series.repo, "tag", "-d", "base0")
    repo = reviewer.GitRepo(series.repo)
    for rev in revisions(series.plain):
        base = choose_base(repo, rev)
        assert base.source is BaseSource.BLOBS and base.commit == series.base
        assert base.evidence == f"blobs: 3/3 pre-images at {series.base[:12]}"


def test_partial_match_is_said(series: SeriesRepo) -> None:
    """Where no commit has every pre-image, the best one is used and the
    count says so."""
    git(series.repo, "tag", "-d", "base0")
    git(series.repo, "update-ref", "-d", "refs/heads/main", series.head)
    git(series.repo, "checkout", "-q", "--orphan", "fresh")
    git(series.repo, "rm", "-rq", "--cached", ".")
    head = commit(series.repo, {"a.c": (series.repo / "a.c").read_text()}, "fresh",
                  "2024-03-02T00:00:00+00:00")
    git(series.repo, "reflog", "expire", "--expire=now", "--all")
    git(series.repo, "gc", "-q", "--prune=now")
    repo = reviewer.GitRepo(series.repo)
    base = choose_base(repo, revisions(series.plain)[0])
    assert base.source is BaseSource.BLOBS and base.commit == head
    assert base.evidence == "blobs: 1/3 pre-images at fresh"


def test_base_commit_first_then_prerequisites_said(series: SeriesRepo, tmp_path: Path) -> None:
    prereq = "0123456789abcdef0123456789abcdef01234567"
    data = series.based.read_bytes().replace(
        f"base-commit: {series.base}\n".encode(),
        f"base-commit: {series.base}\nprerequisite-patch-id: {prereq}\n".encode())
    with_prereq = tmp_path / "prereq.mbox"
    with_prereq.write_bytes(data)
    repo = reviewer.GitRepo(series.repo)
    plain = choose_base(repo, revisions(series.based)[0])
    assert plain.source is BaseSource.BASE_COMMIT and plain.commit == series.base
    assert plain.evidence == f"base-commit {series.base[:12]} given in the mail is in the tree"
    assert (plain.matched, plain.blobs) == (3, 3)
    rev = revisions(with_prereq)[0]
    assert prerequisites(rev) == (prereq,)
    base = choose_base(repo, rev)
    assert base.source is BaseSource.BASE_COMMIT
    assert "1 prerequisite patch(es)" in base.evidence


def test_base_option_overrides_every_evidence(series: SeriesRepo) -> None:
    repo = reviewer.GitRepo(series.repo)
    base = choose_base(repo, revisions(series.based)[0], "main")
    assert base.source is BaseSource.OPTION and base.commit == series.head
    assert base.evidence == "--base main (given; 1/3 pre-images there)"
    with pytest.raises(reviewer.TreeError, match="no-such"):
        choose_base(repo, revisions(series.based)[0], "no-such")


@pytest.mark.parametrize(("line", "tag"), [
    ("This series is based on v5.7-rc5.", "v5.7-rc5"),
    ("- Rebase on latest linus-tree(5.7.0-rc5).", "v5.7-rc5"),
    ("Applies on top of next-20240301, thanks.", "next-20240301"),
    ("Rebased onto 6.1.0", "v6.1"),
    ("based against v6.1.12 stable", "v6.1.12"),
    ("Tested on 5.10 and 6.1.", None),  # not a base
    ("Changes since v2: rebased", None),  # a revision, not a release
    ("> based on v5.1", None),  # someone else's words, quoted
    ("based on 5.7.0-rc5abc", None),
])
def test_named_release(tmp_path: Path, line: str, tag: str | None) -> None:
    path = tmp_path / "t.mbox"
    path.write_bytes(_series(f"Cover.\n\n{line}\n", "Mon, 15 Jan 2024 10:00:00 +0000",
                             _diff("foo.c", "1111111", "2222222")))
    assert named_release(revisions(path)[0]) == tag


def _series(cover_body: str, date: str, diff: str) -> bytes:
    """A cover and two patches: the first with `diff`, the second touching
    another file."""
    cover = mail("c@example.org", "[PATCH 0/2] foo: things", body=cover_body, date=date)
    patches = [mail(f"p{k}@example.org", f"[PATCH {k}/2] foo: step {k}", date=date,
                    in_reply_to="c@example.org", references=["c@example.org"], diff=d)
               for k, d in ((1, diff), (2, _diff("other.c", "0", "4444444")))]
    return mbox(cover, *patches)


def _diff(path: str, old_blob: str, new_blob: str, old: str = "old", new: str = "new") -> str:
    return (f"diff --git a/{path} b/{path}\nindex {old_blob}..{new_blob} 100644\n"
            f"--- a/{path}\n+++ b/{path}\n@@ -1,1 +1,1 @@\n-{old}\n+{new}\n")


def test_pre_images_count_each_file_once(tmp_path: Path) -> None:
    """Patch 2 starts from patch 1's post-image and patch 3 creates a file:
    only patch 1's pre-image says anything about the base."""
    created = ("diff --git a/new.c b/new.c\nnew file mode 100644\nindex 0000000..3333333\n"
               "--- /dev/null\n+++ b/new.c\n@@ -0,0 +1 @@\n+x\n")
    diffs = [_diff("a.c", "aaaaaaa", "bbbbbbb"), _diff("a.c", "bbbbbbb", "ccccccc", "new", "n2"),
             created]
    mails = [mail(f"p{k}@example.org", f"[PATCH {k}/3] a: step {k}", diff=d,
                  in_reply_to="p1@example.org" if k > 1 else None)
             for k, d in enumerate(diffs, 1)]
    path = tmp_path / "t.mbox"
    path.write_bytes(mbox(*mails))
    (rev,) = revisions(path)
    assert [(i.path, i.blob) for i in pre_images(rev)] == [("a.c", "aaaaaaa")]


def _released_tree(root: Path) -> tuple[Path, str, str]:
    """Tags v6.2-rc1 and v6.2 (a.c unchanged between them), then HEAD moves
    a.c on; returns (repo, v6.2-rc1 commit, v6.2 commit)."""
    repo = root / "tree"
    a = text(lines("a", 10))
    rc1 = init_repo(repo, {"a.c": a, "b.c": "b\n"}, tag="v6.2-rc1",
                    date="2024-01-01T00:00:00+00:00")
    final = commit(repo, {"b.c": "b changed\n"}, "b: change", "2024-02-01T00:00:00+00:00")
    git(repo, "tag", "v6.2")
    commit(repo, {"a.c": replace_line(a, 2, "a moved on")}, "a: move on",
           "2024-03-01T00:00:00+00:00")
    return repo, rc1, final


def _one_patch(root: Path, repo: Path, cover_line: str, date: str, blob: str | None = None) -> Path:
    """A series whose one pre-image is a.c as tagged v6.2-rc1 (or `blob`)."""
    old = blob or git(repo, "rev-parse", "v6.2-rc1:a.c").strip()[:12]
    path = root / "t.mbox"
    path.write_bytes(_series(f"Cover.\n\n{cover_line}\n", date,
                             _diff("a.c", old, "1234567", "a line 1", "a line one")))
    return path


def test_equal_blobs_prefer_the_named_release_then_the_mails_date(tmp_path: Path) -> None:
    repo_path, rc1, final = _released_tree(tmp_path)
    repo = reviewer.GitRepo(repo_path)
    mid_january = "Mon, 15 Jan 2024 10:00:00 +0000"
    plain = _one_patch(tmp_path, repo_path, "Cover text.", mid_january)
    base = choose_base(repo, revisions(plain)[0])
    assert base.commit == rc1 and base.name == "v6.2-rc1"  # the newest before the mail
    named = _one_patch(tmp_path, repo_path, "Based on v6.2.", mid_january)
    base = choose_base(repo, revisions(named)[0])
    assert base.commit == final and base.name == "v6.2" and base.release == "v6.2"
    assert base.evidence == "blobs: 1/1 pre-images at v6.2, the release the mail names"


def test_release_named_when_no_blob_is_known(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    repo_path, _rc1, final = _released_tree(tmp_path)
    repo = reviewer.GitRepo(repo_path)
    path = _one_patch(tmp_path, repo_path, "Based on v6.2.", "Mon, 15 Jan 2024 10:00:00 +0000",
                      blob="abcdef123456")
    base = choose_base(repo, revisions(path)[0])
    assert base.source is BaseSource.RELEASE and base.commit == final
    assert base.evidence == "release: the mail names v6.2, a tag here"
    assert base.reason.startswith("no base-commit in the mail; the pre-image blob is not in the "
                                  "tree; release: ")
    git(repo_path, "tag", "-d", "v6.2")
    base = choose_base(repo, revisions(path)[0])
    assert base.source is BaseSource.HEAD and base.name == "HEAD"
    assert base.evidence == "HEAD: 0/1 pre-images there, no evidence for another base"
    assert "the mail names v6.2, not a tag here" in base.reason
    assert main(["revisions", str(path), "--tree", str(repo_path), "--json"]) == 0
    (rev,) = json.loads(capsys.readouterr().out)["series"][0]["revisions"]
    assert (rev["release"], rev["pre_images"], rev["prerequisites"]) == ("v6.2", 1, [])
    assert rev["base"]["source"] == "HEAD" and rev["base"]["release"] == "v6.2"
    assert main(["revisions", str(path)]) == 0
    assert "names v6.2" in capsys.readouterr().out
