"""The one module that talks to git (GitPython for objects and refs, git
plumbing for applying).

Nothing here writes the user's index, working tree, HEAD or branches:
patches are applied to a *temporary* index (`GIT_INDEX_FILE`), trees and
commits go to the object store, and the only refs written live under
`refs/reviewer/`.  Commands are argument lists, never shell strings.
"""

from __future__ import annotations

import atexit
import os
import re
import secrets
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import git

from reviewer.errors import TreeError
from reviewer.model import ChangedLines

__all__ = ["REF_NAMESPACE", "GitRepo", "SparseIndex", "TempIndex"]

REF_NAMESPACE = "refs/reviewer/"

# Keep the user's and the system's config from changing how plumbing behaves
# (hooks, attributes filters and pagers are not involved in what we run).
_QUIET_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_PAGER": "cat", "LC_ALL": "C"}


_BACKGROUND: set[subprocess.Popen[bytes]] = set()
_HUNK_NEW = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


@atexit.register
def _stop_background() -> None:
    """No background git outlives us (e.g. a grep nobody waited for)."""
    for proc in list(_BACKGROUND):
        proc.kill()
        proc.wait()


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
        # No hook of the user's runs on our plumbing (post-index-change on a
        # temporary index, reference-transaction on refs/reviewer/).
        proc = subprocess.run(["git", "-c", "core.hooksPath=/dev/null", *args],
                              cwd=self.repo.working_tree_dir or self.git_dir,
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

    def changed_lines(self, old: str, new: str, paths: Iterable[str]) -> dict[str, ChangedLines]:
        """Where `new` (a commit or tree) differs from `old` in each of
        `paths`, in `new`'s line numbers (`git diff -U0`); a path without
        changes is absent."""
        wanted = sorted(set(paths))
        if not wanted:
            return {}
        out = self.run("diff", "--no-color", "--no-ext-diff", "--no-renames", "-U0", old, new,
                       "--", *wanted, env={"GIT_LITERAL_PATHSPECS": "1"})
        if out.status != 0:
            raise TreeError(f"git diff {old[:12]} {new[:12]} failed: {out.stderr.strip()}")
        runs: dict[str, list[tuple[int, int, list[str]]]] = {}
        current: list[tuple[int, int, list[str]]] | None = None
        for line in out.stdout.splitlines():
            if line.startswith("diff --git "):
                current = None
            elif line.startswith("+++ "):
                name = line[4:]
                current = runs.setdefault(name[2:], []) if name.startswith("b/") else None
            elif current is not None and (m := _HUNK_NEW.match(line)):
                count = m.group(2)
                current.append((int(m.group(1)), 1 if count is None else int(count), []))
            elif current and line.startswith("-"):
                current[-1][2].append(line[1:])
        return {p: ChangedLines.from_runs(r) for p, r in runs.items() if r}

    def without_patch(self, commit: str, diff: str, paths: Iterable[str]) -> str | None:
        """The tree of `commit` with the patch `diff` taken back out (`git
        apply -R`), for a patch found already applied there; None when it
        does not come out cleanly."""
        with self.temp_index(commit, paths) as index:
            patch_file = os.path.join(index.dir, "patch")
            with open(patch_file, "w", encoding="utf-8", errors="surrogateescape") as fh:
                fh.write(diff if diff.endswith("\n") else diff + "\n")
            if index.apply(patch_file, "-R").status != 0:
                return None
            return index.write_tree()

    def read_blob(self, sha: str) -> bytes:
        """An object's content by id (a blob's bytes, a tree's raw entries),
        through GitPython's persistent `git cat-file --batch`."""
        data: bytes = self.repo.odb.stream(bytes.fromhex(sha)).read()
        return data

    def grep_files(self, commit: str, words: list[str], globs: tuple[str, ...]) -> list[str]:
        """Files at `commit` matching `globs` that contain one of `words` as a
        whole word (the one walk over every blob a tree-wide question needs)."""
        return self.grep_files_async(commit, words, globs)()

    def grep_files_async(self, commit: str, words: list[str],
                         globs: tuple[str, ...]) -> Callable[[], list[str]]:
        """grep_files() started now in a background git; call the result to
        wait for it (meanwhile other work runs on the other cores)."""
        patterns = [arg for w in words for arg in ("-e", w)]
        proc = subprocess.Popen(
            ["git", "grep", "-l", "-w", "-F", *patterns, commit, "--", *globs],
            cwd=self.repo.working_tree_dir or self.git_dir, env={**os.environ, **_QUIET_ENV},
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        _BACKGROUND.add(proc)
        lock, found = threading.Lock(), list[str]()

        def wait() -> list[str]:
            with lock:  # any number of waiters, in any threads, one result
                if proc in _BACKGROUND:
                    out, _err = proc.communicate()
                    _BACKGROUND.discard(proc)
                    lines = out.decode("utf-8", "surrogateescape").splitlines()
                    found.extend(line.split(":", 1)[1] for line in lines if ":" in line)
            return list(found)

        return wait

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
    def temp_index(self, base: str, paths: Iterable[str] | None = None) -> Iterator[TempIndex]:
        """A throw-away index holding `base`'s tree, in a temporary directory
        (`TempIndex.dir`, also for scratch files) removed on exit, also on
        Ctrl-C; the user's own index is never opened.  With `paths`, only
        those files (a `SparseIndex`: its cost does not grow with the tree)."""
        # The unique prefix finds the directory even when Ctrl-C lands between
        # mkdtemp() and TemporaryDirectory's bookkeeping.
        prefix = f"reviewer-index-{secrets.token_hex(6)}-"
        try:
            with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
                index: TempIndex
                if paths is None:
                    index = TempIndex(self, os.path.join(tmp, "index"))
                    out = index.run("read-tree", base)
                else:
                    index = sparse = SparseIndex(self, os.path.join(tmp, "index"), base)
                    out = sparse.load(paths)
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
        if "--3way" not in flags:
            return self.run("apply", "--cached", *flags, patch_file)
        # A 3-way merge runs the merge driver that the attributes name, and
        # those come from this index, which the patches may have written (a
        # `* merge=x` .gitattributes).  So it runs in a repository of its own
        # over the same objects, with no config at all: no driver is defined,
        # nothing but git runs.
        return self.repo.run("apply", "--cached", *flags, patch_file, env={
            "GIT_INDEX_FILE": self.path, "GIT_DIR": self._sandbox(),
            "GIT_OBJECT_DIRECTORY": str(Path(self.repo.repo.common_dir) / "objects"),
            "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull})

    def _sandbox(self) -> str:
        path = os.path.join(self.dir, "sandbox.git")
        if not os.path.isdir(path):
            os.makedirs(os.path.join(path, "refs"))
            with open(os.path.join(path, "HEAD"), "w", encoding="ascii") as fh:
                fh.write("ref: refs/heads/sandbox\n")
        return path

    def write_tree(self) -> str:
        out = self.run("write-tree")
        if out.status != 0:
            raise TreeError(f"git write-tree failed: {out.stderr.strip()}")
        return out.stdout.strip()


Entry = tuple[str, str]  # (mode, object id) of a file


class SparseIndex(TempIndex):
    """A temporary index holding only some files of `base` (those a
    revision's patches name), for `git apply --cached`.  write_tree() gives
    the FULL tree: base's tree with the files that changed spliced in, one
    tree object per changed directory, written through GitPython's object
    database (no git process per directory)."""

    def __init__(self, repo: GitRepo, path: str, base: str) -> None:
        super().__init__(repo, path)
        self.tree = repo.tree_id(base)  # the full tree as of the last write_tree()
        self.files: dict[str, Entry] = {}  # the index's files as of then

    def load(self, paths: Iterable[str]) -> GitOutput:
        wanted = sorted(set(paths))
        if not wanted:
            return GitOutput(0, "", "")
        listing = self.repo.run("ls-tree", "-r", "-z", "--full-tree", self.tree, "--", *wanted,
                                env={"GIT_LITERAL_PATHSPECS": "1"})
        if listing.status != 0:
            return listing
        for item in filter(None, listing.stdout.split("\0")):
            meta, _, name = item.partition("\t")
            mode, _kind, sha = meta.split(" ")
            self.files[name] = (mode, sha)
        return self.run("update-index", "-z", "--index-info", stdin=listing.stdout.encode())

    def write_tree(self) -> str:
        out = self.run("ls-files", "-s", "-z")
        now: dict[str, Entry] = {}
        for item in filter(None, out.stdout.split("\0")):
            meta, _, name = item.partition("\t")
            mode, sha, stage = meta.split(" ")
            if stage != "0":  # what `git write-tree` refuses too
                raise TreeError(f"git write-tree failed: {name}: unmerged entry")
            now[name] = (mode, sha)
        changes: dict[str, Entry | None] = {p: e for p, e in now.items() if self.files.get(p) != e}
        changes.update({p: None for p in self.files if p not in now})
        if changes:
            self.tree = _splice(self.repo, self.tree, changes) or _store_tree(self.repo, {})
            self.files = now
        return self.tree


def _store_tree(repo: GitRepo, entries: dict[str, Entry]) -> str:
    """Write a tree object (git's entry order: a directory sorts as `name/`)."""
    from io import BytesIO

    from gitdb.base import IStream

    order = sorted(entries, key=lambda n: n + "/" if entries[n][0] == "40000" else n)
    data = b"".join(entries[n][0].encode() + b" " + n.encode("utf-8", "surrogateescape")
                    + b"\0" + bytes.fromhex(entries[n][1]) for n in order)
    stored = repo.repo.odb.store(IStream(b"tree", len(data), BytesIO(data)))
    return str(stored.hexsha.decode() if isinstance(stored.hexsha, bytes) else stored.hexsha)


def _splice(repo: GitRepo, tree: str | None, changes: dict[str, Entry | None]) -> str | None:
    """`tree` with each changed path set to its entry or removed; None when
    nothing is left.  Only the directories on changed paths are rewritten."""
    entries: dict[str, Entry] = {}
    if tree is not None:
        from git.objects.fun import tree_entries_from_data

        for binsha, mode, name in tree_entries_from_data(repo.read_blob(tree)):
            entries[name] = (f"{mode:o}", binsha.hex())
    below: dict[str, dict[str, Entry | None]] = {}
    for path, entry in changes.items():
        head, slash, rest = path.partition("/")
        if slash:
            below.setdefault(head, {})[rest] = entry
        elif entry is None:
            entries.pop(head, None)
        else:
            entries[head] = entry
    for name, inner in below.items():
        old = entries.get(name)
        sub = _splice(repo, old[1] if old and old[0] == "40000" else None, inner)
        if sub is None:
            entries.pop(name, None)
        else:
            entries[name] = ("40000", sub)
    return _store_tree(repo, entries) if entries else None
