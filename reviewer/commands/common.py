"""What the command modules share: the consoles, progress, JSON output, the
options every command builds the same way, and one review run consumed
with a progress bar.  Rich is imported when something is first printed, so
`reviewer --help` does not wait for it."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress

    from reviewer.checks.engine import RevisionReport
    from reviewer.model import ApplyResult, Series
    from reviewer.pipeline import Opened
    from reviewer.run import Key, Options



class _Console:
    """A Rich console made on first use (attributes are the console's)."""

    def __init__(self, **kwargs: Any) -> None:
        self._kwargs = kwargs
        self._made: Console | None = None

    @property
    def console(self) -> Console:
        if self._made is None:
            from rich.console import Console

            self._made = Console(**self._kwargs)
        return self._made

    def __getattr__(self, name: str) -> Any:
        return getattr(self.console, name)


# Piped output (CI logs, files) is never hard-wrapped: a page wider than any
# line, so a finding stays on one line for grep and tables size to their cells.
stdout = _Console(highlight=False, soft_wrap=False,
                  width=None if sys.stdout.isatty() else 100_000)
stderr = _Console(stderr=True, highlight=False)


class Subcommands(Protocol):
    """What a command module's `register()` is given: the one method of
    argparse's subparsers object it uses."""

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser: ...


def progress() -> Progress:
    """Rich progress on stderr (only on a terminal, so pipes stay clean)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    console=stderr.console, transient=True, disable=not stderr.is_terminal)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def options(args: argparse.Namespace, **fixed: Any) -> Options:
    """The run's options from the command line (absent arguments keep their
    defaults), with `fixed` on top."""
    from reviewer.run import Options

    given = {name: getattr(args, name) for name in ("tree", "base", "fuzzy", "fail_on")
             if getattr(args, name, None)}
    given.update(all_lines=getattr(args, "all", False),
                 select=tuple(getattr(args, "select", None) or ()),
                 ignore=tuple(getattr(args, "ignore", None) or ()),
                 cache=not getattr(args, "no_cache", False),
                 lore=args.global_lore, offline=args.global_offline)
    return Options(**{**given, **fixed})


@dataclass
class Ran:
    """What a review run produced, by (series index, revision label)."""

    opened: Opened
    applies: dict[Key, ApplyResult] = field(default_factory=dict)
    reports: dict[Key, RevisionReport] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)

    def in_order(self) -> list[tuple[Series, list[ApplyResult], list[RevisionReport]]]:
        """Per series: its apply results and reports, in revision order."""
        out = []
        for si, series in enumerate(self.opened.series):
            keys = [(si, rev.label) for rev in series.revisions]
            out.append((series, [self.applies[k] for k in keys if k in self.applies],
                        [self.reports[k] for k in keys if k in self.reports]))
        return out


def run_review(source: str | Path | Opened, opts: Options) -> Ran:
    """reviewer.review() with a progress bar; a failure raises."""
    from reviewer.model import Phase
    from reviewer.pipeline import Opened
    from reviewer.run import (
        Failed,
        Notice,
        Progress,
        RevisionApplied,
        RevisionChecked,
        SourceOpened,
        Started,
        review,
    )

    ran = Ran(source) if isinstance(source, Opened) else None
    notices: list[str] = []
    with progress() as bar, closing(review(source, opts)) as events:
        task = reading = None
        for event in events:
            match event:
                case SourceOpened(opened):
                    ran = Ran(opened)
                case Started(total, phase, _tree):
                    task = bar.add_task(phase, total=total)
                case Progress(Phase.READING_TREE, done, total):  # a tree's kernel facts
                    if reading is None:
                        reading = bar.add_task("reading the tree's C source (MB)",
                                               total=total >> 20)
                    bar.update(reading, completed=done >> 20)
                case Progress(phase, done, _total) if task is not None:
                    bar.update(task, completed=done, description=phase)
                case RevisionApplied(si, result) if ran is not None:
                    ran.applies[si, result.label] = result
                case RevisionChecked(si, report) if ran is not None:
                    ran.reports[si, report.label] = report
                case Notice(message):
                    notices.append(message)
                case Failed(error, _fatal):
                    raise error
    assert ran is not None  # review() opened the source or failed
    ran.notices = list(dict.fromkeys(notices))
    return ran


def add_check_options(sp: Any) -> None:
    """The options of the commands that run the checks on a revision
    (`check`, `reply`): where to apply it, which rules, the cache."""
    sp.add_argument("--tree", help="apply to this git tree first (enables tree-level checks)")
    sp.add_argument("--base", help="with --tree: put every revision on this commit, over the "
                    "evidence (base-commit, pre-image blobs, a named release)")
    sp.add_argument("--fuzzy", action="store_true",
                    help="with --tree: retry a patch that does not apply with reduced context "
                    "(git apply -C1); results on such a tree are marked approximate")
    sp.add_argument("--select", action="append", metavar="ID",
                    help="run only these rule IDs or prefixes (repeatable, or comma-separated)")
    sp.add_argument("--ignore", action="append", metavar="ID", help="skip these IDs or prefixes")
    sp.add_argument("--no-cache", action="store_true", help="do not read or write the cache")


def open_states(required: bool) -> Any:
    """The review state store (reviewer.store.state).  A damaged file was
    moved aside: say where, in one line.  When it cannot be opened at all,
    `required` raises StateError; otherwise the run goes on without it
    (None), saying so."""
    from rich.text import Text

    from reviewer.errors import StateError
    from reviewer.output.listing import inert
    from reviewer.store.state import ReviewStates

    try:
        states = ReviewStates()
    except StateError as exc:
        if required:
            raise
        stderr.print(Text("reviewer: warning: ").append_text(inert(f"{exc}; not recorded")),
                     soft_wrap=True)
        return None
    if states.moved_aside is not None:
        where, why = states.moved_aside
        stderr.print(Text("reviewer: ").append_text(inert(
            f"the review state {states.path} was damaged ({why}); moved to {where}, "
            "starting afresh")), soft_wrap=True)
    return states


def record_checks(checked: list[tuple[Any, Any]], source: str) -> None:
    """Keep each (series, RevisionReport) for `reviewer list`."""
    _record(lambda states, item: states.record_check(item[0], source, item[1].version,
                                                     item[1].findings), checked)


def record_seen(series: Sequence[Any], source: str) -> None:
    """Keep the latest revision of each series already tracked (for the
    `reviewer list` mark of a newer revision)."""
    from reviewer.store.state import default_state_path

    if not default_state_path().exists():  # nothing tracked: no file to create
        return
    _record(lambda states, one: states.refresh(one, source), series)


def _record(write: Callable[[Any, Any], object], items: Sequence[Any]) -> None:
    """`write(states, item)` for each item; a state that cannot be written
    costs a warning, not the run."""
    from reviewer.errors import StateError

    states = open_states(required=False)
    if states is None:
        return
    try:
        for item in items:
            write(states, item)
    except StateError as exc:
        stderr.print(f"reviewer: warning: {exc}; not recorded", markup=False, soft_wrap=True)
    finally:
        states.close()
