"""The `reviewer` command: parses arguments, calls the library, prints.
Each command lives in reviewer/commands/.

Exit codes: 0 fine, 1 findings at or above --fail-on (check), 2 bad input
(one line on stderr, never a traceback), 130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from reviewer.commands import COMMANDS
from reviewer.commands.common import stderr
from reviewer.errors import ReviewerError

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="reviewer", description=__doc__.splitlines()[0])
    # Any SOURCE may be a Message-ID or lore URL (reviewer.fetch); own dests,
    # since a subcommand's defaults would overwrite same-named globals.
    p.add_argument("--lore", dest="global_lore", metavar="URL",
                   help="public-inbox archive for Message-ID sources (default: b4.midmask)")
    p.add_argument("--offline", dest="global_offline", action="store_true",
                   help="Message-ID sources come from the cache only")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from reviewer.fetch import set_defaults

    set_defaults(args.global_lore, args.global_offline)
    for name in ("select", "ignore"):  # accept both --select A --select B and A,B
        if getattr(args, name, None):
            setattr(args, name, [p.strip() for v in getattr(args, name) for p in v.split(",")
                                 if p.strip()])
    try:
        code: int = args.func(args)
        return code
    except ReviewerError as exc:
        # soft_wrap: one line even when longer than the terminal is wide
        stderr.print(f"reviewer: {exc}", markup=False, highlight=False, soft_wrap=True)
        return 2
    except KeyboardInterrupt:
        stderr.print("reviewer: interrupted", markup=False)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # the user gets one line; REVIEWER_DEBUG shows the traceback
        if os.environ.get("REVIEWER_DEBUG"):
            raise
        stderr.print(f"reviewer: internal error: {exc.__class__.__name__}: {exc}", markup=False,
                     soft_wrap=True)
        return 3


if __name__ == "__main__":
    sys.exit(main())
