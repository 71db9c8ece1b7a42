"""Shared helpers for the core tests: real git repositories built with the
`git` CLI (argument lists, never a shell), snapshots of everything a user
owns in a checkout, and small hand-written mails.

Every git call gets a fixed identity and ignores the user's and the system's
config, so the helpers also work in module-scoped fixtures that run before
the autouse isolation of tests/conftest.py.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path

import reviewer

GIT_ENV = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_AUTHOR_NAME": "Ann Author",
    "GIT_AUTHOR_EMAIL": "ann@example.org",
    "GIT_COMMITTER_NAME": "Ann Author",
    "GIT_COMMITTER_EMAIL": "ann@example.org",
    "LC_ALL": "C",
}
GIT_OPTS = ["-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false",
            "-c", "core.autocrlf=false", "-c", "advice.detachedHead=false"]


def git(repo: Path, *args: str, date: str | None = None, stdin: bytes | None = None) -> str:
    """Run git in `repo`; fail loudly; return stdout (text)."""
    env = {**os.environ, **GIT_ENV}
    if date:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = date
    proc = subprocess.run(["git", *GIT_OPTS, *args], cwd=repo, env=env, input=stdin,
                          capture_output=True, check=False)
    if proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {proc.stderr.decode()}")
    return proc.stdout.decode("utf-8", "surrogateescape")


def write_files(repo: Path, files: Mapping[str, str]) -> None:
    for rel, text in files.items():
        path = repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def commit(repo: Path, files: Mapping[str, str], message: str, date: str) -> str:
    """Write `files`, stage them and commit; returns the commit id."""
    write_files(repo, files)
    git(repo, "add", "--", *files)
    git(repo, "commit", "-q", "-m", message, date=date)
    return git(repo, "rev-parse", "HEAD").strip()


def init_repo(path: Path, files: Mapping[str, str], tag: str = "base0",
              date: str = "2024-01-01T00:00:00+00:00") -> str:
    """A repository on branch main with one commit holding `files`, tagged."""
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q")
    sha = commit(path, files, "initial import", date)
    git(path, "tag", tag)
    return sha


def lines(prefix: str, n: int) -> list[str]:
    return [f"{prefix} line {i}" for i in range(1, n + 1)]


def text(rows: Iterable[str]) -> str:
    return "".join(f"{r}\n" for r in rows)


def replace_line(content: str, number: int, new: str) -> str:
    rows = content.splitlines()
    rows[number - 1] = new
    return text(rows)


def format_patch(repo: Path, rev_range: str, *opts: str, date: str | None = None) -> bytes:
    """`git format-patch --stdout` of `rev_range` (an mbox); `date` dates the
    cover letter (git takes it from the committer date)."""
    env = {**os.environ, **GIT_ENV}
    if date:
        env["GIT_COMMITTER_DATE"] = date
    proc = subprocess.run(["git", *GIT_OPTS, "format-patch", "--stdout", *opts, rev_range],
                          cwd=repo, env=env, capture_output=True, check=True)
    return proc.stdout


def user_state(repo: Path) -> dict[str, object]:
    """Everything `reviewer apply` must leave alone, read without writing
    (status runs with --no-optional-locks so it never refreshes the index)."""
    index = (repo / ".git" / "index").read_bytes()
    files: dict[str, tuple[bytes, int]] = {}
    for path in sorted(repo.rglob("*")):
        rel = path.relative_to(repo)
        if rel.parts[0] != ".git" and path.is_file():
            files[rel.as_posix()] = (path.read_bytes(), path.stat().st_mtime_ns)
    refs = git(repo, "for-each-ref", "--format=%(objectname) %(refname)").splitlines()
    return {
        "index": index,
        "status": git(repo, "--no-optional-locks", "status", "--porcelain=v2", "--branch",
                      "--untracked-files=all"),
        "refs": [r for r in refs if not r.split(" ", 1)[1].startswith("refs/reviewer/")],
        "head": git(repo, "symbolic-ref", "-q", "HEAD").strip(),
        "head_commit": git(repo, "rev-parse", "HEAD").strip(),
        "stash": git(repo, "stash", "list"),
        "worktrees": git(repo, "worktree", "list", "--porcelain"),
        "config": (repo / ".git" / "config").read_bytes(),
        "files": files,
    }


def reviewer_refs(repo: Path) -> dict[str, str]:
    out = git(repo, "for-each-ref", "--format=%(refname) %(objectname)", "refs/reviewer/")
    return dict(line.split(" ", 1) for line in out.splitlines())


# -- hand-written mails ------------------------------------------------------------

def diff_for(path: str, old: str = "old", new: str = "new") -> str:
    return (f"diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n"
            f"@@ -1,1 +1,1 @@\n-{old}\n+{new}\n")


def mail(msgid: str, subject: str, *, date: str = "Mon, 01 Jan 2024 10:00:00 +0000",
         sender: str = "Ann Author <ann@example.org>", in_reply_to: str | None = None,
         references: Iterable[str] = (), body: str = "Some text.\n",
         diff: str | None = None) -> bytes:
    """One RFC 2822 mail; a diff makes it a patch mail (below a `---` line)."""
    head = [f"From: {sender}", f"Subject: {subject}", f"Date: {date}"]
    if msgid:
        head.append(f"Message-ID: <{msgid}>")
    if in_reply_to:
        head.append(f"In-Reply-To: <{in_reply_to}>")
    refs = list(references)
    if refs:
        head.append("References: " + " ".join(f"<{r}>" for r in refs))
    text_body = body + ("\nSigned-off-by: Ann Author <ann@example.org>\n---\n" + diff
                        if diff else "")
    return ("\n".join(head) + "\n\n" + text_body).encode()


def mbox(*mails: bytes) -> bytes:
    return b"".join(b"From mboxrd@z Thu Jan  1 00:00:00 1970\n" + m.rstrip(b"\n") + b"\n\n"
                    for m in mails)


def opened_from(tmp_path: Path, *mails: bytes) -> reviewer.Opened:
    """The mails written as one mbox in `tmp_path` and opened."""
    path = tmp_path / "t.mbox"
    path.write_bytes(mbox(*mails))
    return reviewer.open_source(path)


# -- a two-revision series made with git format-patch ----------------------------

A_C = text(lines("a", 30))
B_C = text(lines("b", 40))
C_C = text(lines("c", 20))
BASE_FILES = {"a.c": A_C, "b.c": B_C, "src/c.c": C_C, "README": "demo tree\n"}
# Each revision: (commit title, path, line number, new text), one commit each.
V1 = [("a: rework a ten", "a.c", 10, "a line 10 (v1)"),
      ("b: rework the top of b", "b.c", 5, "b line 5 (v1)"),
      ("c: rework c five", "src/c.c", 5, "c line 5 (v1)")]
V2 = [("a: rework a ten", "a.c", 10, "a line 10 (v2)"),
      ("b: rework the bottom of b", "b.c", 30, "b line 30 (v2)"),
      ("c: rework c fifteen", "src/c.c", 15, "c line 15 (v2)")]


class SeriesRepo:
    """A repo whose `main` advanced after a v1 and a v2 of one series were
    formatted (their branches are deleted).  On the advanced HEAD:

    v1: 1 applies; 2 fails (main rewrote the lines it changes); 3 not tried.
    v2: 1 applies; 2 needs 3-way (main changed its outer context line);
        3 is already in main.

    `plain` has no base-commit; `based` says base-commit: <base0>, on which
    every patch applies cleanly."""

    def __init__(self, root: Path) -> None:
        self.repo = root / "tree"
        self.base = init_repo(self.repo, BASE_FILES)
        self.tips: dict[int, str] = {}
        self.trees: dict[int, str] = {}
        self.plain = root / "plain.mbox"
        self.based = root / "based.mbox"
        plain, based = b"", b""
        for version, changes, day in ((1, V1, "2024-02-01"), (2, V2, "2024-02-10")):
            branch = f"topic-v{version}"
            git(self.repo, "checkout", "-q", "-b", branch, "base0")
            git(self.repo, "config", f"branch.{branch}.description",
                "demo: rework a, b and c\n\nThree small changes.")
            for n, (title, path, line, new) in enumerate(changes):
                old = (self.repo / path).read_text()
                commit(self.repo, {path: replace_line(old, line, new)}, title,
                       f"{day}T10:0{n}:00+00:00")
            self.tips[version] = git(self.repo, "rev-parse", "HEAD").strip()
            self.trees[version] = git(self.repo, "rev-parse", "HEAD^{tree}").strip()
            prefix = f"PATCH v{version}" if version > 1 else "PATCH"
            opts = ["--cover-letter", "--thread", "--cover-from-description=subject",
                    f"--subject-prefix={prefix}"]
            for name, extra in (("plain", ()), ("based", ("--base=base0",))):
                data = format_patch(self.repo, f"base0..{branch}", *opts, *extra,
                                    date=f"{day}T09:00:00+00:00")
                # git names covers cover.<seconds>...: keep v1's and v2's apart
                data = data.replace(b"<cover.", f"<cover-v{version}.".encode())
                if name == "plain":
                    plain += data
                else:
                    based += data
            git(self.repo, "checkout", "-q", "main")
            git(self.repo, "branch", "-q", "-D", branch)
        self.plain.write_bytes(plain)
        self.based.write_bytes(based)
        b = B_C
        for n in (5, 6):  # v1 2/3's lines are gone
            b = replace_line(b, n, f"b line {n} rewritten on main")
        b = replace_line(b, 27, "b line 27 touched on main")  # v2 2/3's outer context
        c = replace_line(C_C, 15, "c line 15 (v2)")  # v2 3/3 is already in main
        self.head = commit(self.repo, {"b.c": b, "src/c.c": c}, "main: move on",
                           "2024-03-01T00:00:00+00:00")

    def show(self, ref: str, path: str) -> str:
        return git(self.repo, "show", f"{ref}:{path}")


def long_series(root: Path, count: int = 40) -> tuple[Path, Path]:
    """A repo and an mbox of `count` one-file patches (branch deleted)."""
    repo = root / "tree"
    init_repo(repo, {f"f{n:02d}.c": text(lines(f"f{n}", 8)) for n in range(count)})
    git(repo, "checkout", "-q", "-b", "long")
    for n in range(count):
        path = f"f{n:02d}.c"
        old = (repo / path).read_text()
        commit(repo, {path: replace_line(old, 4, f"f{n} line 4 changed")},
               f"f{n:02d}: change line 4", f"2024-02-01T10:{n % 60:02d}:00+00:00")
    out = root / "long.mbox"
    out.write_bytes(format_patch(repo, "base0..long", "--thread", "--cover-letter",
                                 date="2024-02-01T09:00:00+00:00"))
    git(repo, "checkout", "-q", "main")
    git(repo, "branch", "-q", "-D", "long")
    return repo, out
