"""What the command modules share: the consoles, progress, JSON output and
applying with progress."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

# Piped output (CI logs, files) gets a wide page instead of Rich's 80 columns.
stdout = Console(highlight=False, soft_wrap=False,
                 width=None if sys.stdout.isatty() else 140)
stderr = Console(stderr=True, highlight=False)


def progress() -> Progress:
    """Rich progress on stderr (only on a terminal, so pipes stay clean)."""
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    console=stderr, transient=True, disable=not stderr.is_terminal)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


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


def run_apply(source: str, tree: str, base: str | None, *, fuzzy: bool = False,
              cache: Any = None) -> tuple[Any, list[Any]]:
    from reviewer.pipeline import open_source
    from reviewer.tree.apply import apply_series
    from reviewer.tree.gitrepo import GitRepo

    opened = open_source(source)
    repo = GitRepo(tree)
    out = []
    total = sum(len(s.revisions) for s in opened.series)
    with progress() as bar:
        task = bar.add_task("applying", total=total)
        for series in opened.series:
            results = apply_series(repo, series, base, on_done=lambda r: bar.advance(task),
                                   fuzzy=fuzzy, cache=cache)
            out.append((series, results))
    return opened, out


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
