"""Patches that are not plain `git format-patch` mails: diffs with git's
mnemonic prefixes or none (`--no-prefix`: applied with `git apply -p0`),
and files without mail headers — a bare diff, a quilt patch, an `stg
export` and an `hg export` file — read as a one-patch series labelled as
such, whose sender checks are skipped.  And unthreaded revisions whose
Dates are out of order."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from core.gitutil import diff_for, git, init_repo, lines, mail, mbox, text

import reviewer
from reviewer.cli import main
from reviewer.model import MailShape

A_C = text(lines("a", 30))
CHANGED = A_C.replace("a line 10\n", "a line 10 (new)\n")
MESSAGE = "Rework line ten.\n\nSigned-off-by: Ann Author <ann@example.org>"
SENDER_RULES = ("POL003", "POL006", "POL013")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    repo = tmp_path / "tree"
    init_repo(repo, {"fs/a.c": A_C, "README": "tree\n"})
    return repo


def worktree_diff(repo: Path, *args: str) -> str:
    """`git ARGS` (a diff) with fs/a.c changed in the work tree, and staged
    for `--cached`."""
    (repo / "fs/a.c").write_text(CHANGED)
    if "--cached" in args:
        git(repo, "add", "fs/a.c")
    out = git(repo, *args)
    git(repo, "reset", "-q", "--hard")
    return out


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def apply_one(path: Path, repo: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """`reviewer apply`; the applied fs/a.c."""
    code, out, err = run(capsys, "apply", str(path), "--tree", str(repo), "--json")
    assert code == 0, err
    (rev,) = json.loads(out)["series"][0]["revisions"]
    assert [p["status"] for p in rev["patches"]] == ["applied"]
    return git(repo, "show", f"{rev['ref']}:fs/a.c")


@pytest.mark.parametrize("opts, strip", [
    (("-c", "diff.mnemonicPrefix=true", "diff"), 1),  # i/ w/
    (("-c", "diff.mnemonicPrefix=true", "diff", "--cached"), 1),  # c/ i/
    (("diff", "--no-prefix"), 0),
    (("diff", "--src-prefix=a/", "--dst-prefix=b/"), 1),
])
def test_diff_prefixes(tree: Path, opts: tuple[str, ...], strip: int, tmp_path: Path,
                       capsys: pytest.CaptureFixture[str]) -> None:
    """The paths are read without git's prefixes, and the patch reaches
    `git apply` with the -p that fits (0 for --no-prefix)."""
    diff = worktree_diff(tree, *opts)
    assert diff.startswith("diff --git ")
    path = tmp_path / "p.eml"
    path.write_bytes(mail("p@example.org", "[PATCH] fs: rework ten", body=MESSAGE.split("\n")[0]
                          + "\n", diff=diff))
    (patch,) = [p for s in reviewer.open_source(path).series for r in s.revisions
                for p in r.patches]
    assert patch.paths == ("fs/a.c",) and patch.strip == strip
    assert apply_one(path, tree, capsys) == CHANGED


# -- files without mail headers ----------------------------------------------------

def quilt(diff: str) -> str:
    """A quilt patch: description, `Index:` lines, paths under two trees."""
    body = diff.split("\n--- ", 1)[1]
    return (f"fs: rework ten\n\n{MESSAGE}\n---\n fs/a.c | 2 +-\n\nIndex: linux/fs/a.c\n"
            f"{'=' * 67}\n--- linux.orig/{body.split(chr(10), 1)[0][2:]}\n"
            + "+++ linux/fs/a.c\n" + body.split("\n+++ b/fs/a.c\n", 1)[1])


def stgit(diff: str) -> str:
    return f"fs: rework ten\n\nFrom: Ann Author <ann@example.org>\n\n{MESSAGE}\n---\n\n{diff}"


def hg(diff: str) -> str:
    return ("# HG changeset patch\n# User Ann Author <ann@example.org>\n# Date 1709546400 0\n"
            "#      Mon Mar 04 10:00:00 2024 +0000\n"
            f"# Node ID {'1' * 40}\n# Parent  {'2' * 40}\nfs: rework ten\n\n{MESSAGE}\n\n"
            + diff.replace("diff --git a/fs/a.c b/fs/a.c\n", "diff -r 222222222222 -r 111111111111 "
                           "fs/a.c\n"))


@pytest.mark.parametrize("form", ["bare", "quilt", "stgit", "hg"])
def test_patch_file_without_mail_headers(tree: Path, form: str, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    """A one-patch series labelled as a patch file (FILE, a note in text
    and JSON), applied; rules that need a sender, recipients or a subject
    line are skipped with the reason, the author's sign-off still checked
    where the file names the author."""
    diff = worktree_diff(tree, "diff")
    content = {"bare": diff, "quilt": quilt(diff), "stgit": stgit(diff), "hg": hg(diff)}[form]
    path = tmp_path / "0001-fs-rework-ten.patch"
    path.write_text(content)
    opened = reviewer.open_source(path)
    assert opened.loaded.kind == "patch-file"
    (series,) = opened.series
    (rev,) = series.revisions
    (patch,) = rev.patches
    assert patch.message.shapes == (MailShape.NO_HEADERS,) and not patch.message.has_headers
    assert patch.paths == ("fs/a.c",)
    if form == "bare":
        assert patch.title == "fs-rework-ten" and patch.author.email == ""
    else:
        assert patch.title == "fs: rework ten" and patch.commit_message == MESSAGE
    if form in ("stgit", "hg"):
        assert str(patch.author) == "Ann Author <ann@example.org>"
    assert apply_one(path, tree, capsys) == CHANGED

    code, out, _ = run(capsys, "revisions", str(path), "--json")
    (jrev,) = json.loads(out)["series"][0]["revisions"]
    assert jrev["mail_notes"] == [{"patch": 1, "shape": "no-mail-headers", "warning": False,
                                   "text": MailShape.NO_HEADERS.note}]
    code, out, _ = run(capsys, "revisions", str(path))
    assert "FILE" in out and "a patch file without mail headers" in out
    code, out, _ = run(capsys, "check", str(path), "--tree", str(tree), "--format", "json")
    rules = json.loads(out)["series"][0]["revisions"][0]["rules"]
    for rule_id in SENDER_RULES:
        assert rules[rule_id]["status"] == "skipped", rule_id
        assert "no mail headers" in rules[rule_id]["reason"]
    assert rules["POL002"]["status"] == ("skipped" if form in ("bare", "quilt") else "ran")
    assert rules["POL001"]["status"] == "ran"


def test_text_without_a_diff_is_still_not_a_source(tmp_path: Path) -> None:
    notes = tmp_path / "notes.patch"
    notes.write_text("fs: an idea\n\nNo diff here, only --- words.\n")
    with pytest.raises(reviewer.SourceError, match="not a mailbox"):
        reviewer.open_source(notes)


# -- unthreaded revisions, Dates out of order --------------------------------------------

def posting(version: int, date: str, order: list[int]) -> list[bytes]:
    tag = f" v{version}" if version > 1 else ""
    return [mail(f"v{version}-{k}@example.org", f"[PATCH{tag} {k}/2] fs: rework {name}",
                 date=date.replace(":00 +", f":{k:02d} +"),
                 diff=diff_for(f"fs/{name}.c", "old", f"new in v{version}"))
            for k, name in ((k, ("a", "b")[k - 1]) for k in order)]


@pytest.mark.parametrize("case", ["v2 dated before v1", "v2 first in the file"])
def test_unthreaded_revisions_out_of_order(case: str, tmp_path: Path) -> None:
    """Two revisions sent without reference headers: the subjects' versions
    order them, whatever the Dates or the file say."""
    v1_date, v2_date = "Mon, 04 Mar 2024 10:00:00 +0000", "Tue, 05 Mar 2024 10:00:00 +0000"
    if case == "v2 dated before v1":
        v1_date, v2_date = v2_date, "Sun, 03 Mar 2024 10:00:00 +0000"
    v1, v2 = posting(1, v1_date, [2, 1]), posting(2, v2_date, [2, 1])
    path = tmp_path / "t.mbox"
    path.write_bytes(mbox(*(v2 + v1)) if case == "v2 first in the file" else mbox(*(v1 + v2)))
    (series,) = reviewer.open_source(path).series
    assert [r.label for r in series.revisions] == ["v1", "v2"]
    assert [[p.index for p in r.patches] for r in series.revisions] == [[1, 2], [1, 2]]
    link = series.revisions[1].link
    assert link is not None and link.reason == "author+subject+files"
    assert all("new in v2" in p.diff for p in series.revisions[1].patches)
