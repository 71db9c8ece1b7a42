"""The authored sample series on a real kernel: Linux 6.1 from Debian's
linux-source-6.1 tarball.

The story is the small sample's (samples/revisions/), retold on real code:
overlayfs leaves a negative dentry in its index directory for each file
handle it fails to decode.  samples/kernel_edits/ holds our edits of v1..v4
(anchors of a line or two to find where to edit, and our own code);
nothing of the kernel's sources is kept here.  At test time:

1. `reviewer tree import` turns the tarball into a git repository;
2. each revision's commits are made on branch `sample/v<N>` from the base
   with plumbing only (a temporary index, hash-object, write-tree,
   commit-tree: no checkout of 80,000 files);
3. `git format-patch` writes the patches, which samples/build.py's helpers
   dress as mails (To/Cc read from the tree's MAINTAINERS), with a few
   replies, into one thread mbox.

    python -m samples.kernel TARBALL DIR    # DIR/tree and DIR/thread.mbox
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

from reviewer.checks.maintainers import parse_maintainers
from samples import build
from samples.history import COMMITTER
from samples.kernel_edits import Recipients, v1, v2, v3, v4
from samples.series import ALAN, ANIKA, MAREK, Person, Reply, Revision, mail_key

__all__ = ["BRANCH", "build_kernel_thread", "commit_revision", "kernel_revisions",
           "recipients", "write_kernel_sample"]

BRANCH = "sample/v{version}"
OVL_ENTRY = "OVERLAY FILESYSTEM"
VFS_ENTRY = "FILESYSTEMS (VFS and infrastructure)"


def _git(repo: Path, *args: str, stdin: str | bytes | None = None,
         env: dict[str, str] | None = None) -> str:
    """git with samples/build.py's fixed configuration, plus `env`."""
    full = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/"),
            "LC_ALL": "C", "TZ": "UTC", "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull, "GIT_TERMINAL_PROMPT": "0", **(env or {})}
    data = stdin.encode("utf-8", "surrogateescape") if isinstance(stdin, str) else stdin
    proc = subprocess.run(["git", *build._GIT_CONFIG, *args], cwd=repo, env=full, input=data,
                          capture_output=True, check=False)
    if proc.returncode:
        raise RuntimeError(f"git {' '.join(args[:3])} failed in {repo}:\n"
                           f"{proc.stderr.decode('utf-8', 'replace')}")
    return proc.stdout.decode("utf-8", "surrogateescape")


def recipients(repo: Path, base: str) -> Recipients:
    """The overlayfs and VFS maintainers and lists, from the base's MAINTAINERS."""
    entries = {e.title: e for e in parse_maintainers(_git(repo, "show", f"{base}:MAINTAINERS"))}
    try:
        ovl, vfs = entries[OVL_ENTRY], entries[VFS_ENTRY]
    except KeyError as exc:
        raise ValueError(f"MAINTAINERS at {base[:12]} has no entry {exc}") from None
    return Recipients(tuple(map(str, ovl.maintainers)), ovl.lists,
                      tuple(map(str, vfs.maintainers)), vfs.lists)


def kernel_revisions(to: Recipients) -> tuple[Revision, ...]:
    return tuple(m.revision(to) for m in (v1, v2, v3, v4))


def _edited(repo: Path, base: str, files: dict[str, str], revision: Revision,
            index: int) -> dict[str, str]:
    """Apply commit `index`'s edits to `files` (read from `base` on first
    use); return the files it changed."""
    changed: dict[str, str] = {}
    for edit in revision.commits[index].edits:
        if edit.path not in files:
            files[edit.path] = _git(repo, "cat-file", "blob", f"{base}:{edit.path}")
        text = files[edit.path]
        assert edit.old is not None, "the kernel series only edits existing files"
        count = text.count(edit.old)
        if count != 1:
            # An anchor must be unambiguous, or the patch would silently differ.
            raise ValueError(f"v{revision.version} patch {index + 1}: anchor found {count} "
                             f"times in {edit.path}:\n{edit.old}")
        files[edit.path] = changed[edit.path] = text.replace(edit.old, edit.new, 1)
    return changed


def commit_revision(repo: Path, base: str, revision: Revision) -> str:
    """Commit the revision on branch sample/v<N> from `base` without a
    working tree; return the tip."""
    files: dict[str, str] = {}
    parent = base
    with tempfile.TemporaryDirectory(prefix="kernel-sample-") as tmp:
        env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
        _git(repo, "read-tree", base, env=env)
        for i, commit in enumerate(revision.commits):
            lines = []
            for path, text in _edited(repo, base, files, revision, i).items():
                sha = _git(repo, "hash-object", "-w", "--stdin", stdin=text).strip()
                mode = _git(repo, "ls-tree", base, "--", path).split(" ", 1)[0]
                lines.append(f"{mode} {sha}\t{path}\n")
            _git(repo, "update-index", "--index-info", stdin="".join(lines), env=env)
            tree = _git(repo, "write-tree", env=env).strip()
            when = build._git_date(revision.mail_date(i + 1))
            parent = _git(repo, "commit-tree", tree, "-p", parent, "-F", "-",
                          stdin=f"{commit.subject}\n\n{commit.body}", env={
                              "GIT_AUTHOR_NAME": revision.author.name,
                              "GIT_AUTHOR_EMAIL": revision.author.email,
                              "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when,
                              "GIT_COMMITTER_NAME": COMMITTER.name,
                              "GIT_COMMITTER_EMAIL": COMMITTER.email}).strip()
    _git(repo, "update-ref", f"refs/heads/{BRANCH.format(version=revision.version)}", parent)
    return parent


