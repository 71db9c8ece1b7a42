"""`reviewer sample` and `reviewer demo`: the embedded sample."""

from __future__ import annotations

import argparse

from reviewer.commands.common import stdout


def cmd_sample(args: argparse.Namespace) -> int:
    from reviewer.sample import write_sample

    tree, mbox = write_sample(args.dir)
    stdout.print(f"tree:   {tree} (base tag sample-base)\nthread: {mbox}", markup=False)
    stdout.print(f"try:    reviewer apply {mbox} --tree {tree}", markup=False)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """The main job on the embedded sample: every revision applied to the
    sample tree and checked (the TUI, or tables with --headless)."""
    from reviewer.sample import demo_paths

    tree, mbox = demo_paths()
    if not args.headless:
        from tui.app import run_app

        return run_app(str(mbox), str(tree))
    from reviewer.commands.check import cmd_check

    stdout.print(f"sample thread {mbox}\nsample tree   {tree}\n", markup=False)
    check_args = argparse.Namespace(source=str(mbox), tree=str(tree), base=None, format="text",
                                    fail_on=None, select=None, ignore=None, all=False,
                                    no_cache=False, show_apply=True)
    cmd_check(check_args)
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    sp = sub.add_parser("sample", help="write the sample tree and thread into DIR")
    sp.set_defaults(func=cmd_sample)
    sp.add_argument("dir")

    sp = sub.add_parser("demo", help="open the embedded sample (TUI, or a table with "
                        "--headless)")
    sp.set_defaults(func=cmd_demo)
    sp.add_argument("--headless", action="store_true")
