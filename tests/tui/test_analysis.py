"""The work runs in a child process (tui/analysis.py): it streams each
result as it is ready, stops when asked, uses the environment the UI has
*now* (not the fork server's), and a child that dies is reported, not waited
for forever.  The UI process tunes the interpreter only while the app runs."""

from __future__ import annotations

import asyncio
import gc
import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import alive, children

import reviewer
from bench.synth import synthetic_thread
from reviewer import Failed, Finished, RevisionApplied, RevisionChecked, Started
from reviewer.machine import BACKGROUND_NICE
from tests.tui.helpers import settle
from tui import analysis
from tui.analysis import Analysis, Crashed
from tui.app import make_app
from tui.screens import revisions
from tui.screens.revisions import RevisionsScreen
from tui.widgets.matrix import RevisionMatrix


def each(work: Analysis, opened: reviewer.Opened, options: reviewer.Options,
         cancelled=lambda: False) -> Iterator[analysis.Event]:  # type: ignore[no-untyped-def]
    """The work's events one by one, as they come."""
    for batch in work.batches(opened, options, cancelled):
        yield from batch


def _events(opened: reviewer.Opened, tree: Path | None, cancelled=lambda: False,  # type: ignore[no-untyped-def]
            ahead: bool = False) -> list[analysis.Event]:
    """The run's events; with `ahead`, the comparisons after its end too."""
    analysis.prepare()
    with Analysis() as work:
        events = list(each(work, opened, reviewer.Options(tree=str(tree) if tree else None),
                           cancelled))
    return [e for e in events if ahead or not isinstance(e, analysis.ComparedAhead)]


def test_results_stream_and_match_the_core(sample: tuple[Path, Path]) -> None:
    tree, thread = sample
    opened = reviewer.open_source(thread)
    events = [e for e in _events(opened, tree) if not isinstance(e, reviewer.Progress)]
    assert events[0] == Started(8, "applying", True)
    assert isinstance(events[-1], Finished) and events[-1] == Finished("done", 4, 4)
    applied = [e.result for e in events if isinstance(e, RevisionApplied)]
    checked = sorted((e.report for e in events if isinstance(e, RevisionChecked)),
                     key=lambda r: r.version)
    assert sorted(r.version for r in applied) == [r.version for r in checked] == [1, 2, 3, 4]
    assert all(r.applied for r in applied)
    # the same findings as the core run in this process
    repo = reviewer.GitRepo(tree)
    series = opened.series[0]
    here = reviewer.check_series(series, reviewer.apply_series(repo, series), repo,
                                 reviewer.load_config())
    assert [sorted(f.rule_id for f in r.findings) for r in checked] == \
        [sorted(f.rule_id for f in r.findings) for r in here]


def test_once_done_the_child_compares_neighbouring_revisions_newest_first(
        sample: tuple[Path, Path]) -> None:
    """After the run's end, each series' neighbouring revisions compared on
    the run's own results: what the compare screen then shows at once."""
    tree, thread = sample
    opened = reviewer.open_source(thread)
    events = _events(opened, tree, ahead=True)
    end = next(i for i, e in enumerate(events) if isinstance(e, Finished))
    ahead = events[end + 1:]
    assert all(isinstance(e, analysis.ComparedAhead) for e in ahead)
    assert [(e.series, e.old, e.new) for e in ahead] == [  # type: ignore[union-attr]
        (0, "v3", "v4"), (0, "v2", "v3"), (0, "v1", "v2")]
    applies = {e.result.label: e.result for e in events if isinstance(e, RevisionApplied)}
    reports = {e.report.label: e.report for e in events if isinstance(e, RevisionChecked)}
    here = reviewer.compare_pair(opened.series[0], "v3", "v4",
                                 reviewer.Options(tree=str(tree)), applies, reports)
    first = ahead[0]
    assert isinstance(first, analysis.ComparedAhead)
    assert first.comparison == here


def test_a_cancelled_run_compares_nothing_ahead(sample: tuple[Path, Path]) -> None:
    tree, thread = sample
    events = _events(reviewer.open_source(thread), tree, cancelled=lambda: True, ahead=True)
    assert not any(isinstance(e, analysis.ComparedAhead) for e in events)


def test_the_child_and_its_workers_yield_the_cpu_to_the_ui(sample: tuple[Path, Path]) -> None:
    """The analysis is the UI's background work: the child and its check
    workers run at a lower priority; the UI process keeps its own."""
    _tree, thread = sample
    opened = reviewer.open_source(thread)
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    analysis.prepare()
    with Analysis() as work:
        assert work.pid is not None
        seen: list[int] = []
        for event in each(work, opened, reviewer.Options(jobs=2)):
            if isinstance(event, Started):
                seen = [os.getpriority(os.PRIO_PROCESS, pid)
                        for pid in [work.pid, *children(work.pid)]]
    assert len(seen) == 3, "the child and its two workers"
    assert seen == [max(ours, BACKGROUND_NICE)] * 3
    assert os.getpriority(os.PRIO_PROCESS, 0) == ours


