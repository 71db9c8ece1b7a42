"""SOURCE → Thread → Series: the first three stages in one call, used by the
CLI and the TUI alike."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reviewer.errors import SourceError
from reviewer.mail.revisions import group_series
from reviewer.mail.sources import Loaded, load
from reviewer.mail.thread import build_thread
from reviewer.model import Revision, Series, Thread

__all__ = ["Opened", "open_source"]


@dataclass(frozen=True)
class Opened:
    loaded: Loaded
    thread: Thread
    series: tuple[Series, ...]

    def find(self, label: str) -> tuple[Series, Revision]:
        """`v2` (or `2`, `v4.1`, `v3-resend`) in the first series that has it."""
        for series in self.series:
            if (rev := series.find(label)) is not None:
                return series, rev
        known = ", ".join(r.label for s in self.series for r in s.revisions)
        raise SourceError(f"no revision {label!r} in the thread (have: {known})")


def open_source(source: str | Path) -> Opened:
    loaded = load(source)
    thread = build_thread(loaded.messages)
    series = tuple(group_series(thread))
    if not series:
        raise SourceError(f"{source}: no patches found in {len(loaded.messages)} mail(s)")
    return Opened(loaded, thread, series)
