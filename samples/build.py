"""Build the sample kernel tree and the sample patch thread.

build_tree() makes a git repository from samples/tree/ following
samples/history.py and tags its last commit `sample-base`.  build_thread()
commits each revision of samples/series.py on its own branch from that
tag in a scratch clone, lets `git format-patch` write the patches, and
re-dresses them as mails (headers, threading, changelog) together with
the replies.  Both are deterministic: fixed identities and dates, no
user or system git config, a fixed format-patch signature.

    python -m samples.build          # rewrite samples/thread.mbox
    python -m samples.build --check  # exit 1 if it is out of date
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime
from pathlib import Path

from samples.history import COMMITTER, HISTORY
from samples.series import REPLIES, REVISIONS, Person, Reply, Revision, mail_key

PKG_DIR = Path(__file__).resolve().parent
TREE_DIR = PKG_DIR / "tree"
THREAD_MBOX = PKG_DIR / "thread.mbox"
BASE_TAG = "sample-base"

MBOX_SEPARATOR = b"From mboxrd@z Thu Jan  1 00:00:00 1970\n"


class _MailPolicy(EmailPolicy):
    """Python's default folding, except that Subject stays on one line.

    The stdlib would move a long subject to a continuation line of its
    own; mail tools do not, and the kernel keeps subjects short anyway.
    """

    def fold(self, name: str, value: str) -> str:
        if name.lower() == "subject":
            return f"{name}: {value}{self.linesep}"
        folded: str = super().fold(name, value)
        return folded

    def fold_binary(self, name: str, value: str) -> bytes:
        if name.lower() == "subject":
            return self.fold(name, value).encode("ascii")
        return super().fold_binary(name, value)


MAIL_POLICY = _MailPolicy()
# format-patch signs mails with the git version; pin it so output does not
# depend on the installed git.
GIT_SIGNATURE = "2.39.5"

_GIT_CONFIG = (
    "-c", f"user.name={COMMITTER.name}",
    "-c", f"user.email={COMMITTER.email}",
    "-c", "commit.gpgsign=false",
    "-c", "tag.gpgsign=false",
    "-c", "core.autocrlf=false",
    "-c", "core.abbrev=12",
    "-c", f"core.hooksPath={os.devnull}",
    "-c", "diff.algorithm=myers",
    "-c", "diff.indentHeuristic=true",
    "-c", "diff.renames=false",
    "-c", "init.defaultBranch=main",
)  # fmt: skip


def _git_date(when: datetime) -> str:
    return f"{int(when.timestamp())} {when.strftime('%z')}"


def _git(
    repo: Path,
    *args: str,
    stdin: str | None = None,
    author: Person | None = None,
    when: datetime | None = None,
) -> str:
    """Run git in `repo` with a clean, fixed environment."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/"),
        "LC_ALL": "C",
        "TZ": "UTC",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_TERMINAL_PROMPT": "0",
    }
    if author is not None and when is not None:
        env.update(
            GIT_AUTHOR_NAME=author.name,
            GIT_AUTHOR_EMAIL=author.email,
            GIT_AUTHOR_DATE=_git_date(when),
            GIT_COMMITTER_NAME=COMMITTER.name,
            GIT_COMMITTER_EMAIL=COMMITTER.email,
            GIT_COMMITTER_DATE=_git_date(when),
        )
    proc = subprocess.run(
        ["git", *_GIT_CONFIG, *args],
        cwd=repo,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode:
        raise RuntimeError(f"git {' '.join(args)} failed in {repo}:\n{proc.stderr}")
    return proc.stdout


def build_tree(dest: Path) -> str:
    """Create the sample tree as a git repo at `dest`; return the base sha."""
    dest = Path(dest)
    if dest.exists() and any(dest.iterdir()):
        raise FileExistsError(f"{dest} exists and is not empty")
    dest.mkdir(parents=True, exist_ok=True)
    _git(dest, "init", "-q")

    wanted = {p.relative_to(TREE_DIR).as_posix() for p in TREE_DIR.rglob("*") if p.is_file()}
    added: set[str] = set()
    for commit in HISTORY:
        for rel in commit.paths:
            if rel in added:
                raise ValueError(f"{rel} is added twice in samples/history.py")
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            # Copy the bytes only, so every file is a plain 100644 blob.
            target.write_bytes((TREE_DIR / rel).read_bytes())
            added.add(rel)
        _git(dest, "add", "--", *commit.paths)
        _git(
            dest,
            "commit",
            "-q",
            "-F",
            "-",
            stdin=commit.message,
            author=commit.author,
            when=commit.date,
        )
    if added != wanted:
        raise ValueError(f"samples/tree/ and the history differ: {sorted(wanted ^ added)}")
    _git(dest, "tag", BASE_TAG)
    return _git(dest, "rev-parse", "HEAD").strip()


def _apply_edits(work: Path, revision: Revision, index: int) -> None:
    for edit in revision.commits[index].edits:
        path = work / edit.path
        if edit.old is None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(edit.new, encoding="utf-8")
            continue
        text = path.read_text(encoding="utf-8")
        count = text.count(edit.old)
        if count != 1:
            # Snippets must be unambiguous, or the patch would silently differ.
            raise ValueError(
                f"v{revision.version} patch {index + 1}: snippet found {count} times "
                f"in {edit.path}:\n{edit.old}"
            )
        path.write_text(text.replace(edit.old, edit.new), encoding="utf-8")


def _format_patches(work: Path, base: str, revision: Revision) -> list[str]:
    """Commit `revision` on a branch from `base`; return the mail bodies.

    Index 0 is the cover letter when the revision has one.
    """
    _git(work, "checkout", "-q", "-B", f"sample-v{revision.version}", base)
    for i, commit in enumerate(revision.commits):
        _apply_edits(work, revision, i)
        _git(work, "add", "-A")
        _git(
            work,
            "commit",
            "-q",
            "-F",
            "-",
            stdin=f"{commit.subject}\n\n{commit.body}",
            author=revision.author,
            when=revision.mail_date(i + 1),
        )
    args = ["format-patch", "--stdout", f"--signature={GIT_SIGNATURE}"]
    if revision.base_commit:
        args.append(f"--base={base}")
    if revision.has_cover:
        args.append("--cover-letter")
    out = _git(work, *args, base)
    # Each patch starts with git's fixed "From <sha> Mon Sep 17 ..." line.
    raw = re.split(r"^From [0-9a-f]{40} Mon Sep 17 00:00:00 2001\n", out, flags=re.M)
    # Keep the body only, ending right after the signature line.
    bodies = [chunk.split("\n\n", 1)[1].rstrip("\n") + "\n" for chunk in raw if chunk]
    assert len(bodies) == len(revision.numbers())
    return bodies


def _dress_body(revision: Revision, k: int, body: str) -> str:
    """Fill in the cover letter, or put the changelog below `---`."""
    if k == 0:
        assert revision.cover_body is not None
        blurb = revision.cover_body
        if revision.changelog:
            blurb += "\n" + revision.changelog
        return body.replace("*** BLURB HERE ***\n", blurb, 1)
    if revision.changelog and not revision.has_cover:
        assert "\n---\n" in body
        return body.replace("\n---\n", f"\n---\n{revision.changelog}\n", 1)
    return body


def _mail(
    *,
    author: Person,
    date: datetime,
    subject: str,
    to: list[str],
    cc: list[str],
    msgid: str,
    parents: list[str],
    body: str,
) -> EmailMessage:
    msg = EmailMessage(policy=MAIL_POLICY)
    msg["From"] = author.addr
    msg["Date"] = format_datetime(date)
    msg["Subject"] = subject
    msg["To"] = ", ".join(to)
    if cc:
        msg["Cc"] = ", ".join(cc)
    msg["Message-ID"] = msgid
    if parents:
        msg["In-Reply-To"] = parents[-1]
        msg["References"] = " ".join(parents)
    msg.set_content(body, charset="us-ascii", cte="7bit")
    return msg


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")  # fmt: skip


def _attribution(replier: Person, parent: EmailMessage) -> str:
    """The "On <date>, <who> wrote:" line, in the replier's mailer style."""
    sent = _sent(parent)
    name = parent["From"].addresses[0].display_name
    day, mon = _DAYS[sent.weekday()], _MONTHS[sent.month - 1]
    if replier.style == "mutt":
        return (
            f"On {day}, {mon} {sent.day:02d}, {sent.year} at "
            f"{sent:%I:%M:%S}{'AM' if sent.hour < 12 else 'PM'} {sent:%z}, "
            f"{name} wrote:"
        )
    if replier.style == "evolution":
        return f"On {day}, {sent:%Y-%m-%d} at {sent:%H:%M} {sent:%z}, {name} wrote:"
    local = sent.astimezone(replier.tz)
    day, mon = _DAYS[local.weekday()], _MONTHS[local.month - 1]
    hour = local.hour % 12 or 12
    return (
        f"On {day}, {mon} {local.day}, {local.year} at {hour}:{local:%M} "
        f"{'AM' if local.hour < 12 else 'PM'} {parent['From']} wrote:"
    )


def _reply_mail(reply: Reply, parent: EmailMessage) -> EmailMessage:
    subject = re.sub(r"^(Re: )+", "", str(parent["Subject"]))
    parent_from = str(parent["From"])
    seen = {reply.author.addr, parent_from}
    cc = []
    parent_addrs = [str(a) for f in ("To", "Cc") if parent[f] for a in parent[f].addresses]
    for text in [*parent_addrs, *reply.extra_cc]:
        if text not in seen:
            seen.add(text)
            cc.append(text)
    refs = str(parent["References"]).split() if parent["References"] else []
    stamp = reply.date.astimezone(UTC).strftime("%Y%m%d%H%M%S")
    return _mail(
        author=reply.author,
        date=reply.date,
        subject=f"Re: {subject}",
        to=[parent_from],
        cc=cc,
        msgid=f"<{stamp}.{reply.key}@mail.example.org>",
        parents=[*refs, str(parent["Message-ID"])],
        body=f"{_attribution(reply.author, parent)}\n{reply.body}",
    )


def build_mails(tree: Path) -> dict[str, EmailMessage]:
    """All mails of the thread, keyed "v<N>/<k>" or by reply key."""
    tree = Path(tree)
    base = _git(tree, "rev-parse", f"{BASE_TAG}^{{commit}}").strip()
    mails: dict[str, EmailMessage] = {}
    with tempfile.TemporaryDirectory(prefix="sample-thread-") as tmp:
        # Commit in a scratch clone so `tree` keeps only the base history.
        work = Path(tmp) / "work"
        _git(Path(tmp), "clone", "-q", str(tree.resolve()), str(work))
        for rev in REVISIONS:
            bodies = _format_patches(work, base, rev)
            cover = [rev.msgid(0)] if rev.has_cover else []
            for k, body in zip(rev.numbers(), bodies, strict=True):
                mails[mail_key(rev.version, k)] = _mail(
                    author=rev.author,
                    date=rev.mail_date(k),
                    subject=rev.subject(k),
                    to=list(rev.to),
                    cc=list(rev.cc),
                    msgid=rev.msgid(k),
                    parents=cover if k else [],
                    body=_dress_body(rev, k, body),
                )
    for reply in REPLIES:
        assert reply.key not in mails, reply.key
        mails[reply.key] = _reply_mail(reply, mails[reply.parent])
    return mails


def _sent(msg: EmailMessage) -> datetime:
    return datetime.strptime(str(msg["Date"]), "%a, %d %b %Y %H:%M:%S %z")


def to_mbox(messages: list[EmailMessage]) -> bytes:
    """mboxrd: escape body lines matching ^>*From with one more '>'."""
    out = []
    for msg in messages:
        data = re.sub(rb"(?m)^(>*From )", rb">\1", msg.as_bytes())
        out.append(MBOX_SEPARATOR + data + b"\n")
    return b"".join(out)


def split_mbox(data: bytes) -> list[bytes]:
    """Inverse of to_mbox(): the raw bytes of each message."""
    chunks = data.split(b"\n" + MBOX_SEPARATOR)
    chunks[0] = chunks[0].removeprefix(MBOX_SEPARATOR)
    return [re.sub(rb"(?m)^>(>*From )", rb"\1", chunk) for chunk in chunks]


def build_thread(tree: Path) -> bytes:
    """The whole sample thread as an mboxrd byte string, ordered by date."""
    mails = list(build_mails(tree).values())
    # A stable sort: mails sent in the same second keep their build order.
    mails.sort(key=_sent)
    return to_mbox(mails)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m samples.build",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="do not write; exit 1 if samples/thread.mbox is out of date",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="sample-tree-") as tmp:
        tree = Path(tmp) / "tree"
        build_tree(tree)
        data = build_thread(tree)
    if args.check:
        if not THREAD_MBOX.exists() or THREAD_MBOX.read_bytes() != data:
            print(f"{THREAD_MBOX} is out of date; run python -m samples.build", file=sys.stderr)
            return 1
        return 0
    THREAD_MBOX.write_bytes(data)
    print(f"wrote {THREAD_MBOX} ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
