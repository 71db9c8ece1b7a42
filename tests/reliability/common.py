"""Helpers shared by the reliability tests: running the CLI in-process and
as a subprocess, checking that a failure is one clean line, counting the
hypothesis examples that ran, and the places a run may leave things."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from reviewer.cli import main

ROOT = Path(__file__).resolve().parents[2]
LONG = os.environ.get("REVIEWER_FUZZ_LONG", "") not in ("", "0")
# hypothesis examples run, by test (printed at the end of the session)
EXAMPLES: Counter[str] = Counter()


def count(name: str) -> None:
    EXAMPLES[name] += 1


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """`reviewer ARGV` in this process: (exit code, stdout, stderr)."""
    capsys.readouterr()
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def reviewer_argv(argv: list[str]) -> list[str]:
    return [sys.executable, "-m", "reviewer.cli", *argv]


def sub_env(env: dict[str, str] | None = None) -> dict[str, str]:
    full = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    full.pop("REVIEWER_DEBUG", None)
    return full


def run_sub(argv: list[str], *, env: dict[str, str] | None = None, timeout: float = 120,
            cwd: Path | None = None, wrap: list[str] | None = None,
            ) -> subprocess.CompletedProcess[bytes]:
    """`reviewer ARGV` as a real process (a real traceback would show);
    `wrap` runs it under another command (setpriv, unshare...)."""
    return subprocess.run([*(wrap or []), *reviewer_argv(argv)], cwd=cwd or ROOT,
                          env=sub_env(env), capture_output=True, timeout=timeout, check=False)


def assert_clean_exit(code: int, err: str, allowed: tuple[int, ...] = (0, 1, 2)) -> None:
    """A run ended normally, or with one `reviewer: ...` line (exit 2):
    never a traceback, never an internal error (exit 3)."""
    assert "Traceback" not in err, err
    assert "internal error" not in err, err
    assert code in allowed, (code, err)
    if code == 2:
        lines = [line for line in err.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[-1].startswith("reviewer: "), err


def error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.startswith("reviewer: ")]
    return lines[-1] if lines else ""


def leftovers(tmpdir: Path) -> list[str]:
    """Temporary directories reviewer made and did not remove."""
    return sorted(p.name for p in tmpdir.glob("reviewer-*"))


def worktrees(repo: Path) -> list[str]:
    out = subprocess.run(["git", "worktree", "list", "--porcelain"], cwd=repo,
                         capture_output=True, text=True, check=True).stdout
    return [line for line in out.splitlines() if line.startswith("worktree ")]
