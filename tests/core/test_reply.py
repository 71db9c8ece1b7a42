"""Review reply drafts: real findings of the reference thread quoted under
their lines, read back by `git mailinfo`, threaded by Python's `mailbox`,
reviewer's own threading and b4's `LoreMailbox`; Reviewed-by only when
asked and no error is open; the identity as b4 finds it; no file
overwritten."""

from __future__ import annotations

import email
import email.policy
import mailbox
import subprocess
from pathlib import Path

import b4
import pytest
from helpers import REFERENCE_THREAD, need
from mailfactory import DIFF, mail

import reviewer
from reviewer.cli import main
from reviewer.model import Address, Finding, LineSide, Severity

ME = Address("Test", "test@example.org")  # tests/conftest.py's git identity


def _write_mbox(path: Path, *mails: str | bytes) -> Path:
    box = mailbox.mbox(str(path))
    for m in mails:
        box.add(m.encode() if isinstance(m, str) else m)
    box.flush()
    return path


def _mailinfo(reply: Path, tmp_path: Path) -> tuple[str, str, str]:
    """(message, patch, info) as `git mailinfo` splits the reply."""
    msg, patch = tmp_path / "msg", tmp_path / "patch"
    with reply.open("rb") as fh:
        info = subprocess.run(["git", "mailinfo", str(msg), str(patch)], stdin=fh,
                              capture_output=True, check=True).stdout.decode()
    return msg.read_text(), patch.read_text(), info


def _unquoted(text: str) -> list[str]:
    return [line[2:] if line.startswith("> ") else "" for line in text.split("\n")
            if line.startswith(">")]


