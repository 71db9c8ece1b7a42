"""Every shape patch mail comes in, read as `git mailinfo` and b4 read it:
mbox separators and escaping, format=flowed, attachments, attached mails,
scissors, CRLF.  Each mail is built here from a real `git format-patch`
of a tmp repository; where git has an opinion, `git mailsplit` and `git
mailinfo` on the same bytes are the oracle, and `reviewer apply` must
apply what was read."""

from __future__ import annotations

import base64
import inspect
import json
import mailbox
import re
import subprocess
from dataclasses import dataclass
from email.mime.application import MIMEApplication
from email.mime.base import MIMEBase
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path

import b4
import pytest
from core.gitutil import GIT_ENV, GIT_OPTS, commit, format_patch, git, init_repo, lines, text

import reviewer
from reviewer.cli import main
from reviewer.model import MailShape, Patch

LONG = "a line 10 " + " ".join(f"word{n}" for n in range(30))  # wrapped by format=flowed
BASE = {"fs/a.c": text(lines("a", 30)), "fs/dos.txt": "one\r\ntwo\r\nthree\r\n"}
DATE = "2024-03-04T10:00:00+00:00"


@dataclass(frozen=True)
class Topic:
    """A tree at its base and the two patches of a topic made on it."""

    repo: Path
    cover: bytes  # git format-patch's cover letter, From_ line removed
    mails: list[bytes]  # its patch mails
    diffs: list[str]  # each commit's diff as git shows it
    messages: list[str]  # each commit's message body (below the title)


@pytest.fixture
def topic(tmp_path: Path) -> Topic:
    repo = tmp_path / "tree"
    init_repo(repo, BASE)
    git(repo, "checkout", "-q", "-b", "topic")
    first = "Rework line ten.\n\nFrom the start, line ten was too short.\n\n" \
            "Signed-off-by: Ann Author <ann@example.org>"
    second = "Rework line twenty.\n\nSigned-off-by: Ann Author <ann@example.org>"
    a1 = BASE["fs/a.c"].replace("a line 10\n", LONG + "\n")
    shas = [commit(repo, {"fs/a.c": a1}, f"fs: rework ten\n\n{first}", DATE),
            commit(repo, {"fs/a.c": a1.replace("a line 20\n", "a line 20 (new)\n")},
                   f"fs: rework twenty\n\n{second}", DATE)]
    box = format_patch(repo, "main..topic", "--thread", "--cover-letter", date=DATE)
    mails = [m.split(b"\n", 1)[1] for m in re.split(rb"(?m)^(?=From [0-9a-f]{40} )", box) if m]
    diffs = [git(repo, "show", "--format=", "--no-color", sha) for sha in shas]
    git(repo, "checkout", "-q", "main")
    git(repo, "branch", "-q", "-D", "topic")
    return Topic(repo, mails[0], mails[1:], diffs, [first, second])


def patches(path: Path) -> list[Patch]:
    return [p for s in reviewer.open_source(path).series for r in s.revisions
            for p in r.patches]


def same_diff(ours: str, theirs: str) -> bool:
    return ours.rstrip("\n") == theirs.rstrip("\n")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out