def _format_patches(repo: Path, base: str, tip: str, revision: Revision) -> list[str]:
    """The mail bodies `git format-patch` writes (index 0: the cover letter)."""
    args = ["format-patch", "--stdout", f"--signature={build.GIT_SIGNATURE}"]
    if revision.base_commit:
        args.append(f"--base={base}")
    if revision.has_cover:
        args.append("--cover-letter")
    out = _git(repo, *args, f"{base}..{tip}")
    raw = re.split(r"^From [0-9a-f]{40} Mon Sep 17 00:00:00 2001\n", out, flags=re.M)
    bodies = [chunk.split("\n\n", 1)[1].rstrip("\n") + "\n" for chunk in raw if chunk]
    assert len(bodies) == len(revision.numbers())
    return bodies


def _reply(key: str, parent: str, who: Person, when: str, body: str) -> Reply:
    date = datetime.strptime(when, "%Y-%m-%d %H:%M:%S").replace(tzinfo=who.tz)
    return Reply(key, parent, who, date, body)


# Our reviewers' words; each quotes only lines of our own patches.
REPLIES: tuple[Reply, ...] = (
    _reply("k1-anika", "v1/1", ANIKA, "2025-02-03 15:20:11", """\
> +		/* A stale handle leaves a miss here: do not keep it cached. */
> +		d_drop(index);

Nothing holds the index directory's lock or the dentry's d_lock here, and
somebody else may hold a reference to that negative dentry: a concurrent
create in the index directory can make it positive between your test and
the d_drop().  Please rethink the locking.

Anika
"""),
    _reply("k2-alan", "v2/1", ALAN, "2025-02-07 09:02:45", """\
> The helper needs lookup_one_common(), lookup_dcache() and __lookup_slow(),
> so export them from fs/namei.c.

No.  Those are internals of fs/namei.c and stay there.  If a caller wants
the slow path to forget what it made, give the lookup a flag.

Alan
"""),
    _reply("k3-alan", "v3/0", ALAN, "2025-02-12 11:45:03", """\
> Patch 1 adds the flag and a flags argument to lookup_one_len_unlocked()
> and lookup_positive_unlocked(), patch 2 makes overlayfs use the flag and
> patches 3-10 update the other callers.

Then 1/10 to 9/10 do not build.  Convert the callers in the patch that
changes the prototypes, and Cc the people whose code you touch.

Alan
"""),
    _reply("k4-marek", "v4/1", MAREK, "2025-02-21 10:12:40", """\
> +		if (d_is_negative(index) && index->d_lockref.count == 1)
> +			__d_drop(index);

Looks right to me; rechecking under d_lock is what makes it safe.  I will
run it through the overlay test suite.

Marek
"""),
)


def build_kernel_mails(repo: Path, base: str) -> dict[str, EmailMessage]:
    """Every mail of the kernel thread, keyed "v<N>/<k>" or by reply key."""
    mails: dict[str, EmailMessage] = {}
    for rev in kernel_revisions(recipients(repo, base)):
        tip = commit_revision(repo, base, rev)
        cover = [rev.msgid(0)] if rev.has_cover else []
        bodies = _format_patches(repo, base, tip, rev)
        for k, body in zip(rev.numbers(), bodies, strict=True):
            mails[mail_key(rev.version, k)] = build._mail(
                author=rev.author, date=rev.mail_date(k), subject=rev.subject(k),
                to=list(rev.to), cc=list(rev.cc), msgid=rev.msgid(k),
                parents=cover if k else [],
                body=build._dress_body(rev, k, body))
    for reply in REPLIES:
        mails[reply.key] = build._reply_mail(reply, mails[reply.parent])
    return mails


def build_kernel_thread(repo: Path, base: str = "base") -> bytes:
    """The kernel thread as an mboxrd byte string, ordered by date."""
    sha = _git(repo, "rev-parse", f"{base}^{{commit}}").strip()
    mails = sorted(build_kernel_mails(repo, sha).values(), key=build._sent)
    return build.to_mbox(mails)


def write_kernel_sample(tarball: str | Path, dest: str | Path,
                        progress: Callable[[int, int, int], None] | None = None
                        ) -> tuple[Path, Path]:
    """DEST/tree (the imported tarball, a bare repository whose tag `base`
    is the base) and DEST/thread.mbox (the kernel thread)."""
    from reviewer.tree.importer import import_tarball

    dest = Path(dest).expanduser()
    tree, mbox = dest / "tree", dest / "thread.mbox"
    dest.mkdir(parents=True, exist_ok=True)
    import_tarball(tarball, tree, progress=progress)
    mbox.write_bytes(build_kernel_thread(tree))
    return tree, mbox


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m samples.kernel", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("tarball")
    parser.add_argument("dir")
    args = parser.parse_args(argv)
    tree, mbox = write_kernel_sample(args.tarball, args.dir)
    print(f"tree:   {tree}\nthread: {mbox}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
