"""SOURCE loading: mbox, mbox.gz, maildir, a directory of `git format-patch`
files, a single mail; and the one-line errors for what is not a source."""

from __future__ import annotations

import gzip
import mailbox
from pathlib import Path

import pytest
from core.gitutil import commit, diff_for, git, init_repo, lines, mail, mbox, text

import reviewer
from reviewer import SourceError

MAILS = [
    mail("cover@example.org", "[PATCH 0/2] foo: two changes",
         date="Mon, 01 Jan 2024 10:00:00 +0000"),
    mail("p1@example.org", "[PATCH 1/2] foo: first", in_reply_to="cover@example.org",
         references=["cover@example.org"], diff=diff_for("foo.c"),
         date="Mon, 01 Jan 2024 10:00:01 +0000"),
    mail("p2@example.org", "[PATCH 2/2] foo: second", in_reply_to="cover@example.org",
         references=["cover@example.org"], diff=diff_for("bar.c"),
         date="Mon, 01 Jan 2024 10:00:02 +0000"),
    mail("r1@example.org", "Re: [PATCH 1/2] foo: first", in_reply_to="p1@example.org",
         references=["cover@example.org", "p1@example.org"],
         sender="Rita Reviewer <rita@example.org>", date="Tue, 02 Jan 2024 08:00:00 +0000"),
]
MSGIDS = {"cover@example.org", "p1@example.org", "p2@example.org", "r1@example.org"}


def check_series(source: Path) -> None:
    """The four mails make one revision: cover, 2 patches, 1 reply on 1/2."""
    opened = reviewer.open_source(source)
    assert len(opened.series) == 1 and len(opened.series[0].revisions) == 1
    rev = opened.series[0].revisions[0]
    assert rev.cover is not None and rev.cover.msgid == "cover@example.org"
    assert [p.msgid for p in rev.patches] == ["p1@example.org", "p2@example.org"]
    assert [(r.message.msgid, r.answers, r.patch_index) for r in rev.replies] == [
        ("r1@example.org", "p1@example.org", 1)]


def test_mbox(tmp_path: Path) -> None:
    path = tmp_path / "thread.mbox"
    path.write_bytes(mbox(*MAILS))
    loaded = reviewer.load(path)
    assert loaded.kind == "mbox" and loaded.problems == ()
    assert [m.msgid for m in loaded.messages] == [
        "cover@example.org", "p1@example.org", "p2@example.org", "r1@example.org"]
    assert loaded.messages[3].sender.email == "rita@example.org"
    check_series(path)


def test_mbox_gz(tmp_path: Path) -> None:
    path = tmp_path / "thread.mbox.gz"
    path.write_bytes(gzip.compress(mbox(*MAILS)))
    loaded = reviewer.load(path)
    assert loaded.kind == "mbox"
    assert {m.msgid for m in loaded.messages} == MSGIDS
    check_series(path)


def test_maildir(tmp_path: Path) -> None:
    md = mailbox.Maildir(str(tmp_path / "md"), create=True)
    for raw in MAILS:
        md.add(raw)
    md.close()
    loaded = reviewer.load(tmp_path / "md")
    assert loaded.kind == "maildir"
    assert {m.msgid for m in loaded.messages} == MSGIDS
    check_series(tmp_path / "md")


def test_single_eml(tmp_path: Path) -> None:
    path = tmp_path / "one.eml"
    path.write_bytes(MAILS[1])
    loaded = reviewer.load(path)
    assert loaded.kind == "mail"
    assert [m.msgid for m in loaded.messages] == ["p1@example.org"]
    rev = reviewer.open_source(path).series[0].revisions[0]
    assert rev.expected == 2 and rev.missing == (2,) and [p.index for p in rev.patches] == [1]


