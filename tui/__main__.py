"""`python -m tui SOURCE [--tree PATH] [--base REF] [--fuzzy] [--lore URL]
[--offline]`: how `reviewer tui` and `reviewer demo` start the app (the
options as `reviewer` took them), so the core never imports the UI."""

from __future__ import annotations

import argparse
import sys

import reviewer
from tui.app import run_app


def parse(argv: list[str] | None = None) -> tuple[str, reviewer.Options]:
    p = argparse.ArgumentParser(prog="reviewer tui")
    p.add_argument("source")
    p.add_argument("--tree")
    p.add_argument("--base")
    p.add_argument("--fuzzy", action="store_true")
    p.add_argument("--lore")
    p.add_argument("--offline", action="store_true")
    args = p.parse_args(argv)
    return args.source, reviewer.Options(tree=args.tree, base=args.base, fuzzy=args.fuzzy,
                                         lore=args.lore, offline=args.offline)


def main() -> int:
    return run_app(*parse())


if __name__ == "__main__":
    sys.exit(main())
