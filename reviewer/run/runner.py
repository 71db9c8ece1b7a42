"""`review(source, options)`: the whole pipeline in one call, as events.

    for event in review("thread.mbox", Options(tree="~/linux")):
        ...

It opens the source (unless given an `Opened`), applies each revision in
this process (a temporary index, refs under refs/reviewer/) and hands each
applied revision to the checks, which run in worker processes meanwhile
(reviewer.run.pool).  It owns the repository, the result cache and the
workers, and closes them however the run ends: finished, cancelled
(`cancelled()` is asked between steps), Ctrl-C (apply finishes its step so
the refs stay clean, then KeyboardInterrupt propagates) or a consumer that
stops iterating.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Generator, Iterator
from pathlib import Path

from reviewer.config import Config
from reviewer.errors import ReviewerError, TreeError
from reviewer.machine import lower_priority
from reviewer.model import ApplyResult, Phase, Revision, RunState
from reviewer.pipeline import Opened, open_source
from reviewer.run.events import (
    Event,
    Failed,
    Finished,
    Notice,
    Progress,
    RevisionApplied,
    RevisionChecked,
    SourceOpened,
    Started,
)
from reviewer.run.options import Key, Options
from reviewer.run.pool import Checks
from reviewer.store.cache import ResultCache, take_notices
from reviewer.tree.apply import apply_series
from reviewer.tree.gitrepo import GitRepo

__all__ = ["review"]

POLL_S = 0.05  # how often a wait for the checks asks `cancelled()`


def _never() -> bool:
    return False


def review(source: str | Path | Opened, options: Options | None = None,
           cancelled: Callable[[], bool] = _never) -> Generator[Event, None, None]:
    """Open, apply and check SOURCE as `options` say; see the module doc."""
    options = options or Options()
    if options.background:  # before the workers are forked: they inherit it
        lower_priority()
    try:
        config = options.config() if options.checks else Config()
        opened = source if isinstance(source, Opened) else open_source(
            source, lore=options.lore, offline=options.offline)
    except ReviewerError as exc:
        yield Failed(exc, fatal=True)
        yield Finished(RunState.FAILED, 0, 0)
        return
    if not isinstance(source, Opened):
        yield SourceOpened(opened)
    work = [((si, rev.label), rev) for si, series in enumerate(opened.series)
            for rev in series.revisions if options.wants((si, rev.label))]
    checks = None
    # Without the cache, what the workers share (a tree's facts, derived once)
    # goes to a store of this run's, deleted with it.
    scratch = None if options.cache else tempfile.mkdtemp(prefix="reviewer-run-")
    try:
        if options.checks:  # forked now: before this process starts any git
            checks = Checks(opened, config, options.cache, options.workers(len(work)),
                            Path(scratch, "store.sqlite3") if scratch else None)
        yield from _run(opened, work, options, checks, cancelled)
    finally:
        if checks is not None:
            checks.close(cancel=checks.pending > 0)
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


def _open_tree(options: Options) -> GitRepo:
    assert options.tree is not None
    repo = GitRepo(options.tree)
    if options.base and not repo.resolve(options.base):
        raise TreeError(f"--base {options.base!r}: no such commit in {repo.path}")
    return repo


def _run(opened: Opened, work: list[tuple[Key, Revision]], options: Options,
         checks: Checks | None, cancelled: Callable[[], bool]) -> Iterator[Event]:
    repo = None
    if options.tree is not None:
        try:
            repo = _open_tree(options)
        except ReviewerError as exc:  # the mails can still be checked
            yield Failed(exc, fatal=checks is None)
            if checks is None:
                yield Finished(RunState.FAILED, 0, 0)
                return
    progress = _Counter(len(work) if repo is not None else 0,
                        len(work) if checks is not None else 0)
    yield Started(progress.total, progress.phase, repo is not None)
    # The biggest revisions first: their checks take longest, so they start
    # while the others are still being applied (revisions are independent).
    work = sorted(work, key=lambda w: -len(w[1].patches))
    if repo is None:
        assert checks is not None
        for (si, label), _rev in work:
            checks.submit(si, label, None, None)
    else:
        cache = ResultCache() if options.cache else None
        try:
            for (si, label), rev in work:
                if cancelled():
                    break
                result = apply_series(repo, opened.series[si], options.base, fuzzy=options.fuzzy,
                                      cache=cache, revisions=[rev], cancelled=cancelled)[0]
                yield RevisionApplied(si, result)
                yield progress.step(result)
                if checks is not None:
                    checks.submit(si, label, result, str(repo.path))
                    yield from _arrived(checks, progress, 0)
        finally:
            repo.close()  # its git processes are not needed while the checks run
            if cache is not None:
                cache.close()
    while checks is not None and checks.pending and not cancelled():
        yield from _arrived(checks, progress, POLL_S)
    stopped = cancelled()
    if stopped and checks is not None:
        checks.close(cancel=True)
    yield from map(Notice, take_notices())  # this process's own (the apply cache's)
    yield Finished(RunState.CANCELLED if stopped else RunState.DONE, progress.applied,
                   progress.checked, progress.not_applied)


def _arrived(checks: Checks, progress: _Counter, timeout: float) -> Iterator[Event]:
    for event in checks.ready(timeout):
        yield event
        if isinstance(event, RevisionChecked):
            yield progress.step(event)


class _Counter:
    """Steps done (a revision applied, a revision checked) of `total`."""

    def __init__(self, to_apply: int, to_check: int) -> None:
        self.to_apply, self.total = to_apply, to_apply + to_check
        self.tried = self.checked = self.applied = self.not_applied = 0

    @property
    def phase(self) -> Phase:
        return Phase.APPLYING if self.tried < self.to_apply else Phase.CHECKING

    def step(self, done: ApplyResult | RevisionChecked) -> Progress:
        if isinstance(done, ApplyResult):
            self.tried += 1
            self.applied += done.applied
            self.not_applied += not done.applied
        else:
            self.checked += 1
        return Progress(self.phase, self.tried + self.checked, self.total)
