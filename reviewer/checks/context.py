"""What a rule sees: one revision, the revisions before it, the apply result
and read access to the base and applied trees."""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from reviewer.checks.registry import Rule, Skipped
from reviewer.checks.tags import tagged_people
from reviewer.config import Config
from reviewer.mail.people import Identities
from reviewer.model import (
    ApplyResult,
    ChangedLines,
    Finding,
    Level,
    Patch,
    PatchStatus,
    Revision,
    Series,
    Severity,
)
from reviewer.store.cache import ResultCache
from reviewer.tree.gitrepo import GitRepo

__all__ = ["CheckContext", "RevisionInput", "fingerprint"]

T = TypeVar("T")
_NUMBERS = re.compile(r"\d+")


def fingerprint(rule_id: str, file: str | None, key: str) -> str:
    """Same rule + file + key → same fingerprint, whatever the line or the
    revision, so a problem that persists into v2 is recognised there."""
    text = f"{rule_id}\0{file or ''}\0{' '.join(key.split())}"
    return hashlib.sha1(text.encode()).hexdigest()[:16]


@dataclass
class RevisionInput:
    """Everything the rules of one revision share (and their memo, which
    rules running in threads fill one key at a time)."""

    series: Series
    revision: Revision
    previous: Revision | None
    apply: ApplyResult | None
    repo: GitRepo | None
    config: Config
    cache: ResultCache | None = None  # the user's cache, for work shared across runs
    memo: dict[str, Any] = field(default_factory=dict)
    _locks: dict[str, threading.RLock] = field(default_factory=dict, repr=False)
    _guard: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def lock(self, key: str) -> threading.RLock:
        with self._guard:
            return self._locks.setdefault(key, threading.RLock())


class CheckContext:
    def __init__(self, data: RevisionInput, rule: Rule) -> None:
        self.data = data
        self.rule = rule
        self.used_tree = False  # set once the rule reads the applied tree

    @property
    def revision(self) -> Revision:
        return self.data.revision

    @property
    def previous(self) -> Revision | None:
        return self.data.previous

    @property
    def series(self) -> Series:
        return self.data.series

    @property
    def config(self) -> Config:
        return self.data.config

    @property
    def repo(self) -> GitRepo | None:
        return self.data.repo

    def mailed_patches(self) -> list[Patch]:
        """The patches that came in mails, for rules about the sender, the
        recipients or the subject line; Skipped when every patch came from
        a file without mail headers (a bare diff, a quilt patch)."""
        mailed = [p for p in self.revision.patches if p.message.has_headers]
        if self.revision.patches and not mailed:
            raise Skipped("no mail headers (read from a patch file: no sender, recipients "
                          "or subject line)")
        return mailed

    @property
    def applied(self) -> bool:
        """True when every patch applied, so tree-level checks can run."""
        res = self.data.apply
        return self.data.repo is not None and res is not None and res.applied

    @property
    def base(self) -> str | None:
        res = self.data.apply
        return res.base.commit if res is not None and res.base is not None else None

    def base_file(self, path: str) -> str | None:
        """A file at the revision's base commit (never the patched tree)."""
        if self.repo is None or self.base is None:
            return None
        data = self.repo.read_file(self.base, path)
        return None if data is None else data.decode("utf-8", "replace")

    def post_file(self, path: str, after_patch: int | None = None) -> str | None:
        """A file in the applied tree, after the whole revision or patch k."""
        if not self.applied or self.repo is None or self.data.apply is None:
            return None
        commit = (self.data.apply.tip if after_patch is None
                  else self.data.apply.commit_after(after_patch))
        if commit is None:
            return None
        data = self.repo.read_file(commit, path)
        self.used_tree = True
        return None if data is None else data.decode("utf-8", "replace")

    def applied_changes(self, patch_index: int) -> dict[str, ChangedLines]:
        """Where patch k changed each file of the applied tree, in the tree's
        line numbers (a hunk may land far from the line its header gives).
        A patch found already applied is taken back out to see where it is.
        Empty when the revision did not apply."""
        res, repo = self.data.apply, self.repo
        if not self.applied or res is None or repo is None or res.base is None:
            return {}
        pos = next((i for i, p in enumerate(res.patches) if p.index == patch_index), None)
        commit = res.patches[pos].commit if pos is not None else None
        patch = next((p for p in self.revision.patches if p.index == patch_index), None)
        if pos is None or commit is None or patch is None:
            return {}
        paths = [p for f in patch.files for p in (f.old_path, f.new_path) if p]
        before: str | None = res.patches[pos - 1].commit if pos else res.base.commit
        if res.patches[pos].status is PatchStatus.ALREADY_APPLIED:
            before = repo.without_patch(commit, patch.diff, paths)
        if before is None:
            return {}
        self.used_tree = True
        return repo.changed_lines(before, commit, paths)

    def identities(self) -> Identities:
        """Who is who in this series (reviewer.mail.people): every address
        its mails show, senders, recipients, in-body authors and sign-offs,
        joined by full name and, with a tree, the base's `.mailmap`."""
        def build() -> Identities:
            mails = [m for r in self.series.revisions
                     for m in ([r.cover] if r.cover else []) + [p.message for p in r.patches]
                     + [x.message for x in r.replies]]
            seen = [a for m in mails for a in (m.sender, *m.recipients)]
            seen += [a for p in self.revision.patches
                     for a in (p.author, *tagged_people(p, "signed-off-by"))]
            return Identities.of(seen, self.base_file(".mailmap"))

        return self.memo("identities", build)

    def memo(self, key: str, compute: Callable[[], T]) -> T:
        """Work shared by the rules of one revision (e.g. one C analysis);
        whether it read the applied tree carries over to every rule using it."""
        with self.data.lock(key):  # one computation, the other rules wait for it
            if key not in self.data.memo:
                before, self.used_tree = self.used_tree, False
                self.data.memo[key] = (compute(), self.used_tree)
                self.used_tree = before
        value, used = self.data.memo[key]
        self.used_tree |= used
        result: T = value
        return result

    def report(self, message: str, *, patch: int | None = None, file: str | None = None,
               line: int | None = None, key: str | None = None,
               severity: Severity | None = None, level: Level | str = Level.DIFF,
               patches: tuple[int, ...] = ()) -> Finding:
        """A finding of this rule.  `key` names the problem independently of
        line numbers (a symbol, a statement); by default the message with
        its numbers removed.  `patches`: every patch the one cause covers
        when more than `patch` (e.g. a broken-build range)."""
        level = Level(level)
        self.used_tree |= level is Level.TREE
        return Finding(
            rule_id=self.rule.id,
            severity=severity or self.rule.severity,
            message=message,
            version=self.revision.version,
            revision=self.revision.label,
            patches=patches or ((patch,) if patch else ()),
            patch=patch,
            file=file,
            line=line,
            level=level,
            fingerprint=fingerprint(self.rule.id, file, key if key is not None
                                    else _NUMBERS.sub("#", message)),
        )