def applied(path: Path, repo: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    code, out = run(capsys, "apply", str(path), "--tree", str(repo), "--json")
    assert code == 0
    return [p["status"] for s in json.loads(out)["series"] for r in s["revisions"]
            for p in r["patches"]]


def mailinfo(mail: bytes, *opts: str) -> tuple[str, str]:
    """`git mailinfo` of one mail: (commit message, patch)."""
    with_from = mail if mail.startswith(b"From ") else b"From nobody Mon Sep 17 00:00:00 2001\n" \
        + mail
    proc = subprocess.run(["git", *GIT_OPTS, "mailinfo", *opts, "/dev/stdout", "/dev/null"],
                          input=with_from, capture_output=True, env=GIT_ENV, check=True)
    msg = proc.stdout.decode().split("Author:", 1)[0]
    patch = subprocess.run(["git", *GIT_OPTS, "mailinfo", *opts, "/dev/null", "/dev/stdout"],
                           input=with_from, capture_output=True, env=GIT_ENV, check=True)
    return msg, patch.stdout.decode().split("Author:", 1)[0]


def body_of(mail: bytes) -> tuple[bytes, bytes]:
    head, _, body = mail.partition(b"\n\n")
    return head, body


def with_mime(head: bytes, params: str = "", encoding: str = "8bit") -> bytes:
    """The header block with text/plain MIME headers of our choosing."""
    head = re.sub(rb"(?m)^(MIME-Version|Content-Type|Content-Transfer-Encoding): .*\n?", b"",
                  head).rstrip(b"\n")
    return head + (f"\nMIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8{params}\n"
                   f"Content-Transfer-Encoding: {encoding}").encode()


# -- mbox separators and escaping -----------------------------------------------------

@pytest.mark.parametrize("envelope", [b"From nobody", b"From A", b"From ann@example.org"])
def test_mbox_separators_without_a_date(topic: Topic, envelope: bytes, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    """`From nobody` and `From A` split as `mailbox.mbox` splits them; the
    unescaped `From the start,` line git format-patch leaves in a commit
    message does not."""
    path = tmp_path / "t.mbox"
    path.write_bytes(b"".join(envelope + b"\n" + m + b"\n" for m in [topic.cover, *topic.mails]))
    # mailbox.mbox splits on every such line, the commit message's too
    assert len(mailbox.mbox(str(path))) == 4
    got = patches(path)
    assert [p.title for p in got] == ["fs: rework ten", "fs: rework twenty"]
    assert all(same_diff(p.diff, d) for p, d in zip(got, topic.diffs, strict=True))
    assert "From the start, line ten was too short." in got[0].commit_message
    assert applied(path, topic.repo, capsys) == ["applied", "applied"]


def test_mboxrd_is_unescaped_and_mboxo_kept(topic: Topic, tmp_path: Path) -> None:
    """mboxrd (`From mboxrd@z`): one `>` less on every `>*From ` line, as
    `git mailsplit --mboxrd`.  Any other mbox: `>From ` kept, as `git am`."""
    escaped = topic.mails[0].replace(b"\nFrom the start", b"\n>From the start")
    rd, o = tmp_path / "rd.mbox", tmp_path / "o.mbox"
    rd.write_bytes(b"From mboxrd@z Thu Jan  1 00:00:00 1970\n" + escaped)
    o.write_bytes(b"From ann@example.org Mon Mar  4 10:00:00 2024\n" + escaped)
    (patch,) = patches(rd)
    assert "\nFrom the start," in patch.commit_message
    (patch,) = patches(o)
    assert "\n>From the start," in patch.commit_message
    split = tmp_path / "split"
    split.mkdir()
    subprocess.run(["git", "mailsplit", "--mboxrd", f"-o{split}", str(rd)], check=True,
                   capture_output=True)
    assert b"\nFrom the start," in (split / "0001").read_bytes()


# -- format=flowed --------------------------------------------------------------------

def flowed(body: str, delsp: bool) -> str:
    """RFC 3676 as a mail client writes it: space-stuffing, and lines over
    72 columns wrapped with a trailing space (DelSp=yes: anywhere, mid-word)."""
    out = []
    for line in body.split("\n"):
        if line.startswith((" ", "From ", ">")):
            line = " " + line
        elif line != "-- ":  # the signature separator is not flowed
            line = line.rstrip(" ")
        while len(line) > 72:
            cut = 60 if delsp else line.rindex(" ", 0, 72) + 1
            out.append(line[:cut] + (" " if delsp else ""))
            line = line[cut:]
        out.append(line)
    return "\n".join(out)


@pytest.mark.parametrize("delsp", [False, True])
def test_format_flowed(topic: Topic, delsp: bool, tmp_path: Path,
                       capsys: pytest.CaptureFixture[str]) -> None:
    """Soft line breaks and space-stuffing undone as git mailinfo does, the
    diff the author's, applied; the user is warned (revisions, check, JSON)."""
    head, body = body_of(topic.mails[0])
    params = "; format=flowed" + ("; delsp=yes" if delsp else "")
    mail = with_mime(head, params) + b"\n\n" + flowed(body.decode(), delsp).encode()
    assert max(map(len, body_of(mail)[1].split(b"\n"))) <= 73
    path = tmp_path / "flowed.eml"
    path.write_bytes(mail)
    (patch,) = patches(path)
    assert MailShape.FLOWED in patch.message.shapes
    assert same_diff(patch.diff, topic.diffs[0])
    assert patch.commit_message == topic.messages[0]
    git_msg, git_patch = mailinfo(mail)
    assert git_patch.startswith("---") and same_diff(patch.diff, "diff" + git_patch.split(
        "\ndiff", 1)[1].split("\n-- \n")[0])
    assert git_msg.strip() == patch.commit_message
    assert applied(path, topic.repo, capsys) == ["applied"]
    code, out = run(capsys, "revisions", str(path), "--json")
    (note,) = json.loads(out)["series"][0]["revisions"][0]["mail_notes"]
    assert note["patch"] == 1 and note["shape"] == "format-flowed" and note["warning"] is True
    code, out = run(capsys, "revisions", str(path))
    assert "v1 1: warning: sent format=flowed" in out
    code, out = run(capsys, "check", str(path), "--format", "json")
    assert json.loads(out)["series"][0]["revisions"][0]["mail_notes"][0]["shape"] == \
        "format-flowed"
    code, out = run(capsys, "check", str(path))
    assert "warning: sent format=flowed" in out


# -- attachments ----------------------------------------------------------------------

def carrier(subject: str, text_body: str, *parts: MIMEBase) -> MIMEMultipart:
    msg = MIMEMultipart()
    msg.attach(MIMEText(text_body, "plain", "utf-8"))
    for part in parts:
        msg.attach(part)
    msg["From"] = "Sam Sender <sam@example.org>"
    msg["To"] = "FS List <fs@lists.example.org>"
    msg["Subject"] = subject
    msg["Date"] = "Mon, 04 Mar 2024 11:00:00 +0000"
    msg["Message-ID"] = f"<{abs(hash(subject))}@example.org>"
    return msg


@pytest.mark.parametrize("kind", ["text/x-patch", "text/x-diff", "application/octet-stream"])
def test_patch_attached(topic: Topic, kind: str, tmp_path: Path,
                        capsys: pytest.CaptureFixture[str]) -> None:
    """The commit message inline, the diff attached: both read, as
    patchwork and git am read them."""
    diff = topic.diffs[0]
    part: MIMEBase
    if kind == "application/octet-stream":
        part = MIMEApplication(diff.encode(), "octet-stream")
    else:
        part = MIMEText(diff, kind.split("/")[1], "utf-8")
    part["Content-Disposition"] = 'attachment; filename="0001-fs-rework-ten.patch"'
    msg = carrier("[PATCH] fs: rework ten", topic.messages[0] + "\n", part)
    path = tmp_path / "attached.eml"
    path.write_bytes(msg.as_bytes())
    (patch,) = patches(path)
    assert patch.title == "fs: rework ten" and patch.commit_message == topic.messages[0]
    assert same_diff(patch.diff, diff) and patch.paths == ("fs/a.c",)
    assert MailShape.ATTACHMENT in patch.message.shapes
    assert applied(path, topic.repo, capsys) == ["applied"]


@pytest.mark.parametrize("how", ["application/mbox", "format-patch files", "message/rfc822"])
def test_mails_attached(topic: Topic, how: str, tmp_path: Path,
                        capsys: pytest.CaptureFixture[str]) -> None:
    """A series sent as an attached mbox, as `git format-patch` files, or a
    forwarded patch mail: each attached mail is a mail of its own, sent by
    the carrier's sender to its recipients, the author in an in-body From:
    line (as git send-email writes it), threaded under the carrier."""
    stamped = [b"From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\n"
               + re.sub(rb"(?m)^(Message-Id|In-Reply-To|References): .*\n", b"", m)
               for m in topic.mails]  # unsent: no Message-ID, no thread
    parts: list[MIMEBase]
    if how == "application/mbox":
        parts = [MIMEApplication(b"".join(stamped), "mbox")]
    elif how == "format-patch files":
        parts = [MIMEText(m.decode(), "x-patch", "utf-8") for m in stamped]
    else:
        parts = [MIMEMessage(reviewer.mail.message.parse_bytes(m)) for m in topic.mails]
    for n, part in enumerate(parts):
        part["Content-Disposition"] = f'attachment; filename="{n:04d}.patch"'
    msg = carrier("[PATCH 0/2] fs: rework a.c (attached)", "The series is attached.\n", *parts)
    path = tmp_path / "carrier.eml"
    path.write_bytes(msg.as_bytes())
    opened = reviewer.open_source(path)
    (series,) = opened.series
    (rev,) = series.revisions
    assert rev.cover is not None and rev.cover.subject.summary == "fs: rework a.c (attached)"
    assert [p.title for p in rev.patches] == ["fs: rework ten", "fs: rework twenty"]
    for patch, diff, message in zip(rev.patches, topic.diffs, topic.messages, strict=True):
        assert same_diff(patch.diff, diff) and patch.commit_message == message
        assert str(patch.author) == "Ann Author <ann@example.org>"
        assert str(patch.message.sender) == "Sam Sender <sam@example.org>"
        assert [str(a) for a in patch.message.to] == ["FS List <fs@lists.example.org>"]
        assert MailShape.ATTACHED_MAIL in patch.message.shapes
    assert applied(path, topic.repo, capsys) == ["applied", "applied"]


# -- scissors, CRs --------------------------------------------------------------------

def test_scissors(topic: Topic, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A reply with a patch below `-- >8 --`: the commit message, title and
    author are what follows the scissors, as b4 (git mailinfo --scissors)."""
    head, body = body_of(topic.mails[0])
    subject = re.search(rb"(?m)^Subject: (.*)$", head)
    assert subject is not None
    reply = (b"From: Sam Sender <sam@example.org>\nSubject: fs: line ten (was: a bug)\n"
             b"Message-ID: <reply@example.org>\nDate: Mon, 04 Mar 2024 12:00:00 +0000\n\n"
             b"Does this help?  Untested.\n\n-- >8 --\nFrom: Ann Author <ann@example.org>\n"
             b"Subject: " + subject.group(1) + b"\n\n" + body)
    path = tmp_path / "scissors.eml"
    path.write_bytes(reply)
    (patch,) = patches(path)
    assert patch.title == "fs: rework ten" and str(patch.author) == "Ann Author <ann@example.org>"
    assert patch.commit_message == topic.messages[0] == mailinfo(reply, "--scissors")[0].strip()
    assert applied(path, topic.repo, capsys) == ["applied"]


def test_signature_in_the_notes_above_the_diff(topic: Topic, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """A note signed with `-- ` between `---` and the diffstat, and no
    signature after the diff (git's version line removed, as some mailers
    send it): the diff is still read, as git mailinfo reads it, and applies."""
    head, body = body_of(topic.mails[0])
    body = body.rsplit(b"\n-- \n", 1)[0] + b"\n"
    signed = body.replace(b"\n---\n", b"\n---\nA note on this one.\n\nThanks,\n-- \nAnn\n\n", 1)
    path = tmp_path / "signed-notes.eml"
    path.write_bytes(head + b"\n\n" + signed)
    (patch,) = patches(path)
    assert same_diff(patch.diff, topic.diffs[0])
    assert patch.diff.strip() in mailinfo(head + b"\n\n" + signed)[1]
    assert "A note on this one." in patch.notes
    assert applied(path, topic.repo, capsys) == ["applied"]


def base64_mail(head: bytes, body: bytes) -> bytes:
    return with_mime(head, encoding="base64") + b"\n\n" + base64.encodebytes(body)


def test_crlf_mail_and_crlf_file(topic: Topic, tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    """A mail written with CRLF line ends loses them (git mailinfo
    --quoted-cr=strip); a patch to a file with CRLF line ends keeps its
    content's CRs (those lines only end in CR), and applies."""
    head, body = body_of(topic.mails[0])
    crlf = tmp_path / "crlf.eml"
    crlf.write_bytes(base64_mail(head, body.replace(b"\n", b"\r\n")))
    (patch,) = patches(crlf)
    assert "\r" not in patch.diff and same_diff(patch.diff, topic.diffs[0])
    assert applied(crlf, topic.repo, capsys) == ["applied"]

    git(topic.repo, "checkout", "-q", "-b", "dos")
    commit(topic.repo, {"fs/dos.txt": "one\r\n2\r\nthree\r\n"}, "fs: two\n\nSigned-off-by: A "
           "<a@example.org>", DATE)
    (dos,) = [m.split(b"\n", 1)[1] for m in re.split(rb"(?m)^(?=From [0-9a-f]{40} )",
                                                      format_patch(topic.repo, "main..dos")) if m]
    git(topic.repo, "checkout", "-q", "main")
    git(topic.repo, "branch", "-q", "-D", "dos")
    path = tmp_path / "dos.eml"
    path.write_bytes(base64_mail(*body_of(dos)))
    (patch,) = patches(path)
    assert "-two\r\n+2\r\n" in patch.diff and "@@ -1,3 +1,3 @@\n" in patch.diff
    assert applied(path, topic.repo, capsys) == ["applied"]


# -- b4 is used, not patched ------------------------------------------------------------

def test_b4_is_not_patched() -> None:
    """Reading mail replaces nothing of b4's: its trailer and header
    parsers are b4's own functions after reviewer has read hostile mail."""
    raw = (b"From: =?utf-8?b?broken!!?= <x@example.org>\nSubject: =?x\x00y?q?z?= [PATCH] a\n"
           b"Message-ID: <m@x>\n\nText.\n\nLink: https://x.invalid/" + b"a" * 5000 + b"\n")
    msg = reviewer.mail.message.to_message(reviewer.mail.message.parse_bytes(raw), raw)
    assert msg.sender.email == "x@example.org" and msg.body.endswith("a" * 100 + "\n")
    for name in ("find_trailers", "clean_header", "get_body_parts"):
        fn = getattr(b4.LoreMessage, name)
        assert inspect.getsourcefile(fn) == inspect.getsourcefile(b4), name
