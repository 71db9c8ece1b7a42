"""What `reviewer.review()` yields, in this order: `SourceOpened` (when it
opened the source itself), `Started`, then `RevisionApplied`,
`RevisionChecked` and `Progress` as the work is done, `Failed` for a
problem, `Notice` for what the user should hear once (a damaged cache
started anew), and always `Finished` last.  Frozen and picklable: the TUI's child
process sends them to the UI as they are."""

from __future__ import annotations

from dataclasses import dataclass

from reviewer.checks.engine import RevisionReport
from reviewer.errors import ReviewerError
from reviewer.model import ApplyResult, Phase, RunState
from reviewer.pipeline import Opened

__all__ = ["Event", "Failed", "Finished", "Notice", "Progress", "RevisionApplied",
           "RevisionChecked", "SourceOpened", "Started"]


@dataclass(frozen=True)
class SourceOpened:
    opened: Opened


@dataclass(frozen=True)
class Started:
    total: int  # steps: one per revision to apply, one per revision to check
    phase: Phase  # the first phase
    tree: bool  # a tree is used: revisions are applied


@dataclass(frozen=True)
class RevisionApplied:
    series: int  # index in Opened.series
    result: ApplyResult


@dataclass(frozen=True)
class RevisionChecked:
    series: int
    report: RevisionReport


@dataclass(frozen=True)
class Progress:
    """Steps done of `total` (one per revision to apply and per revision to
    check); in Phase.READING_TREE, bytes of a tree's C source read."""

    phase: Phase
    done: int
    total: int


@dataclass(frozen=True)
class Notice:
    message: str  # one line, e.g. "the cache … was damaged and has been started anew"


@dataclass(frozen=True)
class Failed:
    """`fatal`: nothing more comes (the source cannot be read).  Otherwise
    the run goes on with less: an unusable tree or --base leaves the mails
    checked at diff level; the CLI treats every failure as fatal."""

    error: ReviewerError
    fatal: bool


@dataclass(frozen=True)
class Finished:
    state: RunState
    applied: int  # revisions every patch of which applied
    checked: int
    not_applied: int = 0  # revisions tried on the tree that did not apply


Event = (SourceOpened | Started | RevisionApplied | RevisionChecked | Progress | Notice | Failed
         | Finished)
