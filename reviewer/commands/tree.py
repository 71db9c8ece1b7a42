"""`reviewer tree import`: a kernel source tarball as a git repository."""

from __future__ import annotations

import argparse
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

from reviewer.commands.common import Subcommands, stderr, stdout


@contextmanager
def _term_as_interrupt() -> Iterator[None]:
    """SIGTERM cleans up like Ctrl-C does (no half-built repository)."""
    def raise_interrupt(_sig: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, raise_interrupt)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def import_progress() -> Iterator[Callable[[int, int, int], None]]:
    """A Rich progress bar on stderr for import_tarball(), SIGTERM handled
    like Ctrl-C (both remove the half-built repository)."""
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    bar = Progress(TextColumn("importing"), BarColumn(), DownloadColumn(),
                   TransferSpeedColumn(), TimeRemainingColumn(),
                   TextColumn("{task.fields[files]:,} files"), console=stderr.console,
                   transient=True, disable=not stderr.is_terminal)
    with bar, _term_as_interrupt():
        task = bar.add_task("import", total=None, files=0)

        def show(done: int, total: int, files: int) -> None:
            bar.update(task, completed=done, total=total, files=files)

        yield show


def cmd_tree_import(args: argparse.Namespace) -> int:
    from reviewer.tree.importer import BASE_TAG, BRANCH, import_tarball

    with import_progress() as show:
        result = import_tarball(args.tarball, args.dir, checkout=args.checkout, progress=show)
    kind = "repository" if args.checkout else "bare repository"
    stdout.print(f"{result.path}: {kind}, {result.files:,} files ({result.size / 1e6:,.0f} MB) "
                 f"in {result.seconds:.1f} s", markup=False)
    stdout.print(f"base commit {result.commit} (branch {BRANCH}, tag {BASE_TAG})", markup=False)
    for what in result.skipped[:10]:
        stderr.print(f"skipped {what}", markup=False)
    if len(result.skipped) > 10:
        stderr.print(f"... and {len(result.skipped) - 10} more skipped", markup=False)
    return 0


def register(sub: Subcommands) -> None:
    sp = sub.add_parser("tree", help="kernel trees: import a source tarball as a git repo")
    tree_sub = sp.add_subparsers(dest="tree_command", required=True, metavar="COMMAND")
    imp = tree_sub.add_parser("import", help="TARBALL (e.g. /usr/src/linux-source-6.1.tar.xz) "
                              "→ a git repository DIR with one base commit")
    imp.set_defaults(func=cmd_tree_import)
    imp.add_argument("tarball")
    imp.add_argument("dir", help="the repository to create (must not exist)")
    imp.add_argument("--checkout", action="store_true",
                     help="also write the files (a normal repository; default: bare)")
