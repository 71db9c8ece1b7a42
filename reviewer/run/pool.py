"""The checks of a run, in worker processes (one per core).

Checks are mostly Python (mail and C parsing) between waits on perl and
git: in threads they would share one interpreter, in processes they use
every core while the parent applies the next revision.  The workers are
forked once the source is open, so they inherit the series instead of
receiving it, and before the parent starts any git: no git pipe of the
parent's is ever shared.  Each worker has its own git processes and cache
connection.

Stopping: the workers ignore Ctrl-C (the parent decides) and end on
SIGTERM, killing the perl and git they started; `close(cancel=True)` sends
it to them all.  With one job, or where there is no fork, the checks run
in the calling process instead.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import signal
import threading
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from multiprocessing.pool import Pool
from pathlib import Path
from types import FrameType

from reviewer.checks.engine import RevisionReport, check_revision, selected_rules
from reviewer.checks.registry import Rule
from reviewer.checks.toolrun import stop_all
from reviewer.config import Config
from reviewer.model import ApplyResult
from reviewer.pipeline import Opened
from reviewer.store.cache import ResultCache
from reviewer.tree.gitrepo import GitRepo, stop_background

__all__ = ["Checks"]

Result = tuple[int, RevisionReport] | BaseException


@dataclass
class _Worker:
    """What a worker (or the calling process, with one job) keeps between tasks."""

    opened: Opened
    config: Config
    use_cache: bool
    repo: GitRepo | None = None
    rules: list[Rule] = field(default_factory=list)

    def check(self, series: int, version: int, apply: ApplyResult | None,
              tree: str | None) -> RevisionReport:
        from reviewer.checks.policy.bisect import prefetch

        if tree is None:
            self.repo = None
        elif self.repo is None or self.repo.path != Path(tree).expanduser():
            self.repo = GitRepo(tree)
        if not self.rules:
            self.rules = selected_rules(self.config)
        one = self.opened.series[series]
        rev = one.revision(version)
        if self.repo is not None and apply is not None and apply.applied and apply.base:
            # the one tree-wide read (a base grep), in git, while the rules run
            prefetch(self.repo, [rev], apply.base.commit)
        # A connection per task: a worker ends without a word (os._exit), and
        # the last connection to close checkpoints the cache's journal.
        cache = ResultCache() if self.use_cache else None
        try:
            return check_revision(one, rev, apply, self.repo, self.config, self.rules, cache)
        finally:
            if cache is not None:
                cache.close()


_STATE: _Worker | None = None  # in a worker process


def _start_worker(state: _Worker) -> None:
    global _STATE
    _STATE = state
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


def _orphaned(sentinel: int) -> None:
    wait([sentinel])
    os.kill(os.getpid(), signal.SIGTERM)


def _stop_worker(signum: int, frame: FrameType | None) -> None:
    """SIGTERM from the parent: kill our perl and git, then exit (SystemExit
    also makes a running `subprocess.run` kill its git)."""
    stop_all()
    stop_background()
    raise SystemExit(143)


def _check(series: int, version: int, apply: ApplyResult | None,
           tree: str | None) -> tuple[int, RevisionReport]:
    assert _STATE is not None
    return series, _STATE.check(series, version, apply, tree)


class Checks:
    """Revisions submitted as they are ready; results read as they come."""

    def __init__(self, opened: Opened, config: Config, use_cache: bool, workers: int) -> None:
        self._state = _Worker(opened, config, use_cache)
        self._results: queue.SimpleQueue[Result] = queue.SimpleQueue()
        self._pool: Pool | None = None
        self.pending = 0
        if workers > 1 and "fork" in multiprocessing.get_all_start_methods():
            ctx = multiprocessing.get_context("fork")
            self._pool = ctx.Pool(workers, _start_worker, (self._state,))

    def submit(self, series: int, version: int, apply: ApplyResult | None,
               tree: str | None) -> None:
        """Check a revision (`tree`: the repository `apply` is in, if any)."""
        self.pending += 1
        if self._pool is None:
            try:
                self._results.put((series, self._state.check(series, version, apply, tree)))
            except Exception as exc:
                self._results.put(exc)
            return
        self._pool.apply_async(_check, (series, version, apply, tree),
                               callback=self._results.put, error_callback=self._results.put)

    def ready(self, timeout: float | None = None) -> list[tuple[int, RevisionReport]]:
        """The results that arrived, waiting up to `timeout` for the first;
        a check that crashed raises here."""
        out: list[Result] = []
        try:
            out.append(self._results.get(timeout=timeout) if timeout else
                       self._results.get_nowait())
            while True:
                out.append(self._results.get_nowait())
        except queue.Empty:
            pass
        self.pending -= len(out)
        for item in out:
            if isinstance(item, BaseException):
                raise item
        return out  # type: ignore[return-value]  # no exception left

    def close(self, cancel: bool = False) -> None:
        """Wait for the workers to end; with `cancel`, stop them now."""
        if self._pool is None:
            return
        pool, self._pool = self._pool, None
        if cancel:
            pool.terminate()
        else:
            pool.close()
        pool.join()
