"""The `reviewer` command: parses arguments, calls the library, prints.
Each command lives in reviewer/commands/.

Exit codes: 0 fine, 1 findings at or above --fail-on (check), 2 bad input
(one line on stderr, never a traceback), 130 interrupted, 143 terminated
(SIGTERM).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from reviewer.commands import COMMANDS
from reviewer.commands.common import stderr
from reviewer.errors import ReviewerError

__all__ = ["Terminated", "main"]


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that the same cleanups run; exit 143."""


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise Terminated


def _error(message: str) -> None:
    """One line on stderr: soft_wrap keeps it one even when longer than the
    terminal is wide; inert, since it may quote mail (a Message-ID, a file)."""
    from rich.text import Text

    from reviewer.output.listing import inert

    stderr.print(Text("reviewer: ").append_text(inert(message)), highlight=False,
                 soft_wrap=True)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="reviewer", description=__doc__.splitlines()[0])
    # Any SOURCE may be a Message-ID or lore URL (reviewer.mail.fetch); own dests,
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
    for name in ("select", "ignore"):  # accept both --select A --select B and A,B
        if getattr(args, name, None):
            setattr(args, name, [p.strip() for v in getattr(args, name) for p in v.split(",")
                                 if p.strip()])
    # SIGTERM cleans up as Ctrl-C does (temporary files, a running perl);
    # not around the TUI, a child that restores the terminal itself.
    term = (signal.signal(signal.SIGTERM, _terminate) if args.command not in ("tui", "demo")
            and threading.current_thread() is threading.main_thread() else None)
    try:
        code: int = args.func(args)
        return code
    except ReviewerError as exc:
        _error(str(exc))
        return 2
    except Terminated:
        stderr.print("reviewer: terminated", markup=False)
        return 143
    except KeyboardInterrupt:
        stderr.print("reviewer: interrupted", markup=False)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # the user gets one line; REVIEWER_DEBUG shows the traceback
        if os.environ.get("REVIEWER_DEBUG"):
            raise
        _error(f"internal error: {exc.__class__.__name__}: {exc}")
        return 3
    finally:
        if term is not None:
            signal.signal(signal.SIGTERM, term)


if __name__ == "__main__":
    sys.exit(main())
