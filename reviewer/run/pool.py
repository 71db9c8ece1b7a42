"""The checks of a run, in worker processes (one per core).

Checks are mostly Python (mail and C parsing) between waits on perl and
git: in threads they would share one interpreter, in processes they use
every core while the parent applies the next revision.  The workers are
forked once the source is open, so they inherit the series instead of
receiving it, and before the parent starts any git: no git pipe of the
parent's is ever shared.  Each worker has its own git processes and cache
connection, and a pipe of its own to the parent, which hands a revision
to whichever worker is idle: no lock is shared, so no worker stopped
halfway can block another.

Stopping: the workers ignore Ctrl-C (the parent decides) and end on
SIGTERM, killing the perl and git they started; `close(cancel=True)` sends
it to them all, and a worker whose parent was killed outright sends it to
itself.  With one job, or where there is no fork, the checks run in the
calling process instead.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import traceback
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from types import FrameType

from reviewer.checks.engine import RevisionReport, check_revision, selected_rules
from reviewer.checks.race.treefacts import facts_progress, set_processes
from reviewer.checks.registry import Rule
from reviewer.checks.toolrun import stop_all
from reviewer.config import Config
from reviewer.machine import cores
from reviewer.model import ApplyResult, Phase
from reviewer.pipeline import Opened
from reviewer.run.events import Event, Notice, Progress, RevisionChecked
from reviewer.store.cache import ResultCache, take_notices
from reviewer.tree.gitrepo import GitRepo
from reviewer.tree.gitscan import stop_background

__all__ = ["Checks", "WorkerError"]

Task = tuple[int, str, ApplyResult | None, str | None]  # series, label, apply, tree
Done = tuple[int, RevisionReport, list[str]]  # series, report, notices
# A revision's rules run in threads of their worker: the slow ones mostly
# wait on perl (checkpatch, get_maintainer) or git (a base grep), and their
# waits overlap instead of adding up.
RULE_THREADS = 4
STOP_S = 5.0  # how long a stopped worker gets to end before it is killed


class WorkerError(RuntimeError):
    """A check crashed in a worker, or the worker died (a bug of ours);
    `detail` holds the worker's traceback."""

    detail = ""


@dataclass
class _Worker:
    """What a worker (or the calling process, with one job) keeps between tasks."""

    opened: Opened
    config: Config
    use_cache: bool
    rules: list[Rule]
    store: Path | None = None  # without the cache: the run's own, for a tree's facts
    repo: GitRepo | None = None

    def check(self, series: int, label: str, apply: ApplyResult | None,
              tree: str | None) -> Done:
        from reviewer.checks.policy.bisect import not_bisectable, prefetch

        if tree is None:
            self.repo = None
        elif self.repo is None or self.repo.path != Path(tree).expanduser():
            self.repo = GitRepo(tree)
        one = self.opened.series[series]
        rev = one.revision(label)
        # A connection per task: a worker ends without a word (os._exit), and
        # the last connection to close checkpoints the cache's journal.
        cache = ResultCache() if self.use_cache else None
        store = ResultCache(self.store) if cache is None and self.store else None
        shared = cache or store
        if (self.repo is not None and apply is not None and apply.applied and apply.base
                and any(r.check is not_bisectable for r in self.rules)):
            # the one tree-wide read (a base grep, for POL012 only), in git, while
            # the rules run; one for the series' revisions, among the workers
            prefetch(self.repo, one, apply.base.commit, shared.path if shared else None)
        try:
            report = check_revision(one, rev, apply, self.repo, self.config, self.rules, cache,
                                    threads=RULE_THREADS, store=store)
        finally:
            for db in (cache, store):
                if db is not None:
                    db.close()
        return series, report, take_notices()


# -- a worker process -------------------------------------------------------------

def _serve(conn: Connection, state: _Worker, share: int) -> None:
    # The workers already use every core: a tree's facts derived here take
    # this worker's share, not a pool of their own beside it.
    set_processes(share)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop_worker)
    parent = multiprocessing.parent_process()
    if parent is not None:  # a parent killed outright must not leave us behind
        # The watchdog thread never takes SIGTERM (it inherits this mask): the
        # kernel would hand it to whichever thread, and a main thread blocked
        # on a lock would never run the handler.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
        try:
            threading.Thread(target=_orphaned, args=(parent.sentinel,), daemon=True).start()
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
    sending = threading.Lock()  # a rule's thread reports the tree's reading

    def send(item: object) -> None:
        with sending:
            conn.send(item)

    with facts_progress(lambda done, total: send((done, total))):
        while True:
            try:
                task: Task | None = conn.recv()
            except EOFError:
                return
            if task is None:
                return
            try:
                send(state.check(*task))
            except Exception as exc:
                error = WorkerError(f"{exc.__class__.__name__}: {exc}")
                error.detail = traceback.format_exc()
                send(error)