def test_directory_of_eml_files(tmp_path: Path) -> None:
    for n, raw in enumerate(MAILS):
        (tmp_path / f"{n:02d}.eml").write_bytes(raw)
    (tmp_path / "notes.md").write_text("not mail, and not looked at\n")
    loaded = reviewer.load(tmp_path)
    assert loaded.kind == "directory"
    assert {m.msgid for m in loaded.messages} == MSGIDS
    check_series(tmp_path)


def format_patch_dir(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    init_repo(repo, {"foo.c": text(lines("foo", 10))})
    for n in (2, 5, 8):
        old = (repo / "foo.c").read_text()
        commit(repo, {"foo.c": old.replace(f"foo line {n}\n", f"foo line {n} changed\n")},
               f"foo: change line {n}", f"2024-01-0{n // 2 + 1}T10:00:00+00:00")
    out = tmp_path / "patches"
    git(repo, "format-patch", "-q", "-o", str(out), "base0..main")
    return out


def test_directory_of_format_patch_files(tmp_path: Path) -> None:
    out = format_patch_dir(tmp_path)
    files = sorted(out.glob("*.patch"))
    assert len(files) == 3 and not any(b"Message-I" in f.read_bytes() for f in files)
    loaded = reviewer.load(out)
    assert loaded.kind == "directory" and loaded.problems == ()
    ids = [m.msgid for m in loaded.messages]
    assert len(set(ids)) == 3 and all(i.endswith("@reviewer.invalid") for i in ids)
    assert [m.msgid for m in reviewer.load(out).messages] == ids  # stable across loads
    revs = [r for s in reviewer.open_source(out).series for r in s.revisions]
    assert len(revs) == 1 and revs[0].complete
    assert [p.title for p in revs[0].patches] == [
        "foo: change line 2", "foo: change line 5", "foo: change line 8"]
    assert revs[0].patches[1].paths == ("foo.c",)


def test_duplicate_message_id_kept_once(tmp_path: Path) -> None:
    dup = mail("p1@example.org", "[PATCH 1/2] foo: first (again)", diff=diff_for("foo.c"))
    path = tmp_path / "dup.mbox"
    path.write_bytes(mbox(*MAILS, dup))
    loaded = reviewer.load(path)
    assert [m.msgid for m in loaded.messages].count("p1@example.org") == 1
    first = next(m for m in loaded.messages if m.msgid == "p1@example.org")
    assert first.subject.summary == "foo: first"
    assert len(loaded.problems) == 1 and "p1@example.org" in loaded.problems[0]
    assert "duplicate" in loaded.problems[0]
    check_series(path)


def _not_a_source(tmp_path: Path, case: str) -> Path:
    if case == "missing":
        return tmp_path / "nowhere.mbox"
    if case == "text file":
        path = tmp_path / "notes.txt"
        path.write_text("These are my notes.\nNo mail in here.\n")
        return path
    if case == "empty mbox":
        path = tmp_path / "empty.mbox"
        path.write_bytes(b"")
        return path
    if case == "empty directory":
        (tmp_path / "dir" / "sub").mkdir(parents=True)
        (tmp_path / "dir" / "README.txt").write_text("just prose\n")
        (tmp_path / "dir" / "data.json").write_text("{}\n")
        return tmp_path / "dir"
    raise AssertionError(case)


@pytest.mark.parametrize("case", ["missing", "text file", "empty mbox", "empty directory"])
def test_not_a_source(tmp_path: Path, case: str) -> None:
    path = _not_a_source(tmp_path, case)
    with pytest.raises(SourceError) as info:
        reviewer.load(path)
    message = str(info.value)
    assert message and "\n" not in message and str(path) in message
    with pytest.raises(SourceError):
        reviewer.open_source(path)


def test_only_replies_is_no_patches(tmp_path: Path) -> None:
    path = tmp_path / "replies.mbox"
    path.write_bytes(mbox(MAILS[3]))
    assert len(reviewer.load(path).messages) == 1
    with pytest.raises(SourceError, match="no patches"):
        reviewer.open_source(path)
