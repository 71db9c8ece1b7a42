"""reviewer.review() in a child process, so the UI thread keeps the interpreter.

Apply and check are CPU-bound Python (mail parsing, tree-sitter walks).  Run
in a thread they hold the GIL for 5 ms slices at a time and a key pressed
while they run waits 100 ms or more.  The child gets the opened source
(pickled: ~20 ms for 1,000 mails) and the options, runs the core's one entry
point and sends each of its events back as it comes; the parent's worker
thread only waits on the pipe.

The child comes from a fork server that has already imported `reviewer`, so
it starts in milliseconds and shares nothing with the UI's threads.  It runs
with the parent's environment and directory as they are *now* (the fork
server keeps those of its own start), and writes nothing to the terminal.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from multiprocessing import forkserver, resource_tracker
from multiprocessing.connection import Connection
from typing import Any

import reviewer
from tui.session import Inputs, Problem, compare_inputs

POLL_S = 0.05  # how often the parent looks at the cancel flag while it waits


@dataclass(frozen=True)
class Crashed:
    """The child ended without finishing (a bug of ours, or it was killed)."""

    problem: Problem


@dataclass(frozen=True)
class ComparedAhead:
    """Two neighbouring revisions of a series compared by the child once the
    checks are done, with their final results: the compare screen then
    opens on a finished comparison (see AHEAD_PAIRS)."""

    series: int
    old: str  # labels
    new: str
    comparison: reviewer.Comparison
    inputs: Inputs  # what it was made with


Event = reviewer.Event | Crashed | ComparedAhead
# Neighbouring pairs of each series compared ahead, the newest first: what
# `c` on the matrix asks for (a revision and the one before it), up to a
# bound for series re-posted without end.
AHEAD_PAIRS = 24


def _context() -> multiprocessing.context.ForkServerContext | multiprocessing.context.SpawnContext:
    if "forkserver" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("forkserver")
    return multiprocessing.get_context("spawn")


def prepare() -> None:
    """Start the fork server (and multiprocessing's resource tracker) now,
    before Textual takes over stdout/stderr: its stand-ins have no file
    descriptor, and both helpers pass stderr's on to the process they start."""
    ctx = _context()
    saved = sys.stderr
    sys.stderr = sys.__stderr__ or saved
    try:
        resource_tracker.ensure_running()
        if ctx.get_start_method() == "forkserver":
            ctx.set_forkserver_preload(["reviewer"])
            forkserver.ensure_running()
    finally:
        sys.stderr = saved


class Analysis:
    """One run of the work in a child process; start it early (its start
    overlaps the parent's parsing), then read its events with `batches()`.
    Call `prepare()` once before the UI starts."""

    def __init__(self) -> None:
        ctx = _context()
        self._conn, child_conn = ctx.Pipe()
        self._stop = ctx.Event()
        # not a daemon: it starts the checks' worker processes (reviewer.run)
        self._proc = ctx.Process(target=_child, name="reviewer-analysis", daemon=False,
                                 args=(child_conn, self._stop, dict(os.environ), os.getcwd()))
        self._proc.start()
        child_conn.close()

    @property
    def pid(self) -> int | None:
        return self._proc.pid

    def __enter__(self) -> Analysis:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def batches(self, opened: reviewer.Opened, options: reviewer.Options,
                cancelled: Callable[[], bool], every: float = 0) -> Iterator[list[Event]]:
        """Send the work and yield reviewer.review()'s events until it
        finishes or the child dies; `cancelled` is asked while waiting and
        tells the child to stop.  The events come in lists at most one per
        `every` seconds: an event after a quiet spell comes at once, the
        ones hard behind it together (the last one, Finished or Crashed,
        without waiting); with `every` 0, each alone as it comes."""
        # the UI comes first: the child and its check workers yield the CPU to it
        options = replace(options, background=True)
        if options.tree:  # the child runs in the directory of now, but be sure
            options = replace(options, tree=os.path.abspath(options.tree))
        self._conn.send((opened, options))
        batch: list[Event] = []
        due = 0.0  # when the batch may go
        while True:
            if cancelled():
                self._stop.set()
            wait = min(POLL_S, max(0.0, due - time.monotonic())) if batch else POLL_S
            if self._conn.poll(wait):
                try:
                    event: Event = self._conn.recv()
                except (EOFError, OSError):
                    yield [*batch, self._died()]
                    return
                batch.append(event)
                if isinstance(event, reviewer.Finished | Crashed):
                    yield batch
                    yield from self._ahead(cancelled)
                    return
            elif not self._proc.is_alive() and not self._conn.poll():
                yield [*batch, self._died()]
                return
            if batch and time.monotonic() >= due:
                yield batch
                batch, due = [], time.monotonic() + every

    def _ahead(self, cancelled: Callable[[], bool]) -> Iterator[list[Event]]:
        """The child's comparisons after the end of the run, one by one,
        until it exits (or the user stops it)."""
        while not cancelled():
            try:
                if self._conn.poll(POLL_S):
                    yield [self._conn.recv()]
                elif not self._proc.is_alive() and not self._conn.poll():
                    return
            except (EOFError, OSError):
                return
        self._stop.set()

    def _died(self) -> Crashed:
        self._proc.join(timeout=1)
        return Crashed(Problem("internal error", "the analysis process ended unexpectedly "
                                                 f"(exit code {self._proc.exitcode})"))

    def close(self) -> None:
        """Stop the child (it finishes the step it is in: refs stay clean)."""
        self._stop.set()
        try:
            self._conn.close()
        finally:
            self._proc.join(timeout=5)
            if self._proc.is_alive():
                self._proc.terminate()  # apply turns SIGTERM into a clean stop too
                self._proc.join()


# -- the child ----------------------------------------------------------------

def _child(conn: Connection, stop: Any, env: dict[str, str], cwd: str) -> None:
    _quiet()
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    try:
        opened, options = conn.recv()
    except (EOFError, OSError):
        return  # the parent gave up before sending the work
    applies: dict[int, dict[str, reviewer.ApplyResult]] = {}
    reports: dict[int, dict[str, reviewer.RevisionReport]] = {}
    done = False
    try:
        for event in reviewer.review(opened, options, stop.is_set):
            conn.send(event)
            match event:
                case reviewer.RevisionApplied(si, result):
                    applies.setdefault(si, {})[result.label] = result
                case reviewer.RevisionChecked(si, report):
                    reports.setdefault(si, {})[report.label] = report
                case reviewer.Finished(state):
                    done = state is reviewer.RunState.DONE
        if done:  # the run's workers have ended: its results only
            _compare_ahead(conn, stop, opened, options, applies, reports)
    except Exception as exc:
        conn.send(Crashed(Problem.of(exc)))
    except KeyboardInterrupt:  # a signal stopped apply cleanly
        conn.send(reviewer.Finished(reviewer.RunState.CANCELLED, 0, 0))


def _compare_ahead(conn: Connection, stop: Any, opened: reviewer.Opened,
                   options: reviewer.Options,
                   applies: dict[int, dict[str, reviewer.ApplyResult]],
                   reports: dict[int, dict[str, reviewer.RevisionReport]]) -> None:
    """Each series' newest neighbouring revisions compared, newest first,
    on the run's results; a pair that fails is left to the compare screen,
    which says why when it is asked for."""
    for si, series in enumerate(opened.series):
        labels = [rev.label for rev in series.revisions]
        pairs = list(zip(labels, labels[1:], strict=False))[::-1][:AHEAD_PAIRS]
        applied, checked = applies.get(si, {}), reports.get(si, {})
        for old, new in pairs:
            if stop.is_set():
                return
            try:
                comparison = reviewer.compare_pair(series, old, new, options, applied, checked)
            except Exception:  # noqa: S112  # asked again, and explained, on the screen
                continue
            conn.send(ComparedAhead(si, old, new, comparison,
                                    compare_inputs(old, new, checked, applied)))


def _quiet() -> None:
    """The terminal belongs to the UI: anything the child (or a tool it runs)
    prints would be drawn over the screen."""
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)
