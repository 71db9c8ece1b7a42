"""The review state of the series on screen, read and written through
`reviewer.ReviewStates` as `reviewer state`, `revisions` and `check` do.
These run in worker threads (SQLite waits on other processes' locks); each
returns what it found and, when the store had to say something (a damaged
file moved aside), that one line.  No Textual here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import reviewer

T = TypeVar("T")


@dataclass(frozen=True)
class StateResult:
    """What the store holds for some series (index → its entry; None: not
    tracked), and a line the user should read, if any."""

    tracked: dict[int, reviewer.TrackedSeries | None]
    message: str | None = None
    error: bool = False  # the store could not be read or written: `message` says why


def guarded(access: Callable[[], StateResult]) -> StateResult:
    """`access()`; a failure becomes its one-line message."""
    try:
        return access()
    except reviewer.ReviewerError as exc:  # StateError: what, and where the file is
        return StateResult({}, str(exc), error=True)
    except Exception as exc:  # a bug of ours: shown all the same, the app goes on
        return StateResult({}, f"internal error: {exc.__class__.__name__}: {exc}", error=True)


def _with_store(use: Callable[[reviewer.ReviewStates], T]) -> tuple[T, str | None]:
    """`use(store)`, and the line to tell when the file was damaged."""
    states = reviewer.ReviewStates()
    try:
        warning = None
        if states.moved_aside is not None:
            where, why = states.moved_aside
            warning = (f"the review state {states.path} was damaged ({why}); moved to "
                       f"{where}, starting afresh")
        return use(states), warning
    finally:
        states.close()


def read_states(series: Sequence[reviewer.Series], source: str) -> StateResult:
    """Each series' entry; a tracked one also learns of a newer revision
    (as `reviewer revisions` records it).  No file is created for this."""
    if not reviewer.default_state_path().exists():
        return StateResult(dict.fromkeys(range(len(series))))
    found, warning = _with_store(
        lambda states: {i: states.refresh(one, source) for i, one in enumerate(series)})
    return StateResult(found, warning)


def set_state(series: Sequence[reviewer.Series], index: int, source: str,
              state: reviewer.ReviewState, until: dt.date | None = None) -> StateResult:
    tracked, warning = _with_store(
        lambda states: states.set_state(series[index], source, state, until))
    return StateResult({index: tracked}, warning)


def record_checks(series: Sequence[reviewer.Series], source: str,
                  reports: dict[tuple[int, str], reviewer.RevisionReport]) -> StateResult:
    """Keep each checked revision's summary for `reviewer list`, as
    `reviewer check` does (so a series checked here is tracked)."""
    def record(states: reviewer.ReviewStates) -> dict[int, reviewer.TrackedSeries | None]:
        out: dict[int, reviewer.TrackedSeries | None] = {}
        for (si, _label), report in sorted(reports.items(),
                                           key=lambda kv: (kv[0][0], kv[1].order)):
            out[si] = states.record_check(series[si], source, report.version, report.findings)
        return out

    found, warning = _with_store(record)
    return StateResult(found, warning)


def describe(tracked: reviewer.TrackedSeries | None, today: dt.date | None = None) -> str:
    """`reviewing`, `snoozed until 2024-06-01`, `waiting, v3 is out`; an
    untracked series is new."""
    return reviewer.ReviewState.NEW.value if tracked is None else tracked.describe(today)
