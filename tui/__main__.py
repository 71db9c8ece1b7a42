"""`python -m tui SOURCE [--tree PATH]`: how `reviewer tui` and `reviewer demo`
start the app, so the core never imports the UI."""

from __future__ import annotations

import argparse
import sys

from tui.app import run_app


def main() -> int:
    p = argparse.ArgumentParser(prog="reviewer tui")
    p.add_argument("source")
    p.add_argument("--tree")
    args = p.parse_args()
    return run_app(args.source, args.tree)


if __name__ == "__main__":
    sys.exit(main())
