"""The git module (with gitindex.py, its temporary indexes, and gitscan.py,
its tree-wide reads): GitPython for objects and refs, git plumbing for
applying.  Every git operation the rest of reviewer needs is a named method
or function here, and no other module starts git.

Nothing here writes the user's index, working tree, HEAD or branches:
patches are applied to a *temporary* index (`GIT_INDEX_FILE`), trees and
commits go to the object store, and the only refs written live under
`refs/reviewer/`.  Commands are argument lists, never shell strings.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import git

from reviewer.errors import TreeError
from reviewer.model import ChangedLines
from reviewer.tree.gitindex import SparseIndex, TempIndex

__all__ = ["REF_NAMESPACE", "GitRepo", "PathRemoval", "RangeDiff", "RangePair", "RefTip",
           "config_values", "init_repository", "patch_ids", "toplevel"]

REF_NAMESPACE = "refs/reviewer/"
TIMED_OUT = -9  # GitOutput.status of a git killed at its time limit

# Keep the user's and the system's config from changing how plumbing behaves
# (hooks, attributes filters and pagers are not involved in what we run).
_QUIET_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_PAGER": "cat", "LC_ALL": "C"}


# A repository this module creates (init_repository) owes nothing to the
# user's or the system's git configuration (templates, hooks, signing).
_OWN_ENV = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, **_QUIET_ENV}

_HUNK_NEW = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


def config_values(key: str, cwd: Path | None = None) -> list[str]:
    """Every value git config has for `key` (e.g. `b4.keyringsrc`), as git
    reads it in `cwd`: the system's, the user's and, when `cwd` is in a
    repository, that repository's config; [] when unset or git fails."""
    try:
        proc = subprocess.run(["git", "config", "-z", "--get-all", key], cwd=cwd,
                              env={**os.environ, **_QUIET_ENV}, capture_output=True,
                              check=False)
    except OSError:
        return []
    if proc.returncode != 0:
        return []
    return [v for v in proc.stdout.decode("utf-8", "replace").split("\0") if v]


def toplevel(cwd: Path | None = None) -> Path | None:
    """The top of the working tree `cwd` is in, or None."""
    try:
        proc = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=cwd,
                              env={**os.environ, **_QUIET_ENV}, capture_output=True, check=False)
    except OSError:
        return None
    top = proc.stdout.decode("utf-8", "surrogateescape").strip()
    return Path(top) if proc.returncode == 0 and top else None


def init_repository(path: Path, branch: str, bare: bool = True) -> GitRepo:
    """A new, empty repository at `path` (an existing empty directory) whose
    HEAD names `branch`."""
    proc = subprocess.run(["git", "-c", f"init.defaultBranch={branch}", "init", "-q",
                           *(["--bare"] if bare else []), str(path)],
                          cwd=path, env={**os.environ, **_OWN_ENV}, capture_output=True,
                          check=False)
    if proc.returncode != 0:
        raise TreeError(f"git init failed: {_last_line(proc.stderr)}")
    return GitRepo(path)


def _last_line(stderr: bytes) -> str:
    return (stderr.decode("utf-8", "replace").strip().splitlines() or ["no message"])[-1]


# "  1:  d78d8bc !  2:  e3776df ovl: ..." — one line per commit pair of git range-diff
_RANGE_LINE = re.compile(r"^\s*(\d+|-):\s+[0-9a-f-]+\s+([=!<>])\s+(\d+|-):\s+[0-9a-f-]+\s(.*)$")


@dataclass(frozen=True)
class RangePair:
    """One line of `git range-diff`'s pairing (1-based commit positions)."""

    old: int | None
    new: int | None
    mark: str  # "=" same, "!" changed, "<" only old, ">" only new
    title: str


@dataclass(frozen=True)
class RangeDiff:
    text: str
    pairs: tuple[RangePair, ...]


@dataclass(frozen=True)
class GitOutput:
    status: int
    stdout: str
    stderr: str


@dataclass(frozen=True)
class RefTip:
    """A commit some refs point at (tags peeled to their commit)."""

    commit: str
    names: tuple[str, ...]  # short names: tags, then local, then remote branches
    date: int  # committer date, Unix seconds
    branch: bool  # a branch points here (not only tags)


