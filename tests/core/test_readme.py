"""The README's first two commands are what CI runs, word for word."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def readme_commands() -> list[str]:
    """The indented command lines before the README's first rule (---)."""
    head = (ROOT / "README.md").read_text().split("\n---\n", 1)[0]
    return re.findall(r"^    (\S.*)$", head, re.M)


def test_ci_runs_the_readme_commands() -> None:
    setup, tests = readme_commands()[:2]
    ci = (ROOT / ".ci" / "run").read_text()
    install = setup.split(" && .venv/bin/reviewer")[0]
    assert install in ci, "CI sets up as the README says"
    assert ci.rstrip().splitlines()[-1] == tests, "CI ends with the README's test command"
    assert setup.startswith("python3 -m venv .venv && ") and ".venv/bin/" in tests
