"""reviewer.review(): the one entry point.  Its events come in the promised
order, the checks in worker processes give what the stages give in this
process, a failure is an event, and however a run ends (finished,
cancelled, abandoned, its process killed) no worker process stays."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from core.gitutil import reviewer_refs
from helpers import alive, children

import reviewer
from bench.synth import synthetic_thread
from reviewer import (
    Failed,
    Finished,
    Options,
    Progress,
    RevisionApplied,
    RevisionChecked,
    SourceOpened,
    Started,
    review,
)
from reviewer.machine import BACKGROUND_NICE

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return reviewer.write_sample(tmp_path_factory.mktemp("sample"))


def _wait_gone(pids: set[int], seconds: float = 10) -> set[int]:
    deadline = time.monotonic() + seconds
    while (left := {p for p in pids if alive(p)}) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def _findings(reports: list[reviewer.RevisionReport]) -> list[list[tuple[str, str]]]:
    ordered = sorted(reports, key=lambda r: r.version)
    return [[(f.rule_id, f.fingerprint) for f in r.findings] for r in ordered]


def test_events_in_order_and_the_checks_as_in_this_process(sample: tuple[Path, Path]) -> None:
    tree, mbox = sample
    events = list(review(mbox, Options(tree=str(tree), jobs=2)))
    assert isinstance(events[0], SourceOpened) and len(events[0].opened.series) == 1
    assert events[1] == Started(8, reviewer.Phase.APPLYING, True)
    assert events[-1] == Finished(reviewer.RunState.DONE, 4, 4)
    applied = [e.result for e in events if isinstance(e, RevisionApplied)]
    assert sorted(r.version for r in applied) == [1, 2, 3, 4] and all(r.applied for r in applied)
    sizes = {r.version: len(r.patches) for r in events[0].opened.series[0].revisions}
    assert applied[0].version == max(sizes, key=lambda v: sizes[v]), "the biggest goes first"
    done = [e.done for e in events if isinstance(e, Progress) and e.phase != "reading the tree"]
    assert done == list(range(1, 9))
    in_pool = [e.report for e in events if isinstance(e, RevisionChecked)]
    inline = [e.report for e in review(mbox, Options(tree=str(tree), jobs=1))
              if isinstance(e, RevisionChecked)]
    # the stages called one by one, as before the entry point existed
    repo = reviewer.GitRepo(tree)
    series = events[0].opened.series[0]
    staged = reviewer.check_series(series, reviewer.apply_series(repo, series), repo,
                                   reviewer.load_config())
    assert _findings(in_pool) == _findings(inline) == _findings(staged)
    assert any(f.level == "tree" for r in in_pool for f in r.findings)


def test_without_a_tree_the_mails_are_checked(sample: tuple[Path, Path]) -> None:
    _tree, mbox = sample
    events = list(review(mbox, Options(select=("POL",))))
    assert events[1] == Started(4, reviewer.Phase.CHECKING, False)
    reports = [e.report for e in events if isinstance(e, RevisionChecked)]
    assert len(reports) == 4 and all(r.apply is None for r in reports)
    assert {o.rule_id[:3] for r in reports for o in r.outcomes} == {"POL"}
    assert events[-1] == Finished(reviewer.RunState.DONE, 0, 4)


def test_an_unreadable_source_fails_and_finishes(tmp_path: Path) -> None:
    events = list(review(tmp_path / "nope.mbox"))
    assert len(events) == 2
    assert isinstance(events[0], Failed) and events[0].fatal
    assert isinstance(events[0].error, reviewer.SourceError)
    assert events[1] == Finished(reviewer.RunState.FAILED, 0, 0)


@pytest.mark.parametrize("bad", ["tree", "base"])
def test_a_bad_tree_or_base_leaves_the_mails_checked(bad: str, sample: tuple[Path, Path],
                                                     tmp_path: Path) -> None:
    tree, mbox = sample
    options = Options(tree=str(tmp_path)) if bad == "tree" else \
        Options(tree=str(tree), base="no-such-ref")
    events = [e for e in review(mbox, options) if not isinstance(e, Progress)]
    assert isinstance(events[1], Failed) and not events[1].fatal
    assert isinstance(events[1].error, reviewer.TreeError)
    assert events[2] == Started(4, reviewer.Phase.CHECKING, False)
    assert events[-1] == Finished(reviewer.RunState.DONE, 0, 4)
    # applying only: nothing left to do, so it is fatal
    events = list(review(mbox, Options(tree=options.tree, base=options.base, checks=False)))
    assert isinstance(events[1], Failed) and events[1].fatal
    assert events[-1] == Finished(reviewer.RunState.FAILED, 0, 0)


def test_only_the_revisions_asked_for(sample: tuple[Path, Path]) -> None:
    tree, mbox = sample
    events = list(review(mbox, Options(tree=str(tree), only=((0, "v2"), (0, "v4")))))
    assert sorted(e.result.version for e in events if isinstance(e, RevisionApplied)) == [2, 4]
    assert sorted(e.report.version for e in events if isinstance(e, RevisionChecked)) == [2, 4]


def test_cancelling_stops_the_workers_and_keeps_refs_clean(sample: tuple[Path, Path]) -> None:
    tree, mbox = sample
    for ref in reviewer_refs(tree):
        subprocess.run(["git", "-C", str(tree), "update-ref", "-d", ref], check=True)
    seen: list[object] = []
    workers: set[int] = set()
    for event in review(mbox, Options(tree=str(tree), jobs=2), lambda: len(seen) >= 1):
        workers |= {p.pid for p in multiprocessing.active_children() if p.pid}
        if isinstance(event, RevisionApplied):
            seen.append(event)
    assert event == Finished(reviewer.RunState.CANCELLED, 1, event.checked)
    assert list(reviewer_refs(tree)) == [seen[0].result.ref]  # type: ignore[attr-defined]
    assert workers and _wait_gone(workers) == set()


def test_a_consumer_that_stops_early_leaves_no_worker(sample: tuple[Path, Path]) -> None:
    tree, mbox = sample
    events = review(mbox, Options(tree=str(tree), jobs=2))
    for event in events:
        if isinstance(event, Started):
            break
    workers = {p.pid for p in multiprocessing.active_children() if p.pid}
    assert workers, "the pool runs once the run has started"
    events.close()
    assert _wait_gone(workers) == set()


def _niceness(pid: int) -> int:
    return os.getpriority(os.PRIO_PROCESS, pid)


@pytest.mark.parametrize("background", [False, True])
def test_background_work_yields_the_cpu_and_a_run_of_the_cli_does_not(
        background: bool, sample: tuple[Path, Path]) -> None:
    """`background` (the TUI's analysis child) lowers the priority of the
    process running the review, and its workers inherit it; without it (as
    the CLI runs) nothing changes.  In a process of its own: it is for good."""
    tree, mbox = sample
    code = ("import multiprocessing, os, sys, reviewer\n"
            "options = reviewer.Options(tree=sys.argv[2], jobs=2, background=sys.argv[3] == '1')\n"
            "for e in reviewer.review(sys.argv[1], options):\n"
            "    if isinstance(e, reviewer.Started):\n"
            "        pids = [p.pid for p in multiprocessing.active_children()]\n"
            "        print(*(os.getpriority(os.PRIO_PROCESS, p) for p in [0, *pids]))\n")
    out = subprocess.run([sys.executable, "-c", code, str(mbox), str(tree), str(int(background))],
                         cwd=ROOT, capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}).stdout.split()
    ours = _niceness(0)
    assert len(out) == 3, "the process and its two workers"
    expected = max(ours, BACKGROUND_NICE) if background else ours
    assert [int(n) for n in out] == [expected] * 3
    assert _niceness(0) == ours


def test_workers_end_when_their_parent_is_killed(tmp_path: Path) -> None:
    """SIGKILL gives the parent no chance to stop its workers: they notice."""
    thread = tmp_path / "big.mbox"
    thread.write_bytes(synthetic_thread(messages=400, revisions=40))
    code = ("import sys, reviewer\n"
            "for e in reviewer.review(sys.argv[1], reviewer.Options(jobs=2)):\n"
            "    if isinstance(e, reviewer.RevisionChecked):\n"
            "        print('checked', flush=True)\n")
    proc = subprocess.Popen([sys.executable, "-c", code, str(thread)], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.stdout is not None and proc.stdout.readline() == "checked\n"
    workers = children(proc.pid)
    assert len(workers) == 2
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert _wait_gone(workers) == set()


@pytest.mark.parametrize("how", ["raises", "dies"])
def test_a_check_that_crashes_or_a_worker_that_dies_is_an_error(
        how: str, sample: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug of ours in a worker ends the run with an error (the CLI's
    "internal error"), never a wait for a result that cannot come."""
    from reviewer.run import pool

    def broken(*args: object) -> None:
        if how == "raises":
            raise ValueError("broken check")
        os._exit(3)

    monkeypatch.setattr(pool._Worker, "check", broken)  # the forked workers inherit it
    _tree, mbox = sample
    workers: set[int] = set()
    with pytest.raises(pool.WorkerError) as caught:
        for _event in review(mbox, Options(jobs=2)):
            workers |= {p.pid for p in multiprocessing.active_children() if p.pid}
    assert ("ValueError: broken check" if how == "raises" else "exit code 3") in str(caught.value)
    assert workers and _wait_gone(workers) == set()


@pytest.mark.parametrize("cache", [True, False])
def test_a_trees_facts_are_derived_once_for_all_workers(cache: bool, sample: tuple[Path, Path],
                                                        tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Revisions on one base checked in two workers read the base's C source
    once: the others wait for it (with the cache or a store of the run's)."""
    from reviewer.checks.race import treefacts

    log = tmp_path / "derived"
    real = treefacts.derive

    def counted(*args: Any, **kwargs: Any) -> Any:
        with log.open("a") as fh:
            fh.write(f"{os.getpid()}\n")
        return real(*args, **kwargs)

    monkeypatch.setattr(treefacts, "derive", counted)  # the forked workers inherit it
    monkeypatch.setattr(treefacts, "_MEMORY", {})  # nothing derived by an earlier test
    tree, mbox = sample
    for ref in reviewer_refs(tree):
        subprocess.run(["git", "-C", str(tree), "update-ref", "-d", ref], check=True)
    reports = [e.report for e in review(mbox, Options(tree=str(tree), jobs=2, cache=cache))
               if isinstance(e, RevisionChecked)]
    assert len(reports) == 4
    assert len(log.read_text().split()) == 1