@dataclass(frozen=True)
class PathRemoval:
    """The commit that removed a path, and where it went if renamed."""

    commit: str | None  # None when the search ran out of time
    subject: str
    renamed_to: str | None
    timed_out: bool = False


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
        self.workdir = self.repo.working_tree_dir or self.git_dir  # where git runs
        # GitPython reads objects through one `git cat-file --batch` pipe:
        # rules running in threads take turns.
        self._objects = threading.RLock()

    def close(self) -> None:
        """End the git processes GitPython keeps for reading objects (they
        start again if needed)."""
        with self._objects:
            self.repo.close()

    def _git(self, *args: str, env: dict[str, str] | None = None,
             stdin: bytes | None = None, timeout: float | None = None) -> GitOutput:
        """git with `args`, for this module's named operations only; past
        `timeout` seconds git is killed and the status is TIMED_OUT."""
        full_env = {**os.environ, **_QUIET_ENV, **(env or {})}
        # subprocess.run kills and reaps git when we are interrupted (Ctrl-C),
        # so no git process outlives us, e.g. writing into a temporary index.
        # No hook of the user's runs on our plumbing (post-index-change on a
        # temporary index, reference-transaction on refs/reviewer/).
        try:
            proc = subprocess.run(["git", "-c", "core.hooksPath=/dev/null", *args],
                                  cwd=self.workdir,
                                  env=full_env, input=stdin, capture_output=True, check=False,
                                  timeout=timeout)
        except subprocess.TimeoutExpired:
            return GitOutput(TIMED_OUT, "", f"git {args[0]} took over {timeout} s")
        return GitOutput(proc.returncode, proc.stdout.decode("utf-8", "surrogateescape"),
                         proc.stderr.decode("utf-8", "replace"))

    # -- objects -----------------------------------------------------------
    def resolve(self, ref: str) -> str | None:
        """The commit `ref` names, or None."""
        if ref.startswith("-"):
            return None
        out = self._git("rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
        return out.stdout.strip() or None if out.status == 0 else None

    def commit_subject(self, sha: str) -> str | None:
        """The subject line of commit `sha`, or None when there is none."""
        out = self._git("log", "-1", "--format=%s", "--end-of-options", f"{sha}^{{commit}}", "--")
        return out.stdout.strip() if out.status == 0 else None

    def commit_date(self, sha: str) -> dt.datetime | None:
        """When `sha` was committed (an imported tree's: its newest file's date)."""
        out = self._git("log", "-1", "--format=%cI", "--end-of-options", f"{sha}^{{commit}}", "--")
        try:
            return dt.datetime.fromisoformat(out.stdout.strip()) if out.status == 0 else None
        except ValueError:
            return None

    def missing_history(self, sha: str) -> str | None:
        """Why the history behind `sha` cannot tell whether a cited commit
        exists (None when it can): a shallow clone, or a single commit such
        as `reviewer tree import` makes."""
        if self._git("rev-parse", "--is-shallow-repository").stdout.strip() == "true":
            return "the tree is a shallow clone, so older commits are not in it"
        out = self._git("rev-list", "--max-count=2", "--end-of-options", sha, "--")
        if out.status == 0 and len(out.stdout.split()) < 2:
            return "the tree has no history (one commit, as `reviewer tree import` makes)"
        return None

    def has_object(self, sha: str) -> bool:
        return self._git("cat-file", "-e", sha).status == 0

    def head(self) -> str | None:
        return self.resolve("HEAD")

    def read_file(self, commit: str, path: str) -> bytes | None:
        """A file's content at `commit`, or None when it is not there."""
        with self._objects:
            try:
                blob = self.repo.commit(commit).tree / path
            except (KeyError, ValueError, git.BadName):
                return None
            if blob.type != "blob":
                return None
            data: bytes = blob.data_stream.read()
        return data

    def tree_id(self, commit: str) -> str:
        with self._objects:
            return str(self.repo.commit(commit).tree.hexsha)

    def blob_ids(self, commit: str, paths: list[str]) -> dict[str, str]:
        """path → blob id at `commit` for those of `paths` that are files
        there (one `git ls-tree`, however many paths)."""
        if not paths:
            return {}
        out = self._git("ls-tree", "-z", "--full-tree", commit, "--", *paths)
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
        out = self._git("diff", "--no-color", "--no-ext-diff", "--no-renames", "-U0", old, new,
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
            if index.apply(patch_file, reverse=True).status != 0:
                return None
            return index.write_tree()

    def read_blob(self, sha: str) -> bytes:
        """An object's content by id (a blob's bytes, a tree's raw entries),
        through GitPython's persistent `git cat-file --batch`."""
        with self._objects:
            data: bytes = self.repo.odb.stream(bytes.fromhex(sha)).read()
        return data

    def list_blobs(self, commit: str, dirs: Iterable[str],
                   suffixes: tuple[str, ...]) -> list[tuple[str, str, int]]:
        """(path, blob id, size) of the files under `dirs` at `commit` whose
        names end with one of `suffixes` (one `git ls-tree`)."""
        wanted = sorted(set(dirs))
        if not wanted:
            return []
        out = self._git("ls-tree", "-r", "-l", "-z", "--full-tree", commit, "--", *wanted,
                       env={"GIT_LITERAL_PATHSPECS": "1"})
        if out.status != 0:
            raise TreeError(f"cannot list files of {commit[:12]}: {out.stderr.strip()}")
        found = []
        for entry in filter(None, out.stdout.split("\0")):
            meta, _, path = entry.partition("\t")
            _mode, kind, sha, size = meta.split()
            if kind == "blob" and path.endswith(suffixes):
                found.append((path, sha, int(size)))
        return found

    def commit_tree(self, tree: str, parent: str, message: str, author: tuple[str, str],
                    date: str) -> str:
        env = {
            # A patch file may name no author at all: git wants a name.
            "GIT_AUTHOR_NAME": author[0] or author[1] or "unknown author",
            "GIT_AUTHOR_EMAIL": author[1],
            "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_NAME": "reviewer",
            "GIT_COMMITTER_EMAIL": "reviewer@localhost", "GIT_COMMITTER_DATE": date,
        }
        out = self._git("commit-tree", tree, "-p", parent, "-F", "-", env=env,
                       stdin=message.encode())
        if out.status != 0:
            raise TreeError(f"git commit-tree failed: {out.stderr.strip()}")
        return out.stdout.strip()

    def range_diff(self, old: str, new: str, creation_factor: int | None = None
                   ) -> RangeDiff | None:
        """`git range-diff old new` (two revision ranges), or None when git
        cannot run it."""
        factor = [f"--creation-factor={creation_factor}"] if creation_factor else []
        out = self._git("range-diff", "--no-color", *factor, old, new)
        if out.status != 0:
            return None
        pairs = []
        for line in out.stdout.splitlines():
            if m := _RANGE_LINE.match(line):
                i, j = (None if m.group(k) == "-" else int(m.group(k)) for k in (1, 3))
                pairs.append(RangePair(i, j, m.group(2), m.group(4).strip()))
        return RangeDiff(out.stdout, tuple(pairs))

    def log_subjects(self, paths: list[str], limit: int = 200, rev: str = "HEAD") -> list[str]:
        out = self._git("log", f"-{limit}", "--no-merges", "--format=%s", rev, "--", *paths)
        return out.stdout.splitlines() if out.status == 0 else []

    # -- where a base is: refs, blobs, history -------------------------------
    def ref_tips(self) -> list[RefTip]:
        """Every commit a branch, remote branch or tag points at, newest
        first; refs/reviewer/ and symbolic refs (`origin/HEAD`) left out."""
        fmt = ("%(objecttype) %(objectname) %(*objecttype) %(*objectname) %(committerdate:unix)"
               " %(*committerdate:unix) %(symref) %(refname)")
        out = self._git("for-each-ref", f"--format={fmt}", "refs/heads/", "refs/remotes/",
                       "refs/tags/")
        found: dict[str, tuple[list[tuple[int, str]], int]] = {}
        for line in out.stdout.splitlines():
            kind, sha, peeled_kind, peeled, date, peeled_date, symref, name = line.split(" ")
            if symref:
                continue
            if kind == "tag" and peeled_kind == "commit":
                sha, date = peeled, peeled_date
            elif kind != "commit":
                continue
            rank = next(i for i, p in enumerate(("refs/tags/", "refs/heads/", "refs/remotes/"))
                        if name.startswith(p))
            short = name.split("/", 2)[2]
            found.setdefault(sha, ([], int(date or 0)))[0].append((rank, short))
        tips = [RefTip(sha, tuple(n for _r, n in sorted(names)), date,
                       any(rank > 0 for rank, _n in names))
                for sha, (names, date) in found.items()]
        return sorted(tips, key=lambda t: -t.date)

    def blobs_at(self, commits: Iterable[str], paths: Iterable[str]) -> dict[tuple[str, str], str]:
        """(commit, path) → blob id, for each pair where `path` is a file at
        `commit` (one `git cat-file --batch-check` for all of them)."""
        pairs = [(c, p) for c in dict.fromkeys(commits) for p in dict.fromkeys(paths)
                 if "\n" not in p]
        if not pairs:
            return {}
        query = "".join(f"{c}:{p}\n" for c, p in pairs).encode("utf-8", "surrogateescape")
        out = self._git("cat-file", "--batch-check=%(objecttype) %(objectname)", stdin=query)
        answers = out.stdout.splitlines()
        return {pair: ans.split(" ")[1] for pair, ans in zip(pairs, answers, strict=False)
                if ans.startswith("blob ")}

    def find_blobs(self, ids: Iterable[str]) -> dict[str, str]:
        """Abbreviated id → full id, for the ids naming a blob in the object
        store ("" when the abbreviation names several objects), in one
        process for all of them."""
        wanted = [i for i in dict.fromkeys(ids) if i and all(c in "0123456789abcdef" for c in i)]
        if not wanted:
            return {}
        out = self._git("cat-file", "--batch-check=%(objecttype) %(objectname)",
                       stdin="".join(f"{i}\n" for i in wanted).encode())
        found = {}
        for i, ans in zip(wanted, out.stdout.splitlines(), strict=False):
            if ans.startswith("blob "):
                found[i] = ans.split(" ")[1]
            elif ans.endswith(" ambiguous"):
                found[i] = ""
        return found

    def has_history(self, commit: str) -> bool:
        """Whether `commit` has a parent here (not a lone import, not the
        boundary of a shallow clone)."""
        out = self._git("rev-list", "--count", "--max-count=2", commit)
        return out.status == 0 and out.stdout.strip() == "2"

    def commits_changing(self, blobs: list[str], paths: list[str], since: int,
                         timeout: float) -> list[str] | None:
        """Commits on any ref (but refs/reviewer/) after `since` (Unix time)
        that add or remove one of the full blob ids at one of `paths`, each
        followed by its parents: where those blobs were.  None when git took
        longer than `timeout` seconds."""
        out = self._git("log", f"--exclude={REF_NAMESPACE}*", "--all", "--format=%H %P",
                       f"--since={since}", *(f"--find-object={b}" for b in blobs),
                       "--", *paths, env={"GIT_LITERAL_PATHSPECS": "1"}, timeout=timeout)
        if out.status == TIMED_OUT:
            return None
        return list(dict.fromkeys(c for line in out.stdout.splitlines() for c in line.split()))

    def newest_commit_before(self, when: int) -> str | None:
        """The newest commit on any ref (but refs/reviewer/) dated at or
        before `when` (Unix time): the tree as it stood then."""
        out = self._git("rev-list", "-1", f"--exclude={REF_NAMESPACE}*", "--all",
                       f"--until={when}")
        return out.stdout.strip() or None

    def commit_dates(self, commits: Iterable[str]) -> dict[str, int]:
        wanted = list(dict.fromkeys(commits))
        if not wanted:
            return {}
        out = self._git("show", "-s", "--format=%H %ct", *wanted)
        return {sha: int(date) for sha, date in
                (line.split(" ") for line in out.stdout.splitlines() if " " in line)}

    def describe(self, commit: str) -> str:
        """A name for a commit no ref points at: `v5.7-rc5-12-g…`, or its id."""
        out = self._git("describe", "--tags", "--always", "--abbrev=12",
                       f"--exclude={REF_NAMESPACE}*", commit, timeout=5)
        return out.stdout.strip() or commit[:12]

    def removal(self, commit: str, path: str, timeout: float) -> PathRemoval | None:
        """The newest commit up to `commit` that removed `path` and where the
        file went if it was renamed; None when no commit removed it."""
        out = self._git("log", "-1", "--format=%H %s", "--diff-filter=D", commit, "--", path,
                       env={"GIT_LITERAL_PATHSPECS": "1"}, timeout=timeout)
        if out.status == TIMED_OUT:
            return PathRemoval(None, "", None, timed_out=True)
        if not out.stdout.strip():
            return None
        sha, _, subject = out.stdout.strip().partition(" ")
        # Rename detection over the whole commit (the pathspec above sees only
        # the removed side).
        status = self._git("diff-tree", "-r", "-M", "--name-status", "-z", "--no-commit-id",
                          sha, timeout=timeout)
        items = status.stdout.split("\0")
        renamed = next((items[i + 2] for i in range(len(items) - 2)
                        if items[i].startswith("R") and items[i + 1] == path), None)
        return PathRemoval(sha, subject, renamed)

    def directories(self, commit: str) -> set[str]:
        """Every directory of `commit`'s tree (paths without a trailing /)."""
        out = self._git("ls-tree", "-r", "-d", "--name-only", commit)
        return set(out.stdout.splitlines()) if out.status == 0 else set()

    def file_paths(self, commit: str) -> list[str]:
        """Every file at `commit` (one `git ls-tree -r`)."""
        out = self._git("ls-tree", "-r", "-z", "--name-only", "--full-tree", commit)
        return [p for p in out.stdout.split("\0") if p]

    # -- refs --------------------------------------------------------------
    # -- building a repository (reviewer.tree.importer) ------------------------
    def start_fast_import(self) -> subprocess.Popen[bytes]:
        """`git fast-import` reading its stream from the returned process's
        stdin; the caller writes, closes stdin, waits and reads stderr.  In a
        session of its own: a terminal's Ctrl-C reaches only us, we stop it."""
        # --depth=0: no deltas (halves the time; the pack is barely larger);
        # compression 1: three times faster than the default for 3 % more.
        return subprocess.Popen(
            ["git", "-c", "core.compression=1", "-c", "pack.compression=1", "fast-import",
             "--quiet", "--done", "--depth=0"], cwd=self.git_dir,
            env={**os.environ, **_OWN_ENV}, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, start_new_session=True)

    def check_out(self, branch: str) -> None:
        """Write `branch`'s files to the working tree: only for a repository
        init_repository() made, never the user's."""
        out = self._git("checkout", "-q", "-f", branch, env=_OWN_ENV)
        if out.status != 0:
            raise TreeError(f"git checkout failed: {_last_line(out.stderr.encode())}")

    def update_ref(self, ref: str, sha: str) -> None:
        assert ref.startswith(REF_NAMESPACE), ref
        out = self._git("update-ref", ref, sha)
        if out.status != 0:
            raise TreeError(f"cannot write {ref}: {out.stderr.strip()}")

    def refs(self, prefix: str = REF_NAMESPACE) -> dict[str, str]:
        out = self._git("for-each-ref", "--format=%(objectname) %(refname)", prefix)
        pairs = (line.split(" ", 1) for line in out.stdout.splitlines() if line)
        return {name: sha for sha, name in pairs}

    def delete_refs(self, prefix: str = REF_NAMESPACE) -> int:
        assert prefix.startswith(REF_NAMESPACE), prefix
        refs = self.refs(prefix)
        if refs:
            script = "".join(f"delete {name}\n" for name in refs)
            out = self._git("update-ref", "--stdin", stdin=script.encode())
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
                    out = index.read_tree(base)
                else:
                    index = sparse = SparseIndex(self, os.path.join(tmp, "index"), base)
                    out = sparse.load(paths)
                if out.status != 0:
                    raise TreeError(f"cannot read tree of {base[:12]}: {out.stderr.strip()}")
                yield index
        finally:
            for leftover in Path(tempfile.gettempdir()).glob(prefix + "*"):
                shutil.rmtree(leftover, ignore_errors=True)


def patch_ids(diffs: list[str]) -> list[str | None]:
    """`git patch-id --stable` of many diffs in one git process (one per
    patch made loading a long thread fork git hundreds of times).  It
    needs no repository: mails are read before any tree is opened."""
    if not any(diffs):
        return [None] * len(diffs)
    data = "".join(f"commit {i:040x}\n\n{d if d.endswith(chr(10)) else d + chr(10)}"
                   for i, d in enumerate(diffs) if d)
    proc = subprocess.run(["git", "patch-id", "--stable"], input=data.encode("utf-8", "replace"),
                          env={**os.environ, **_QUIET_ENV}, capture_output=True, check=False)
    found = {}
    for line in proc.stdout.decode().splitlines():
        pid, _, commit = line.partition(" ")
        found[int(commit, 16)] = pid
    return [found.get(i) for i in range(len(diffs))]
