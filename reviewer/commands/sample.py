"""`reviewer sample`: write the embedded sample where the user can try it."""

from __future__ import annotations

import argparse

from reviewer.commands.common import Subcommands, stdout


def cmd_sample(args: argparse.Namespace) -> int:
    from reviewer.sample import write_kernel_sample, write_sample

    if args.kernel:
        from reviewer.commands.tree import import_progress

        with import_progress() as show:
            tree, mbox = write_kernel_sample(args.dir, args.kernel, show)
        stdout.print(f"tree:   {tree} (bare repository, base tag base)\nthread: {mbox}",
                     markup=False)
    else:
        tree, mbox = write_sample(args.dir)
        stdout.print(f"tree:   {tree} (base tag sample-base)\nthread: {mbox}", markup=False)
    stdout.print(f"try:    reviewer apply {mbox} --tree {tree}", markup=False)
    return 0


def register(sub: Subcommands) -> None:
    sp = sub.add_parser("sample", help="write the sample tree and thread into DIR")
    sp.set_defaults(func=cmd_sample)
    sp.add_argument("dir")
    sp.add_argument("--kernel", metavar="TARBALL",
                    help="the same series on a real kernel: import TARBALL (e.g. "
                    "/usr/src/linux-source-6.1.tar.xz) and build the thread on it")