def test_results_hard_behind_each_other_come_together(sample: tuple[Path, Path]) -> None:
    """batches(every): an event after a quiet spell at once, the ones behind
    it within `every` together, the same events in the same order, and the
    end without waiting out `every`."""
    _tree, thread = sample
    opened = reviewer.open_source(thread)
    one_by_one = _events(opened, None, ahead=True)
    with Analysis() as work:
        start = time.monotonic()
        batches = list(work.batches(opened, reviewer.Options(), lambda: False, every=60))
        took = time.monotonic() - start
    run = [e for e in one_by_one if not isinstance(e, analysis.ComparedAhead)]
    assert [len(b) for b in batches[:2]] == [1, len(run) - 1]
    assert isinstance(batches[0][0], Started) and took < 60
    assert [type(e) for b in batches for e in b] == [type(e) for e in one_by_one]
    assert batches[1][-1] == Finished("done", 0, 4)
    # after the end, the comparisons made ahead, each as it comes
    assert [len(b) for b in batches[2:]] == [1, 1, 1]


async def test_the_app_repaints_once_per_batch_of_results(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Results that come together are one message (one repaint of the
    screens), and every one of them is shown."""
    thread = tmp_path / "big.mbox"
    thread.write_bytes(synthetic_thread(messages=120, revisions=12))
    monkeypatch.setattr(revisions, "RESULTS_BATCH_S", 60)
    arrived: list[int] = []  # the revisions checked, per message
    made = RevisionsScreen.ResultsArrived.__init__

    def counted(message: RevisionsScreen.ResultsArrived, run: int, applied: dict[Any, Any],
                checked: dict[Any, Any]) -> None:
        arrived.append(len(checked))
        made(message, run, applied, checked)

    monkeypatch.setattr(RevisionsScreen.ResultsArrived, "__init__", counted)
    app = make_app(str(thread), None)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        matrix = app.revisions.query_one(RevisionMatrix)
        rows = [matrix.cells(row) for row in range(matrix.row_count)]
    assert app.session.state == "done" and len(app.session.reports) == 12
    assert arrived == [12], "the results behind the start came together"
    assert all(cell.plain not in ("…", "–") for row in rows for cell in row[5:8])


def test_the_child_uses_the_environment_of_now(sample: tuple[Path, Path], tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    analysis.prepare()  # the fork server starts with the environment of before
    _tree, thread = sample
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    events = _events(reviewer.open_source(thread), None)
    assert events[-1] == Finished("done", 0, 4)
    assert list((tmp_path / "cache").rglob("*.sqlite*")), "the child wrote its cache elsewhere"


def test_a_bad_tree_is_reported_and_the_mails_still_checked(sample: tuple[Path, Path],
                                                            tmp_path: Path) -> None:
    _tree, thread = sample
    events = _events(reviewer.open_source(thread), tmp_path)
    assert isinstance(events[0], Failed) and not events[0].fatal
    assert events[1] == Started(4, "checking", False)
    assert events[-1] == Finished("done", 0, 4)


def test_cancelling_stops_between_revisions(tmp_path: Path) -> None:
    thread = tmp_path / "big.mbox"
    thread.write_bytes(synthetic_thread(messages=120, revisions=12))
    opened = reviewer.open_source(thread)
    seen: list[int] = []
    analysis.prepare()
    with Analysis() as work:
        for event in each(work, opened, reviewer.Options(), lambda: bool(seen)):
            if isinstance(event, RevisionChecked):
                seen.append(event.report.version)
    assert event == Finished("cancelled", 0, len(seen))
    assert 1 <= len(seen) < 12


def test_a_child_that_dies_is_reported(tmp_path: Path) -> None:
    thread = tmp_path / "big.mbox"
    thread.write_bytes(synthetic_thread(messages=120, revisions=12))
    opened = reviewer.open_source(thread)
    analysis.prepare()
    workers: set[int] = set()
    with Analysis() as work:
        events = []
        for event in each(work, opened, reviewer.Options(jobs=2)):
            events.append(event)
            if isinstance(event, RevisionChecked) and not workers and work.pid is not None:
                workers = children(work.pid)  # the checks' worker processes
                os.kill(work.pid, signal.SIGKILL)
    assert isinstance(events[-1], Crashed)
    assert "ended unexpectedly" in events[-1].problem.message
    deadline = time.monotonic() + 10
    while any(map(alive, workers)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(workers) == 2 and not any(map(alive, workers))


async def test_quitting_mid_work_leaves_no_child_behind(tmp_path: Path) -> None:
    thread = tmp_path / "big.mbox"
    thread.write_bytes(synthetic_thread(messages=120, revisions=12))
    app = make_app(str(thread), None)
    async with app.run_test(size=(120, 40)) as pilot:
        while not app.session.reports:
            await pilot.pause(0.02)
        assert multiprocessing.active_children()
        await pilot.press("q")
    for _ in range(100):  # the child ends the step it is in, then stops
        if not multiprocessing.active_children():
            break
        await asyncio.sleep(0.05)
    assert not multiprocessing.active_children()


async def test_the_interpreter_is_tuned_while_the_app_runs_and_restored(demo_app) -> None:
    before = (sys.getswitchinterval(), gc.get_threshold())
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert sys.getswitchinterval() == 0.001
        assert gc.get_threshold()[2] == before[1][2] * 10  # after the results froze
    assert (sys.getswitchinterval(), gc.get_threshold()) == before