def _orphaned(sentinel: int) -> None:
    wait([sentinel])
    os.kill(os.getpid(), signal.SIGTERM)


def _stop_worker(signum: int, frame: FrameType | None) -> None:
    """SIGTERM: kill our perl and git, then exit (SystemExit also makes a
    running `subprocess.run` kill its git)."""
    stop_all()
    stop_background()
    raise SystemExit(143)


def _events(done: Done) -> list[Event]:
    series, report, notices = done
    return [RevisionChecked(series, report), *map(Notice, notices)]


@dataclass
class _Process:
    proc: BaseProcess
    conn: Connection
    task: Task | None = None  # the revision it is checking


class Checks:
    """Revisions submitted as they are ready; results read as they come."""

    def __init__(self, opened: Opened, config: Config, use_cache: bool, workers: int,
                 store: Path | None = None) -> None:
        # The rules' modules (tree-sitter, the race tables) loaded once, here:
        # the workers inherit them instead of each importing them again.
        self._state = _Worker(opened, config, use_cache, selected_rules(config), store)
        self._todo: deque[Task] = deque()
        self._done: list[Event] = []  # of the checks run in this process
        self._checked = 0  # of those, revisions whose results ready() has not returned
        self._workers: list[_Process] = []
        if workers > 1 and "fork" in multiprocessing.get_all_start_methods():
            ctx = multiprocessing.get_context("fork")
            for _ in range(workers):
                ours, theirs = ctx.Pipe()
                # not a daemon: a tree's facts are derived in processes of its own
                share = cores() // workers
                proc = ctx.Process(target=_serve, args=(theirs, self._state, share),
                                   daemon=False, name="reviewer-check")
                proc.start()
                theirs.close()
                self._workers.append(_Process(proc, ours))

    @property
    def pending(self) -> int:
        """Revisions submitted whose results ready() has not returned yet."""
        return (len(self._todo) + sum(w.task is not None for w in self._workers)
                + self._checked)

    def submit(self, series: int, label: str, apply: ApplyResult | None,
               tree: str | None) -> None:
        """Check a revision (`tree`: the repository `apply` is in, if any)."""
        task = (series, label, apply, tree)
        if not self._workers:
            with facts_progress(lambda done, total: self._done.append(
                    Progress(Phase.READING_TREE, done, total))):
                self._done += _events(self._state.check(*task))
            self._checked += 1
        else:
            self._todo.append(task)
            self._hand_out()

    def _hand_out(self) -> None:
        for worker in self._workers:
            if worker.task is None and self._todo:
                worker.task = self._todo.popleft()
                worker.conn.send(worker.task)

    def ready(self, timeout: float = 0) -> list[Event]:
        """What arrived (RevisionChecked and its notices, the reading of a
        tree), waiting up to `timeout` for the first; a check that crashed,
        or a worker that died, raises WorkerError."""
        done, self._done, self._checked = self._done, [], 0
        busy = [w for w in self._workers if w.task is not None]
        if done or not busy:
            return done
        by: dict[Connection | int, _Process] = {w.conn: w for w in busy}
        by.update({w.proc.sentinel: w for w in busy})
        for ready in wait(list(by), timeout):
            worker = by[ready]  # type: ignore[index]  # one of ours
            if worker.task is None:
                continue  # both its pipe and its sentinel were ready
            try:
                got = worker.conn.recv()
            except (EOFError, OSError):
                worker.proc.join(STOP_S)
                raise WorkerError(f"a check worker ended (exit code {worker.proc.exitcode})"
                                  ) from None
            if isinstance(got, WorkerError):
                raise got
            if len(got) == 2:  # (bytes read, bytes in all) of a tree's C source
                done.append(Progress(Phase.READING_TREE, *got))
                continue
            done += _events(got)
            worker.task = None
        self._hand_out()
        return done

    def close(self, cancel: bool = False) -> None:
        """Let the workers end; with `cancel`, stop what they are doing."""
        workers, self._workers = self._workers, []
        for worker in workers:
            if cancel:
                worker.proc.terminate()
            else:
                try:
                    worker.conn.send(None)
                except OSError:
                    pass
        for worker in workers:
            worker.proc.join(STOP_S)
            if worker.proc.is_alive():
                worker.proc.kill()
                worker.proc.join()
            worker.conn.close()
