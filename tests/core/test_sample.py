"""The authored sample: tree, thread and their promises to the checks.

Builds the sample tree with real git, regenerates the thread, and checks
the properties the reviewer's rules and views rely on (see samples/).
"""

from __future__ import annotations

import email
import email.utils
import mailbox
import re
import subprocess
from email.message import Message
from pathlib import Path

import pytest

from samples.build import BASE_TAG, THREAD_MBOX, build_thread, build_tree, split_mbox
from samples.series import REPLIES, REVISIONS

GIT = ["git", "-c", "user.name=x", "-c", "user.email=x@example.org",
       "-c", "commit.gpgsign=false"]  # fmt: skip
MSGID_RE = re.compile(r"<\d{14}-ovl-neg-v(\d)-(\d+)@sample\.example\.org>")


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        [*GIT, *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, bytes]:
    tree = tmp_path_factory.mktemp("sample") / "tree"
    base = build_tree(tree)
    return tree, base, build_thread(tree)


@pytest.fixture(scope="module")
def mails(built: tuple[Path, str, bytes]) -> list[Message]:
    return [email.message_from_bytes(raw) for raw in split_mbox(built[2])]


def revision_mails(mails: list[Message], version: int) -> dict[int, Message]:
    """Mail number -> mail, for the patches (and cover) of one revision."""
    out = {}
    for msg in mails:
        m = MSGID_RE.fullmatch(msg["Message-ID"])
        if m and int(m.group(1)) == version:
            out[int(m.group(2))] = msg
    return out


def body(msg: Message) -> str:
    payload = msg.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode("ascii")


def test_tree_is_deterministic(tmp_path: Path, built: tuple[Path, str, bytes]) -> None:
    tree, base, _ = built
    assert build_tree(tmp_path / "again") == base
    assert git(tree, "rev-parse", f"{BASE_TAG}^{{commit}}").strip() == base
    # Only the base history and the tag: build_thread left no branches behind.
    assert git(tree, "for-each-ref", "--format=%(refname)").split() == [
        "refs/heads/main",
        f"refs/tags/{BASE_TAG}",
    ]
    assert not (tree / "scripts" / "checkpatch.pl").exists()
    subjects = git(tree, "log", "--format=%s").splitlines()
    prefixes = {s.split(":")[0] for s in subjects}
    assert {
        "vfs",
        "ovl",
        "cifs",
        "debugfs",
        "ecryptfs",
        "exportfs",
        "kernfs",
        "nfsd",
        "quota",
    } <= prefixes


def test_build_tree_refuses_non_empty_dir(tmp_path: Path) -> None:
    (tmp_path / "x").write_text("")
    with pytest.raises(FileExistsError):
        build_tree(tmp_path)


def test_mbox_matches_committed_file(built: tuple[Path, str, bytes]) -> None:
    tree, _, data = built
    assert data == THREAD_MBOX.read_bytes(), "run python -m samples.build"
    assert build_thread(tree) == data


def test_mailbox_count() -> None:
    patches = sum(len(r.numbers()) for r in REVISIONS)
    assert patches == 1 + 1 + 10 + 1
    assert len(mailbox.mbox(str(THREAD_MBOX))) == patches + len(REPLIES)
    assert 15 <= len(REPLIES) <= 20


def test_revision_shapes(mails: list[Message]) -> None:
    for version in (1, 2, 4):
        assert list(revision_mails(mails, version)) == [1]
        assert revision_mails(mails, version)[1]["In-Reply-To"] is None
    v3 = revision_mails(mails, 3)
    assert list(v3) == list(range(10))
    assert v3[0]["Subject"] == "[RFC PATCH v3 0/9] Drop negative dentries created by lookup"
    assert v3[0]["In-Reply-To"] is None
    for k in range(1, 10):
        assert v3[k]["In-Reply-To"] == v3[0]["Message-ID"]
        assert v3[k]["Subject"].startswith(f"[RFC PATCH v3 {k}/9] ")
    assert revision_mails(mails, 1)[1]["Subject"].startswith("[RFC PATCH] ovl: ")
    assert revision_mails(mails, 4)[1]["Subject"] == (
        "[RFC PATCH v4] ovl: drop negative dentry in upper layer only"
    )


