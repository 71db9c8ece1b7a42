"""What the command modules share: the consoles, progress, JSON output, the
options every command builds the same way, and one review run consumed
with a progress bar.  Rich is imported when something is first printed, so
`reviewer --help` does not wait for it."""

from __future__ import annotations

import argparse
import json
import sys
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


# Piped output (CI logs, files) gets a wide page instead of Rich's 80 columns.
stdout = _Console(highlight=False, soft_wrap=False, width=None if sys.stdout.isatty() else 140)
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
    """What a review run produced, by (series index, version)."""

    opened: Opened
    applies: dict[Key, ApplyResult] = field(default_factory=dict)
    reports: dict[Key, RevisionReport] = field(default_factory=dict)

    def in_order(self) -> list[tuple[Series, list[ApplyResult], list[RevisionReport]]]:
        """Per series: its apply results and reports, in revision order."""
        out = []
        for si, series in enumerate(self.opened.series):
            keys = [(si, rev.version) for rev in series.revisions]
            out.append((series, [self.applies[k] for k in keys if k in self.applies],
                        [self.reports[k] for k in keys if k in self.reports]))
        return out


def run_review(source: str | Path | Opened, opts: Options) -> Ran:
    """reviewer.review() with a progress bar; a failure raises."""
    from reviewer.pipeline import Opened
    from reviewer.run import (
        Failed,
        Progress,
        RevisionApplied,
        RevisionChecked,
        SourceOpened,
        Started,
        review,
    )

    ran = Ran(source) if isinstance(source, Opened) else None
    with progress() as bar, closing(review(source, opts)) as events:
        task = None
        for event in events:
            match event:
                case SourceOpened(opened):
                    ran = Ran(opened)
                case Started(total, phase, _tree):
                    task = bar.add_task(phase, total=total)
                case Progress(phase, done, _total) if task is not None:
                    bar.update(task, completed=done, description=phase)
                case RevisionApplied(si, result) if ran is not None:
                    ran.applies[si, result.version] = result
                case RevisionChecked(si, report) if ran is not None:
                    ran.reports[si, report.version] = report
                case Failed(error, _fatal):
                    raise error
    assert ran is not None  # review() opened the source or failed
    return ran
