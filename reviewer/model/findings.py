"""What the checks report and how a run went: severities, levels, findings,
rule outcomes, review and attestation states.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = [
    "AttestMethod",
    "AttestStatus",
    "Finding",
    "Level",
    "LineSide",
    "OutcomeStatus",
    "Phase",
    "ReviewState",
    "RunState",
    "Scope",
    "Severity",
]


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "info": 1}[self.value]


class Level(enum.StrEnum):
    """What a finding (or a rule) read: the mails, or the applied tree."""

    DIFF = "diff"
    TREE = "tree"


@dataclass(frozen=True)
class Finding:
    rule_id: str
    severity: Severity
    message: str
    version: int
    patch: int | None  # 1-based patch index, None for the revision as a whole
    file: str | None
    line: int | None  # post-image line
    level: Level
    fingerprint: str  # stable across revisions for the same problem
    approximate: bool = False  # read a tree that applied only with `--fuzzy`
    revision: str = ""  # the revision's label (`v4.1`); `version` is its number
    # Every patch the one cause covers (a broken-build range, or the same
    # problem repeated on several patches), `patch` being the first.
    patches: tuple[int, ...] = ()

    @property
    def label(self) -> str:
        return self.revision or f"v{self.version}"

    def covers(self, index: int) -> bool:
        return index == self.patch or index in self.patches


class LineSide(enum.StrEnum):
    """What a line number of a diff counts."""

    NEW = "new"  # lines of the post-image: context and added lines
    OLD = "old"  # lines of the pre-image: context and removed lines
    HUNK = "hunk"  # the hunks of the patch: the number is a hunk's, its header is meant


class ReviewState(enum.StrEnum):
    """Where the user's review of a series stands (reviewer.store.state)."""

    NEW = "new"
    REVIEWING = "reviewing"
    REPLIED = "replied"
    WAITING = "waiting"  # for a new revision
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    SNOOZED = "snoozed"  # until a date, then back to the state before


class AttestMethod(enum.StrEnum):
    PATATT = "patatt"  # X-Developer-Signature, the author's own key
    DKIM = "dkim"  # DKIM-Signature, the sending domain's key (in DNS)


class AttestStatus(enum.StrEnum):
    VALID = "valid"
    BAD = "bad"  # the signature does not verify: the mail changed, or is forged
    NO_KEY = "no-key"  # signed, but the key is not available here
    NOT_CHECKED = "not-checked"  # DKIM without DNS (offline, or not asked)
    UNSIGNED = "unsigned"

    @property
    def rank(self) -> int:
        """Higher is more worth showing: VALID only wins when it is the sender's."""
        return {"unsigned": 0, "not-checked": 1, "no-key": 2, "valid": 3, "bad": 4}[self.value]


class Scope(enum.StrEnum):
    """What a rule looks at (reviewer.checks.registry)."""

    MESSAGE = "message"  # one mail's headers and text
    PATCH = "patch"  # one patch's diff
    REVISION = "revision"  # all patches of a revision together
    SERIES = "series"  # a revision against the ones before it
    TREE = "tree"  # the applied tree


class OutcomeStatus(enum.StrEnum):
    """How a rule's run on a revision went."""

    RAN = "ran"
    SKIPPED = "skipped"  # it could not run here (no tree, no perl): the reason says why
    ERROR = "error"  # it crashed; the other rules still ran


class Phase(enum.StrEnum):
    """What a review run is doing (reviewer.run)."""

    APPLYING = "applying"
    CHECKING = "checking"
    READING_TREE = "reading the tree"  # a base tree's C source, for its kernel facts (bytes)


class RunState(enum.StrEnum):
    """How a review run ended."""

    DONE = "done"
    CANCELLED = "cancelled"
    FAILED = "failed"