def test_revision_contents(mails: list[Message]) -> None:
    v1 = body(revision_mails(mails, 1)[1])
    assert "\n+\t\td_drop(this);\n" in v1
    assert "base-commit: " in v1

    v2 = body(revision_mails(mails, 2)[1])
    assert "+EXPORT_SYMBOL(__lookup_slow);" in v2
    assert "base-commit: " not in v2
    # No changelog anywhere: neither below "---" nor in a cover letter.
    assert not re.search(r"(?im)^(v\d+\s*->|changes (since|in) v)", v2)

    v3 = revision_mails(mails, 3)
    assert "Changes since v2:" in body(v3[0]) and "base-commit: " in body(v3[0])
    rcpt = {addr for _, addr in email.utils.getaddresses([v3[0]["To"], v3[0]["Cc"]])}
    assert {"linux-fsdevel@lists.example.org", "linux-unionfs@lists.example.org"} <= rcpt
    # None of the seven caller subsystems' lists (MAINTAINERS L:) is on To/Cc.
    callers = {
        f"{name}@lists.example.org"
        for name in (
            "linux-cifs",
            "linux-debugfs",
            "ecryptfs",
            "linux-exportfs",
            "linux-kernfs",
            "linux-nfs",
            "linux-quota",
        )
    }
    assert not rcpt & callers

    v4 = body(revision_mails(mails, 4)[1])
    assert re.findall(r"^diff --git a/(\S+)", v4, re.M) == ["fs/overlayfs/namei.c"]
    head, _, rest = v4.partition("\n---\n")
    assert "Signed-off-by: Lin Author <lin.author@example.org>" in head
    assert rest.startswith("v3->v4:\n")
    assert "+\t\t\t__d_drop(this);\n" in v4 and "+\t\tspin_lock(&this->d_lock);\n" in v4


@pytest.mark.parametrize("version", [1, 2, 3, 4])
def test_revision_applies_to_base(
    tmp_path: Path, built: tuple[Path, str, bytes], mails: list[Message], version: int
) -> None:
    tree, base, _ = built
    work = tmp_path / "work"
    subprocess.run([*GIT, "clone", "-q", str(tree), str(work)], check=True)
    git(work, "checkout", "-q", "--detach", BASE_TAG)
    patches = revision_mails(mails, version)
    patches.pop(0, None)  # the cover letter carries no diff
    mbox = tmp_path / "patches.mbox"
    mbox.write_bytes(
        b"".join(
            b"From git@z Thu Jan  1 00:00:00 1970\n" + m.as_bytes() + b"\n"
            for _, m in sorted(patches.items())
        )
    )
    git(work, "am", "-q", str(mbox))
    log = git(work, "log", "--format=%s", f"{base}..HEAD").splitlines()
    assert len(log) == len(patches)
    assert git(work, "status", "--porcelain") == ""


def test_v3_is_not_bisectable(
    tmp_path: Path, built: tuple[Path, str, bytes], mails: list[Message]
) -> None:
    """After 1/9 the callers still use the old three-argument prototypes."""
    tree, _, _ = built
    work = tmp_path / "work"
    subprocess.run([*GIT, "clone", "-q", str(tree), str(work)], check=True)
    git(work, "checkout", "-q", "--detach", BASE_TAG)
    first = revision_mails(mails, 3)[1]
    (tmp_path / "1.patch").write_bytes(first.as_bytes())
    git(work, "am", "-q", str(tmp_path / "1.patch"))
    assert "unsigned int flags);" in (work / "include/linux/namei.h").read_text()
    assert (
        "lookup_positive_unlocked(qf_name, sb->s_root,\n\t\t\t\t\t  strlen(qf_name));"
        in (work / "fs/quota/dquot.c").read_text()
    )


def test_replies_are_threaded_and_quote_their_parent(mails: list[Message]) -> None:
    by_id = {m["Message-ID"]: m for m in mails}
    assert len(by_id) == len(mails)
    replies = [m for m in mails if m["Subject"].startswith("Re: ")]
    assert len(replies) == len(REPLIES)
    roots = {m["Message-ID"] for m in mails if m["In-Reply-To"] is None}
    for reply in replies:
        parent = by_id[reply["In-Reply-To"]]
        refs = reply["References"].split()
        assert refs[-1] == parent["Message-ID"] and refs[0] in roots
        assert email.utils.parsedate_to_datetime(reply["Date"]) > email.utils.parsedate_to_datetime(
            parent["Date"]
        )
        parent_lines = set(body(parent).splitlines())
        quoted = [ln for ln in body(reply).splitlines() if ln.startswith(">") and ln != ">"]
        assert quoted, f"{reply['Message-ID']} quotes nothing"
        for line in quoted:
            text = line[2:] if line.startswith("> ") else line[1:]
            assert text in parent_lines, f"{reply['Message-ID']}: not in parent: {line!r}"
    # Each revision starts its own thread.
    assert len(roots) == 4


def test_b4_sees_four_revisions() -> None:
    b4 = pytest.importorskip("b4")
    lmbx = b4.LoreMailbox()
    for msg in mailbox.mbox(str(THREAD_MBOX), factory=b4.mailbox_email_factory):
        lmbx.add_message(msg)
    assert sorted(lmbx.series.keys()) == [1, 2, 3, 4]
    v3 = lmbx.get_series(3, codereview_trailers=False)
    assert v3.has_cover and v3.expected == 9 and v3.complete
    v4 = lmbx.get_series(4, codereview_trailers=False)
    trailers = {(t.name, t.value) for t in v4.patches[1].followup_trailers}
    assert ("Reviewed-by", "Anika Rosen <anika.rosen@example.org>") in trailers
