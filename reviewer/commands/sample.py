"""`reviewer sample`: write the embedded sample where the user can try it."""

from __future__ import annotations

import argparse

from reviewer.commands.common import stdout


def cmd_sample(args: argparse.Namespace) -> int:
    from reviewer.sample import write_sample

    tree, mbox = write_sample(args.dir)
    stdout.print(f"tree:   {tree} (base tag sample-base)\nthread: {mbox}", markup=False)
    stdout.print(f"try:    reviewer apply {mbox} --tree {tree}", markup=False)
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    sp = sub.add_parser("sample", help="write the sample tree and thread into DIR")
    sp.set_defaults(func=cmd_sample)
    sp.add_argument("dir")
