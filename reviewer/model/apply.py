"""What applying a revision to a tree gave: the base chosen and why, and each
patch's outcome.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = ["ApplyFailure", "ApplyResult", "BaseChoice", "BaseSource", "PatchApply", "PatchStatus"]


class PatchStatus(enum.StrEnum):
    APPLIED = "applied"
    APPLIED_3WAY = "applied-3way"
    ALREADY_APPLIED = "already-applied"
    FAILED = "failed"
    NOT_TRIED = "not-tried"  # an earlier patch of the revision failed

    @property
    def ok(self) -> bool:
        return self in (PatchStatus.APPLIED, PatchStatus.APPLIED_3WAY, PatchStatus.ALREADY_APPLIED)


@dataclass(frozen=True)
class ApplyFailure:
    file: str | None
    hunk: int | None  # 1-based hunk number within the file
    line: int | None  # pre-image line the hunk expected
    reason: str


@dataclass(frozen=True)
class PatchApply:
    index: int
    title: str
    status: PatchStatus
    commit: str | None
    failure: ApplyFailure | None = None  # also why an approximate patch missed exactly
    # Applied only with reduced context (`--fuzzy`, `git apply -C1`): the tree
    # it gives is a guess, and so is every tree-level result on it.
    approximate: bool = False


class BaseSource(enum.StrEnum):
    """What chose a revision's base, strongest evidence first."""

    OPTION = "--base"  # the user's --base, over any evidence
    BASE_COMMIT = "base-commit"  # the mail's `base-commit:` trailer
    BLOBS = "blobs"  # the pre-image blob ids of the patches' `index` lines
    RELEASE = "release"  # a release the cover or changelog names, as a tag
    HEAD = "HEAD"  # no evidence: the tree's HEAD


@dataclass(frozen=True)
class BaseChoice:
    commit: str
    source: BaseSource
    reason: str  # everything weighed, in a sentence ("no base-commit in the mail; blobs: …")
    evidence: str = ""  # what chose it, short: "blobs: 3/3 pre-images at overlayfs-next"
    name: str | None = None  # a ref naming the commit ("overlayfs-next", "v5.7-rc5")
    matched: int = 0  # pre-image blobs of the revision found at the commit …
    blobs: int = 0  # … of this many (files the series changes and does not create)
    release: str | None = None  # the release the mails name ("v5.7-rc5"), found or not

    @property
    def label(self) -> str:
        """The name when there is one, else the short commit id."""
        return self.name or self.commit[:12]


@dataclass(frozen=True)
class ApplyResult:
    version: int
    base: BaseChoice | None  # None when no base could be chosen
    patches: tuple[PatchApply, ...]
    ref: str | None  # refs/reviewer/... holding the tip when anything applied
    error: str | None = None  # revision-level problem (e.g. no usable base)
    # When a patch did not apply: what to try (the base the mail names,
    # --base, --fuzzy …), once for the revision rather than on every patch.
    advice: tuple[str, ...] = ()
    label: str = ""  # the revision's label (Revision.label)

    @property
    def applied(self) -> bool:
        return bool(self.patches) and all(p.status.ok for p in self.patches)

    @property
    def tip(self) -> str | None:
        commits = [p.commit for p in self.patches if p.commit]
        return commits[-1] if commits else None

    @property
    def approximate(self) -> bool:
        """Some patch applied only with reduced context (`--fuzzy`)."""
        return any(p.approximate for p in self.patches)

    @property
    def failed(self) -> PatchApply | None:
        return next((p for p in self.patches if p.status is PatchStatus.FAILED), None)

    def commit_after(self, index: int) -> str | None:
        """The commit holding the tree after patch `index` (1-based)."""
        for p in self.patches:
            if p.index == index:
                return p.commit
        return None
