"""Temporary indexes, where patches are applied (part of the git module:
only gitrepo.py and this file start git).

`GitRepo.temp_index()` gives one: a `TempIndex` holding a whole tree, or a
`SparseIndex` holding only the paths a revision touches, whose tree is
spliced back into the base's on `write_tree()`.  The user's own index is
never opened.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from reviewer.errors import TreeError

if TYPE_CHECKING:
    from reviewer.tree.gitrepo import GitOutput, GitRepo

__all__ = ["SparseIndex", "TempIndex"]


class TempIndex:
    def __init__(self, repo: GitRepo, path: str) -> None:
        self.repo, self.path = repo, path
        self.dir = os.path.dirname(path)

    def _git(self, *args: str, stdin: bytes | None = None) -> GitOutput:
        return self.repo._git(*args, env={"GIT_INDEX_FILE": self.path}, stdin=stdin)

    def read_tree(self, commit: str) -> GitOutput:
        return self._git("read-tree", commit)

    def apply(self, patch_file: str, *, strip: int = 1, check: bool = False,
              reverse: bool = False, three_way: bool = False,
              context: int | None = None) -> GitOutput:
        """`git apply --cached -p<strip>` of `patch_file` to this index:
        `strip` is Patch.strip, 0 for a diff that names its paths without
        a/ b/ (`git diff --no-prefix`); `check`: only whether it would
        apply; `context`: the lines of context that must match."""
        flags = ["--check"] * check + ["-R"] * reverse + [f"-C{context}"] * (context is not None)
        flags.append(f"-p{strip}")
        if not three_way:
            return self._git("apply", "--cached", *flags, patch_file)
        flags.append("--3way")
        # A 3-way merge runs the merge driver that the attributes name, and
        # those come from this index, which the patches may have written (a
        # `* merge=x` .gitattributes).  So it runs in a repository of its own
        # over the same objects, with no config at all: no driver is defined,
        # nothing but git runs.
        return self.repo._git("apply", "--cached", *flags, patch_file, env={
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
        out = self._git("write-tree")
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
        if not wanted:  # a revision whose mails hold no diff
            from reviewer.tree.gitrepo import GitOutput  # gitrepo imports this module

            return GitOutput(0, "", "")
        listing = self.repo._git("ls-tree", "-r", "-z", "--full-tree", self.tree, "--", *wanted,
                                env={"GIT_LITERAL_PATHSPECS": "1"})
        if listing.status != 0:
            return listing
        for item in filter(None, listing.stdout.split("\0")):
            meta, _, name = item.partition("\t")
            mode, _kind, sha = meta.split(" ")
            self.files[name] = (mode, sha)
        return self._git("update-index", "-z", "--index-info", stdin=listing.stdout.encode())

    def write_tree(self) -> str:
        out = self._git("ls-files", "-s", "-z")
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
    with repo._objects:
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
