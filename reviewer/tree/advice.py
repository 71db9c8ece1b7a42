"""What to say when a revision does not apply: where a missing file went
(a rename in the tree's history, e.g. `fs/cifs` → `fs/smb/client`), and
what to try, once per revision: the base the mail names, `--base`,
`--fuzzy`."""

from __future__ import annotations

import posixpath
import time

from reviewer.model import BaseChoice, BaseSource, Revision
from reviewer.tree.gitrepo import GitRepo

__all__ = ["MissingFiles", "revision_advice"]

# Looking for the commit that removed a path walks history back from the
# base: bounded for the revision as a whole, as a file that never existed
# would walk all of it.
RENAME_BUDGET_S = 10.0
_SAME_NAME_SHOWN = 3


class MissingFiles:
    """Explains files a patch changes that are not in the base; asks git
    at most once per base for the tree's history and its file list."""

    def __init__(self, repo: GitRepo, base: str) -> None:
        self.repo, self.base = repo, base
        self.created: dict[str, int] = {}  # path → the patch of the revision creating it
        self._history: bool | None = None
        self._files: list[str] | None = None
        self._budget = RENAME_BUDGET_S

    def explain(self, path: str) -> str:
        """`fs/cifs/cifsfs.c does not exist in the base` and why, in one line."""
        head = f"{path} does not exist in the base"
        if path in self.created:
            return f"{head}: patch {self.created[path]} creates it"
        if self._history is None:
            self._history = self.repo.has_history(self.base)
        if not self._history:
            where = self._same_name(path)
            return (f"{head}; the tree has no history to look for a rename"
                    + (f"; a file of the same name is at {where}" if where else ""))
        if self._budget <= 0:
            return f"{head}; no time left to look for a rename in the history"
        start = time.monotonic()
        removal = self.repo.removal(self.base, path, self._budget)
        self._budget -= time.monotonic() - start
        if removal is None:
            where = self._same_name(path)
            return (f"{head} (nor in its history)"
                    + (f"; a file of the same name is at {where}" if where else ""))
        if removal.timed_out:
            return f"{head}; no rename found in {RENAME_BUDGET_S:.0f} s of history search"
        by = f"{(removal.commit or '')[:12]} (\"{removal.subject[:60]}\")"
        if removal.renamed_to:
            return f"{head}: renamed to {removal.renamed_to} by {by}; the series predates it"
        return f"{head}: removed by {by}"

    def _same_name(self, path: str) -> str:
        """Files elsewhere in the base with the same name, when few: the
        closest guess without history (a moved directory keeps its names)."""
        if self._files is None:
            self._files = self.repo.file_paths(self.base)
        name = posixpath.basename(path)
        found = [f for f in self._files if posixpath.basename(f) == name]
        if len(found) > _SAME_NAME_SHOWN:
            parent = posixpath.basename(posixpath.dirname(path))
            found = [f for f in found if parent and f"/{parent}/" in f"/{f}"]
        return ", ".join(found) if 0 < len(found) <= _SAME_NAME_SHOWN else ""


def revision_advice(repo: GitRepo, revision: Revision, base: BaseChoice,
                    fuzzy: bool) -> tuple[str, ...]:
    """What to try when a patch of `revision` did not apply on `base` (the
    base's own reason already says what its evidence was)."""
    out: list[str] = []
    if revision.base_commit and base.source is not BaseSource.BASE_COMMIT \
            and not repo.resolve(revision.base_commit):
        out.append(f"the mail's base-commit {revision.base_commit[:12]} is not in this tree: "
                   "fetch it, then run again")
    if base.release and base.release != base.name:
        if repo.resolve(f"refs/tags/{base.release}"):
            out.append(f"the mail names {base.release}: try --base {base.release}")
        else:
            out.append(f"the mail names {base.release}, which this tree does not have: fetch "
                       f"it (git fetch <remote> tag {base.release}) and run again")
    if base.source is BaseSource.OPTION:
        out.append(f"--base {base.name} does not fit: give the tree the series was written on")
    else:
        out.append("--base REF puts the series on the tree it was written on")
    if not fuzzy:
        out.append("--fuzzy retries with less context (what applies so is marked approximate)")
    return tuple(out)
