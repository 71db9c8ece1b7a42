"""`reviewer tui` and `reviewer demo`: the Textual app runs as `python -m tui`
in the same terminal, so the core never imports the UI."""

from __future__ import annotations

import argparse
import subprocess
import sys
from typing import TYPE_CHECKING

from reviewer.commands.common import Subcommands, options, stdout
from reviewer.errors import ReviewerError

if TYPE_CHECKING:
    from reviewer.run import Options


def tui_argv(source: str, opts: Options) -> list[str]:
    """`python -m tui` with the options it takes (tui/__main__.py)."""
    argv = [sys.executable, "-m", "tui", source]
    for flag, value in (("--tree", opts.tree), ("--base", opts.base), ("--lore", opts.lore)):
        if value:
            argv += [flag, value]
    return argv + ["--fuzzy"] * opts.fuzzy + ["--offline"] * opts.offline


def launch(source: str, opts: Options) -> int:
    try:
        return subprocess.call(tui_argv(source, opts))
    except OSError as exc:
        raise ReviewerError(f"cannot start the TUI: {exc}") from None


def cmd_tui(args: argparse.Namespace) -> int:
    return launch(args.source, options(args))


def cmd_demo(args: argparse.Namespace) -> int:
    """The main job on the embedded sample: every revision applied to the
    sample tree and checked (the TUI, or tables with --headless)."""
    from reviewer.commands.check import check
    from reviewer.sample import demo_paths

    tree, mbox = demo_paths()
    opts = options(args, tree=str(tree))
    if not args.headless:
        return launch(str(mbox), opts)
    stdout.print(f"sample thread {mbox}\nsample tree   {tree}\n", markup=False)
    check(str(mbox), opts, "text", show_apply=True)
    return 0


def register(sub: Subcommands) -> None:
    sp = sub.add_parser("tui", help="open SOURCE in the TUI")
    sp.set_defaults(func=cmd_tui)
    sp.add_argument("source")
    sp.add_argument("--tree", help="apply to this git tree too")
    sp.add_argument("--base", help="base for revisions without a usable base-commit")
    sp.add_argument("--fuzzy", action="store_true",
                    help="retry a patch that does not apply with reduced context (approximate)")

    sp = sub.add_parser("demo", help="open the embedded sample (TUI, or tables with "
                        "--headless)")
    sp.set_defaults(func=cmd_demo)
    sp.add_argument("--headless", action="store_true")
