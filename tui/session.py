"""What the app knows about the thread under review: the opened source, the
apply and check results and the signatures as they arrive, the review
state of each series, and the reviewer's own marks and comments.  The app
owns one `Session` and screens read it; nothing here imports Textual."""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TypeVar

import reviewer
from tui import states
from tui.notes import ReviewNotes

Key = tuple[int, str]  # (series index, revision label)
# What a comparison of two revisions was made with: each checked, each
# applied.  One made with less is made again when more has arrived.
Inputs = tuple[bool, bool, bool, bool]


_K = TypeVar("_K")


def compare_inputs(old: _K, new: _K, checked: Container[_K], applied: Container[_K]) -> Inputs:
    return old in checked, new in checked, old in applied, new in applied
FAMILIES = ("POL", "RACE")  # always shown, even before a family has rules


@dataclass(frozen=True)
class Problem:
    """An error the user can act on: a title and a message."""

    title: str
    message: str

    @classmethod
    def of(cls, exc: Exception) -> Problem:
        """A ReviewerError says what went wrong; anything else is a bug of
        ours, shown in place all the same (a traceback would wreck the screen)."""
        if isinstance(exc, reviewer.ReviewerError):
            return cls(exc.title, str(exc))
        return cls("internal error", f"{exc.__class__.__name__}: {exc}")


@dataclass(frozen=True)
class Place:
    """Where a message sits: its series, revision and patch (0 = cover)."""

    series: int
    label: str  # the revision's label
    patch: int | None


@dataclass
class Session:
    source: str
    options: reviewer.Options  # how to open, apply and check (the command line's)
    opened: reviewer.Opened | None = None
    problem: Problem | None = None
    state: str = "loading"  # loading, applying, checking, done, cancelled, failed
    applies: dict[Key, reviewer.ApplyResult] = field(default_factory=dict)
    reports: dict[Key, reviewer.RevisionReport] = field(default_factory=dict)
    # per revision, patch index → what its signatures attest (0: the cover)
    attested: dict[Key, dict[int, reviewer.Attestation]] = field(default_factory=dict)
    attest_problem: str | None = None  # why there are no signatures to show
    # series index → its entry in the review state store (None: not tracked)
    tracked: dict[int, reviewer.TrackedSeries | None] = field(default_factory=dict)
    notes: ReviewNotes = field(default_factory=ReviewNotes)  # kept through re-runs
    # (old, new) → their comparison on this run's final results (the child's),
    # with what it had of them (old, new checked; old, new applied)
    ahead: dict[tuple[Key, Key], tuple[Inputs, reviewer.Comparison]] = field(
        default_factory=dict)
    _places: dict[str, Place] | None = None
    _sorted: dict[Key, tuple[reviewer.RevisionReport, tuple[reviewer.Finding, ...]]] = field(
        default_factory=dict)
    _trailers: dict[Key, reviewer.TrailerCounts] = field(default_factory=dict)

    @property
    def tree(self) -> str | None:
        return self.options.tree

    @property
    def title(self) -> str:
        return Path(self.source).name

    @cached_property
    def families(self) -> tuple[str, ...]:
        found = {r.family for r in reviewer.all_rules()}
        return tuple(sorted(found | set(FAMILIES)))

    def revisions(self) -> list[tuple[Key, reviewer.Revision]]:
        if self.opened is None:
            return []
        return [((si, rev.label), rev) for si, series in enumerate(self.opened.series)
                for rev in series.revisions]

    def series(self, key: Key) -> reviewer.Series:
        assert self.opened is not None
        return self.opened.series[key[0]]

    def revision(self, key: Key) -> reviewer.Revision:
        return self.series(key).revision(key[1])

    def findings(self, key: Key) -> tuple[reviewer.Finding, ...]:
        """The revision's findings, errors first (then as the checks told them)."""
        report = self.reports.get(key)
        if report is None:
            return ()
        if report is not self._sorted.get(key, (None, ()))[0]:
            ordered = tuple(sorted(report.findings, key=lambda f: -f.severity.rank))
            self._sorted[key] = (report, ordered)
        return self._sorted[key][1]

    def trailers(self, key: Key) -> reviewer.TrailerCounts:
        """Acked·Reviewed·Tested given in replies to the revision."""
        if key not in self._trailers:
            self._trailers[key] = reviewer.trailer_counts(
                reviewer.given_trailers(self.revision(key)))
        return self._trailers[key]

    def patch_apply(self, key: Key, index: int) -> reviewer.PatchApply | None:
        result = self.applies.get(key)
        if result is None:
            return None
        return next((p for p in result.patches if p.index == index), None)

    def apply_state(self, key: Key) -> str:
        """Why there is no apply result for this revision (yet)."""
        if key in self.applies:
            result = self.applies[key]
            if result.error:
                return f"not applied: {result.error}"
            return "applied" if result.applied else "not applied"
        if self.tree is None:
            return "not applied: no tree given (--tree PATH)"
        if self.problem is not None:
            return f"not applied: {self.problem.message}"
        if self.state in ("cancelled", "failed", "done"):
            return f"not applied (work {self.state})"
        return "waiting to be applied…"

    def place(self, msgid: str) -> Place | None:
        """The series/revision/patch a message belongs to (built once)."""
        if self._places is None:
            places: dict[str, Place] = {}
            for (si, label), rev in self.revisions():
                if rev.cover is not None:
                    places[rev.cover.msgid] = Place(si, label, 0)
                for p in rev.patches:
                    # a patch carried into a partial respin stays where it was sent
                    places.setdefault(p.msgid, Place(si, label, p.index))
                for reply in rev.replies:
                    places.setdefault(reply.message.msgid, Place(si, label, reply.patch_index))
            self._places = places
        return self._places.get(msgid)

    def review_state(self, series: int) -> str:
        return states.describe(self.tracked.get(series))

    def review_line(self) -> str:
        """Every series' review state: `reviewing`, or `S1 new · S2 replied`."""
        count = len(self.opened.series) if self.opened else 0
        if count < 2:
            return self.review_state(0)
        return " · ".join(f"S{i + 1} {self.review_state(i)}" for i in range(count))

    def label(self, msgid: str) -> str:
        place = self.place(msgid)
        return place.label if place else ""

    def reset_results(self) -> None:
        self.applies.clear()
        self.reports.clear()
        self.ahead.clear()
