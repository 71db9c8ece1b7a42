"""The one module that talks to git (GitPython for objects and refs, git
plumbing for applying).

Nothing here writes the user's index, working tree, HEAD or branches:
patches are applied to a *temporary* index (`GIT_INDEX_FILE`), trees and
commits go to the object store, and the only refs written live under
`refs/reviewer/`.  Commands are argument lists, never shell strings.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import git

from reviewer.errors import TreeError

__all__ = ["REF_NAMESPACE", "GitRepo", "TempIndex"]

REF_NAMESPACE = "refs/reviewer/"

# Keep the user's and the system's config from changing how plumbing behaves
# (hooks, attributes filters and pagers are not involved in what we run).
_QUIET_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_PAGER": "cat", "LC_ALL": "C"}


@dataclass(frozen=True)
class GitOutput:
    status: int
    stdout: str
    stderr: str


class GitRepo:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).expanduser()
        try:
            self.repo = git.Repo(self.path, search_parent_directories=False)
        except git.NoSuchPathError:
            raise TreeError(f"{self.path}: no such directory") from None
        except git.InvalidGitRepositoryError:
            raise TreeError(f"{self.path}: not a git repository") from None
        self.git_dir = Path(self.repo.git_dir)

    def run(self, *args: str, env: dict[str, str] | None = None,
            stdin: bytes | None = None) -> GitOutput:
        full_env = {**os.environ, **_QUIET_ENV, **(env or {})}
        # subprocess.run kills and reaps git when we are interrupted (Ctrl-C),
        # so no git process outlives us, e.g. writing into a temporary index.
        proc = subprocess.run(["git", *args], cwd=self.repo.working_tree_dir or self.git_dir,
                              env=full_env, input=stdin, capture_output=True, check=False)
        return GitOutput(proc.returncode, proc.stdout.decode("utf-8", "surrogateescape"),
                         proc.stderr.decode("utf-8", "replace"))

    # -- objects -----------------------------------------------------------
    def resolve(self, ref: str) -> str | None:
        """The commit `ref` names, or None."""
        if ref.startswith("-"):
            return None
        out = self.run("rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
        return out.stdout.strip() or None if out.status == 0 else None

    def has_object(self, sha: str) -> bool:
        return self.run("cat-file", "-e", sha).status == 0

    def head(self) -> str | None:
        return self.resolve("HEAD")

    def read_file(self, commit: str, path: str) -> bytes | None:
        """A file's content at `commit`, or None when it is not there."""
        try:
            blob = self.repo.commit(commit).tree / path
        except (KeyError, ValueError, git.BadName):
            return None
        if blob.type != "blob":
            return None
        data: bytes = blob.data_stream.read()
        return data

    def tree_id(self, commit: str) -> str:
        return str(self.repo.commit(commit).tree.hexsha)

    def blob_ids(self, commit: str, paths: list[str]) -> dict[str, str]:
        """path → blob id at `commit` for those of `paths` that are files
        there (one `git ls-tree`, however many paths)."""
        if not paths:
            return {}
        out = self.run("ls-tree", "-z", "--full-tree", commit, "--", *paths)
        ids = {}
        for entry in out.stdout.split("\0") if out.status == 0 else ():
            meta, _, path = entry.partition("\t")
            if meta.split(" ")[1:2] == ["blob"]:
                ids[path] = meta.split(" ")[2]
        return ids

    def read_blob(self, sha: str) -> bytes:
        """A blob by id, through GitPython's persistent `git cat-file --batch`."""
        data: bytes = self.repo.odb.stream(bytes.fromhex(sha)).read()
        return data

    def grep_files(self, commit: str, words: list[str], globs: tuple[str, ...]) -> list[str]:
        """Files at `commit` matching `globs` that contain one of `words` as a
        whole word (the one walk over every blob a tree-wide question needs)."""
        patterns = [arg for w in words for arg in ("-e", w)]
        out = self.run("grep", "-l", "-w", "-F", *patterns, commit, "--", *globs)
        return [line.split(":", 1)[1] for line in out.stdout.splitlines() if ":" in line]

    def commit_tree(self, tree: str, parent: str, message: str, author: tuple[str, str],
                    date: str) -> str:
        env = {
            "GIT_AUTHOR_NAME": author[0] or author[1], "GIT_AUTHOR_EMAIL": author[1],
            "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_NAME": "reviewer",
            "GIT_COMMITTER_EMAIL": "reviewer@localhost", "GIT_COMMITTER_DATE": date,
        }
        out = self.run("commit-tree", tree, "-p", parent, "-F", "-", env=env,
                       stdin=message.encode())
        if out.status != 0:
            raise TreeError(f"git commit-tree failed: {out.stderr.strip()}")
        return out.stdout.strip()

    def log_subjects(self, paths: list[str], limit: int = 200, rev: str = "HEAD") -> list[str]:
        out = self.run("log", f"-{limit}", "--no-merges", "--format=%s", rev, "--", *paths)
        return out.stdout.splitlines() if out.status == 0 else []

    # -- refs --------------------------------------------------------------
    def update_ref(self, ref: str, sha: str) -> None:
        assert ref.startswith(REF_NAMESPACE), ref
        out = self.run("update-ref", ref, sha)
        if out.status != 0:
            raise TreeError(f"cannot write {ref}: {out.stderr.strip()}")

    def refs(self, prefix: str = REF_NAMESPACE) -> dict[str, str]:
        out = self.run("for-each-ref", "--format=%(objectname) %(refname)", prefix)
        pairs = (line.split(" ", 1) for line in out.stdout.splitlines() if line)
        return {name: sha for sha, name in pairs}

    def delete_refs(self, prefix: str = REF_NAMESPACE) -> int:
        assert prefix.startswith(REF_NAMESPACE), prefix
        refs = self.refs(prefix)
        if refs:
            script = "".join(f"delete {name}\n" for name in refs)
            out = self.run("update-ref", "--stdin", stdin=script.encode())
            if out.status != 0:
                raise TreeError(f"cannot delete refs: {out.stderr.strip()}")
        return len(refs)

    @contextmanager
    def temp_index(self, base: str) -> Iterator[TempIndex]:
        """A throw-away index holding `base`'s tree, in a temporary directory
        (`TempIndex.dir`, also for scratch files) removed on exit, also on
        Ctrl-C; the user's own index is never opened."""
        # The unique prefix finds the directory even when Ctrl-C lands between
        # mkdtemp() and TemporaryDirectory's bookkeeping.
        prefix = f"reviewer-index-{secrets.token_hex(6)}-"
        try:
            with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
                index = TempIndex(self, os.path.join(tmp, "index"))
                out = index.run("read-tree", base)
                if out.status != 0:
                    raise TreeError(f"cannot read tree of {base[:12]}: {out.stderr.strip()}")
                yield index
        finally:
            for leftover in Path(tempfile.gettempdir()).glob(prefix + "*"):
                shutil.rmtree(leftover, ignore_errors=True)


class TempIndex:
    def __init__(self, repo: GitRepo, path: str) -> None:
        self.repo, self.path = repo, path
        self.dir = os.path.dirname(path)

    def run(self, *args: str, stdin: bytes | None = None) -> GitOutput:
        return self.repo.run(*args, env={"GIT_INDEX_FILE": self.path}, stdin=stdin)

    def apply(self, patch_file: str, *flags: str) -> GitOutput:
        return self.run("apply", "--cached", *flags, patch_file)

    def write_tree(self) -> str:
        out = self.run("write-tree")
        if out.status != 0:
            raise TreeError(f"git write-tree failed: {out.stderr.strip()}")
        return out.stdout.strip()
