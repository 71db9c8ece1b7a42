"""`reviewer tui` and `reviewer demo`: the Textual app runs as `python -m tui`
in the same terminal, so the core never imports the UI."""

from __future__ import annotations

import argparse
import subprocess
import sys

from reviewer.commands.common import stdout
from reviewer.errors import ReviewerError


def launch(source: str, tree: str | None) -> int:
    argv = [sys.executable, "-m", "tui", source] + (["--tree", tree] if tree else [])
    try:
        return subprocess.call(argv)
    except OSError as exc:
        raise ReviewerError(f"cannot start the TUI: {exc}") from None


def cmd_tui(args: argparse.Namespace) -> int:
    return launch(args.source, args.tree)


def cmd_demo(args: argparse.Namespace) -> int:
    """The main job on the embedded sample: every revision applied to the
    sample tree and checked (the TUI, or tables with --headless)."""
    from reviewer.sample import demo_paths

    tree, mbox = demo_paths()
    if not args.headless:
        return launch(str(mbox), str(tree))
    from reviewer.commands.check import cmd_check

    stdout.print(f"sample thread {mbox}\nsample tree   {tree}\n", markup=False)
    check_args = argparse.Namespace(source=str(mbox), tree=str(tree), base=None, format="text",
                                    fail_on=None, select=None, ignore=None, all=False,
                                    no_cache=False, show_apply=True)
    cmd_check(check_args)
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    sp = sub.add_parser("tui", help="open SOURCE in the TUI")
    sp.set_defaults(func=cmd_tui)
    sp.add_argument("source")
    sp.add_argument("--tree", help="apply to this git tree too")

    sp = sub.add_parser("demo", help="open the embedded sample (TUI, or tables with "
                        "--headless)")
    sp.set_defaults(func=cmd_demo)
    sp.add_argument("--headless", action="store_true")