@pytest.fixture
def v1_reply(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    out = tmp_path / "v1.eml"
    assert main(["reply", str(need(REFERENCE_THREAD)), "v1", "-o", str(out)]) == 0
    assert "wrote" in capsys.readouterr().err
    return out


def test_reference_v1_reply_reads_back_through_git_mailinfo(v1_reply: Path,
                                                             tmp_path: Path) -> None:
    opened = reviewer.open_source(REFERENCE_THREAD)
    patch = opened.find("v1")[1].patches[0]
    body, diff, info = _mailinfo(v1_reply, tmp_path)
    assert diff == ""  # the quoted patch is not taken for a patch to apply
    assert "Subject: ovl: suppress negative dentry in lookup" in info  # tags stripped
    assert "Author: Test\nEmail: test@example.org" in info

    # The quote: the commit message's first paragraph, then the one file's
    # header and the one hunk with findings, line for line as in the mail.
    quoted = _unquoted(body)
    first_paragraph = patch.commit_message.split("\n\n")[0].split("\n")
    assert quoted[:len(first_paragraph)] == first_paragraph
    (change,) = patch.files
    (hunk,) = [h for h in change.hunks if h.new_start <= 214 < h.new_start + h.new_len]
    diff_lines = patch.diff.split("\n")
    header = diff_lines[:diff_lines.index(next(t for t in diff_lines if t.startswith("@@")))]
    rest = quoted[len(first_paragraph):]
    assert rest[:len(header)] == header
    assert rest[len(header)].startswith(f"@@ -{hunk.old_start},{hunk.old_len} +{hunk.new_start},")
    assert rest[len(header) + 1:] == list(hunk.lines)

    # Both findings under the line they are about (post-image line 214).
    lines = body.split("\n")
    at = lines.index("> +\t\td_drop(this);")
    assert hunk.added()[[n for n, _ in hunk.added()].index(214)][1] == "\t\td_drop(this);"
    comment = lines[at + 1:lines.index("> +\t\tdput(this);")]
    text = "\n".join(comment)
    assert comment[0] == "" and comment[1].startswith("RACE001 (error): ovl_lookup_single(): ")
    assert "\nRACE003 (error): " in text and "\nWhy: A negative dentry you hold" in text
    assert "line 214" not in text  # it is under that very line
    assert "Reviewed-by" not in body


def test_reference_v1_reply_threads_under_v1(v1_reply: Path, tmp_path: Path) -> None:
    v1 = reviewer.open_source(REFERENCE_THREAD).find("v1")[1].patches[0]
    raw = v1_reply.read_bytes()
    both = _write_mbox(tmp_path / "both.mbox", REFERENCE_THREAD.read_bytes().split(b"\nFrom ")[0],
                       raw)
    mine = [m for m in mailbox.mbox(str(both)) if m["Subject"].startswith("Re: [RFC PATCH]")]
    assert len(mine) == 1
    assert mine[0]["In-Reply-To"] == f"<{v1.msgid}>"
    assert mine[0]["References"].split()[-1] == f"<{v1.msgid}>"

    thread = tmp_path / "thread.mbox"
    thread.write_bytes(REFERENCE_THREAD.read_bytes())
    _write_mbox(thread, raw)
    rev = reviewer.open_source(thread).find("v1")[1]
    sent = email.message_from_bytes(raw, policy=email.policy.default)
    ours = [r for r in rev.replies if f"<{r.message.msgid}>" == sent["Message-ID"]]
    assert [(r.answers, r.patch_index) for r in ours] == [(v1.msgid, 1)]

    lmbx = b4.LoreMailbox()
    for msg in mailbox.mbox(str(thread), factory=None):
        lmbx.add_message(email.message_from_bytes(msg.as_bytes(), policy=b4.emlpolicy))
    (followup,) = [f for f in lmbx.followups if f"<{f.msgid}>" == sent["Message-ID"]]
    assert followup.in_reply_to == v1.msgid
    lser = lmbx.get_series(1, codereview_trailers=False)
    assert lser is not None and lser.patches[1].msgid == v1.msgid
    assert not [t for t in lser.patches[1].followup_trailers if "test@example.org" in t.value]


def test_reviewed_by_refused_while_errors_are_open(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "rb.eml"
    code = main(["reply", str(need(REFERENCE_THREAD)), "v1", "--reviewed-by", "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and not out.exists()
    assert err.strip() == ("reviewer: no Reviewed-by: 2 error finding(s) open on v1 1/1 "
                           "(RACE001, RACE003)")


def _clean_thread(tmp_path: Path, cc: str = "") -> Path:
    return _write_mbox(tmp_path / "clean.mbox", mail(
        "[PATCH] ovl: set err before use", msgid="p1@example.org",
        cc=cc or "Ann Maint <ann@example.org>, Lin Author <LIN@example.org>"))


def test_reviewed_by_on_a_clean_patch_is_a_trailer_b4_picks_up(tmp_path: Path) -> None:
    thread = _clean_thread(tmp_path)
    out = tmp_path / "rb.eml"
    assert main(["reply", str(thread), "v1", "--reviewed-by", "-o", str(out)]) == 0
    _write_mbox(thread, out.read_bytes())
    lmbx = b4.LoreMailbox()
    for msg in mailbox.mbox(str(thread), factory=None):
        lmbx.add_message(email.message_from_bytes(msg.as_bytes(), policy=b4.emlpolicy))
    lser = lmbx.get_series(1, codereview_trailers=False)
    assert lser is not None
    assert [(t.name, t.value) for t in lser.patches[1].followup_trailers] == [
        ("Reviewed-by", "Test <test@example.org>")]


def test_recipients_deduplicated_without_the_reviewer(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    thread = _clean_thread(tmp_path, cc="Ann Maint <ann@example.org>, Lin <LIN@example.org>, "
                           "ovl list <LINUX-unionfs@lists.example.org>, Test <TEST@example.org>")
    out = tmp_path / "r.eml"
    assert main(["reply", str(thread), "v1", "-o", str(out)]) == 0
    sent = email.message_from_bytes(out.read_bytes(), policy=email.policy.default)
    assert str(sent["From"]) == "Test <test@example.org>"
    assert str(sent["To"]) == "Lin Author <lin@example.org>"
    assert [a.addr_spec for a in sent["Cc"].addresses] == [
        "linux-unionfs@lists.example.org", "ann@example.org"]
    assert str(sent["Subject"]) == "Re: [PATCH] ovl: set err before use"

    # answering one's own patch: To stays the sender; an address without a domain is dropped
    own = _write_mbox(tmp_path / "own.mbox", mail(
        "[PATCH] ovl: mine", msgid="own@example.org", sender="Test <test@example.org>",
        cc="undisclosed, Ann Maint <ann@example.org>"))
    rev = reviewer.open_source(own).series[0].revisions[0]
    sent = email.message_from_string(reviewer.draft_reply(rev, 1, ME, []).text,
                                     policy=email.policy.default)
    assert str(sent["To"]) == "Test <test@example.org>"
    assert [a.addr_spec for a in sent["Cc"].addresses] == [
        "linux-unionfs@lists.example.org", "ann@example.org"]


def test_identity_as_b4_finds_it(tmp_path: Path, isolated_env: Path,
                                 monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    config = isolated_env / ".gitconfig"
    base = config.read_text()
    config.write_text(base + "[sendemail]\n\tfrom = Sendy <send@example.org>\n")
    assert reviewer.reviewer_identity() == Address("Sendy", "send@example.org")
    config.write_text(base + "[sendemail]\n\tfrom = Sendy <send@example.org>\n"
                      "[sendemail \"work\"]\n\tfrom = Worky <work@example.com>\n"
                      "[b4]\n\tsendemail-identity = work\n")
    assert reviewer.reviewer_identity() == Address("Worky", "work@example.com")
    config.write_text("")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "Envy")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "env@example.org")
    assert reviewer.reviewer_identity() == Address("Envy", "env@example.org")
    for var in ("GIT_COMMITTER_EMAIL", "GIT_AUTHOR_EMAIL", "EMAIL"):
        monkeypatch.delenv(var, raising=False)
    code = main(["reply", str(_clean_thread(tmp_path)), "v1", "-o", str(tmp_path / "x.eml")])
    assert code == 2 and not (tmp_path / "x.eml").exists()
    assert capsys.readouterr().err.strip() == ("reviewer: no address to reply from: set "
                                               "`git config user.email` (or sendemail.from)")


def test_an_existing_file_is_kept_unless_forced(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    thread = _clean_thread(tmp_path)
    out = tmp_path / "mine.eml"
    out.write_text("my own notes\n")
    assert main(["reply", str(thread), "v1", "-o", str(out)]) == 2
    assert "exists: not overwritten (--force replaces it)" in capsys.readouterr().err
    assert out.read_text() == "my own notes\n"
    assert main(["reply", str(thread), "v1", "-o", str(out), "--force"]) == 0
    assert out.read_text().startswith("From: Test <test@example.org>\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clean.mbox", "mine.eml"]


def test_default_name_from_the_patch_and_stdout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    thread = _clean_thread(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["reply", str(thread), "v1"]) == 0
    assert (tmp_path / "re-v1-1-ovl-set-err-before-use.eml").is_file()
    capsys.readouterr()
    assert main(["reply", str(thread), "v1", "-o", "-"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("From: Test <test@example.org>\n")
    assert "In-Reply-To: <p1@example.org>" in out
    assert main(["reply", str(thread), "v1", "--patch", "3"]) == 2
    assert capsys.readouterr().err.strip() == "reviewer: v1 has no patch 3 (have: 1)"


# -- the core API the TUI builds on ---------------------------------------
TWO_HUNKS = """\
diff --git a/fs/x.c b/fs/x.c
index 1111111..2222222 100644
--- a/fs/x.c
+++ b/fs/x.c
@@ -10,4 +10,4 @@ static int first(void)
 \tint a;
-\ta = 1;
+\ta = 2;
 \treturn a;
 }
@@ -40,3 +40,4 @@ static int second(void)
 \tint b;
+\tb = 0;
 \treturn b;
"""


def _two_hunk_revision(tmp_path: Path) -> reviewer.Revision:
    path = _write_mbox(tmp_path / "two.mbox", mail(
        "[PATCH] x: fix first and second", msgid="two@example.org", diff=TWO_HUNKS,
        body="First paragraph.\n\nSecond paragraph\nwith two lines."))
    return reviewer.open_source(path).series[0].revisions[0]


def _finding(line: int | None, file: str | None = "fs/x.c", level: str = "diff") -> Finding:
    return Finding("RACE007", Severity.ERROR, "sleeps under a spinlock", 1, 1, file, line,
                   level, "fp")


def test_comments_under_any_line_and_only_their_hunks_quoted(tmp_path: Path) -> None:
    rev = _two_hunk_revision(tmp_path)
    lines = reviewer.reply_lines(rev, 1)
    removed = next(q for q in lines if q.text == "-\ta = 1;")
    assert (removed.file, removed.new, removed.old) == ("fs/x.c", None, 11)
    second = next(q for q in lines if q.file is None and q.text == "with two lines.")
    comments = [reviewer.Comment.under(1, removed, "Why 2?"),
                reviewer.Comment.under(1, second, "Say which caller."),
                reviewer.Comment(2, "another patch's comment is left out")]
    draft = reviewer.draft_reply(rev, 1, ME, [], comments)
    body = draft.text.split("\n\n", 1)[1].split("\n")
    assert body[body.index("> -\ta = 1;") + 1:][:3] == ["", "Why 2?", ""]
    assert body[body.index("> with two lines.") + 1:][:3] == ["", "Say which caller.", ""]
    assert "> @@ -40,3 +40,4 @@ static int second(void)" not in body  # no comment there
    assert "another patch" not in draft.text
    assert comments[0].side is LineSide.OLD and comments[1].file is None

    header = next(q for q in lines if q.text.startswith("@@ -40,3"))
    top = next(q for q in lines if q.text.startswith("diff --git"))
    body = reviewer.draft_reply(rev, 1, ME, [], [
        reviewer.Comment.under(1, header, "Second hunk: why?"),
        reviewer.Comment.under(1, top, "About the whole file.")]).text.split("\n")
    at = body.index("> @@ -40,3 +40,4 @@ static int second(void)")
    assert body[at + 1:at + 4] == ["", "Second hunk: why?", ""]
    assert body[body.index("> +++ b/fs/x.c") + 1:][:3] == ["", "About the whole file.", ""]
    assert "> @@ -10,4 +10,4 @@ static int first(void)" not in body


def test_a_tree_finding_at_an_offset_goes_under_its_mail_line(tmp_path: Path) -> None:
    """The patch applied 5 lines further down than its hunks say: the
    finding (tree line 46, `b = 0;`) belongs under mail line 41."""
    rev = _two_hunk_revision(tmp_path)
    applied = [f"line {n}" for n in range(1, 46)] + ["\tint b;", "\tb = 0;", "\treturn b;", "}"]
    moved = reviewer.to_mail_lines([_finding(47, level="tree")], rev.patches[0],
                                   lambda path: applied if path == "fs/x.c" else None)
    assert [f.line for f in moved] == [41]
    body = reviewer.draft_reply(rev, 1, ME, moved).text.split("\n")
    assert body[body.index("> +\tb = 0;") + 2].startswith("RACE007 (error): sleeps")
    outside = reviewer.to_mail_lines([_finding(3, level="tree")], rev.patches[0],
                                     lambda path: applied)
    text = reviewer.draft_reply(rev, 1, ME, outside).text
    assert "RACE007 (error): line 3: sleeps" in text  # under the file's header
    assert "> @@" not in text


def test_reviewed_by_needs_every_error_closed_not_only_those_quoted(tmp_path: Path) -> None:
    rev = _two_hunk_revision(tmp_path)
    error = _finding(41)
    with pytest.raises(reviewer.ReplyError, match=r"1 error finding\(s\) open on v1 1/1"):
        reviewer.draft_reply(rev, 1, ME, [], reviewed_by=True, open_findings=[error])
    draft = reviewer.draft_reply(rev, 1, ME, [], reviewed_by=True, open_findings=[])
    assert draft.reviewed_by and draft.text.endswith("\nReviewed-by: Test <test@example.org>\n")


def test_a_finding_about_several_patches_is_in_the_reply_to_each(tmp_path: Path) -> None:
    """A grouped finding (POL012: patches 1 to 8 do not build) is about each
    of its patches: quoted in a reply to any, and it blocks their Reviewed-by."""
    mails = [mail(f"[PATCH {k}/3] ovl: step {k}", msgid=f"g{k}@example.org",
                  date=f"Mon, 04 Mar 2024 10:0{k}:00 +0000") for k in (1, 2, 3)]
    rev = reviewer.open_source(_write_mbox(tmp_path / "g.mbox", *mails)).series[0].revisions[0]
    grouped = Finding("POL012", Severity.ERROR, "does not build", 1, 1, "fs/overlayfs/namei.c",
                      11, "diff", "fp", patches=(1, 2))
    assert [reviewer.reply_findings(rev, k, [grouped]) for k in (1, 2, 3)] == [
        [grouped], [grouped], []]
    assert "POL012 (error)" in reviewer.draft_reply(rev, 2, ME, [grouped]).text
    with pytest.raises(reviewer.ReplyError, match="POL012"):
        reviewer.draft_reply(rev, 2, ME, [], reviewed_by=True, open_findings=[grouped])
    assert reviewer.draft_reply(rev, 3, ME, [], reviewed_by=True,
                                open_findings=[grouped]).reviewed_by


def test_non_ascii_names_survive_git_mailinfo(tmp_path: Path) -> None:
    path = _write_mbox(tmp_path / "u.mbox", mail(
        "[PATCH] x: fix", msgid="u@example.org", diff=DIFF,
        sender="=?utf-8?q?J=C3=BCrgen_M=C3=BCller?= <jm@example.org>"))
    rev = reviewer.open_source(path).series[0].revisions[0]
    draft = reviewer.draft_reply(rev, 1, Address("Zoë Réviewer", "zoe@example.org"), [])
    out = tmp_path / "u.eml"
    reviewer.write_draft(draft, out)
    body, _diff, info = _mailinfo(out, tmp_path)
    assert "Author: Zoë Réviewer\nEmail: zoe@example.org" in info
    # a name with a comma and quotes stays one address, non-ASCII or not
    for name in ('Zoë "Z", Réviewer', 'Zoe "Z", Reviewer'):
        sent = email.message_from_string(reviewer.draft_reply(rev, 1, Address(
            name, "zoe@example.org"), []).text, policy=email.policy.default)
        assert [(a.display_name, a.addr_spec) for a in sent["From"].addresses] == [
            (name, "zoe@example.org")]
        assert [a.display_name for a in sent["To"].addresses] == ["Jürgen Müller"]
    assert body.startswith("On Mon, 04 Mar 2024 10:00:00 +0000, Jürgen Müller wrote:\n")


def test_reply_with_a_tree_the_patch_applies_to_at_an_offset(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The sample's v1 applied where three lines were added on top of the
    file: RACE001 (from the tree, at line 29) is quoted under the same line
    as without a tree (the mail's line 26)."""
    from core.gitutil import commit

    tree, thread = reviewer.write_sample(tmp_path / "sample")
    namei = tree / "fs/overlayfs/namei.c"
    commit(tree, {"fs/overlayfs/namei.c": "/* 1 */\n/* 2 */\n/* 3 */\n" + namei.read_text()},
           "three lines on top", "2024-03-01T00:00:00+00:00")
    nobase = tmp_path / "nobase.mbox"  # so that --base HEAD is where it applies
    nobase.write_bytes(b"".join(line for line in thread.read_bytes().splitlines(keepends=True)
                                if not line.startswith(b"base-commit:")))

    def above_race001(*extra: str) -> list[str]:
        """The lines quoted just above the RACE001 comment of the reply."""
        assert main(["reply", str(nobase), "v1", "--select", "RACE001", "-o", "-", *extra]) == 0
        body = capsys.readouterr().out.split("\n")
        at = next(i for i, line in enumerate(body) if line.startswith("RACE001 (error)"))
        return body[at - 3:at]

    opened = reviewer.open_source(nobase)
    series, rev = opened.find("v1")
    applied = reviewer.apply_series(reviewer.GitRepo(tree), series, "HEAD", revisions=[rev])[0]
    report = reviewer.check_series(series, [applied], reviewer.GitRepo(tree),
                                   reviewer.Config(select=("RACE001",)))[0]
    (tree_finding,) = report.findings
    assert (tree_finding.level, tree_finding.line) == ("tree", 29)
    with_tree = above_race001("--tree", str(tree), "--base", "HEAD")
    assert with_tree == above_race001() and with_tree[-2] == "> +\t\td_drop(this);"
