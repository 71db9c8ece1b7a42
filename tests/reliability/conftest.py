"""Reliability tests: hypothesis profiles (short by default, long with
REVIEWER_FUZZ_LONG=1), a per-test TMPDIR so leftover temporary directories
can be seen, and the number of fuzz examples that ran in the summary."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.configuration import set_hypothesis_home_dir
from reliability.common import EXAMPLES, LONG

# Hypothesis keeps data (and writes failing-example patches) in .hypothesis/
# of the working directory: not in the checkout, and gone after the run.
_HOME = tempfile.mkdtemp(prefix="hypothesis-reliability-")
set_hypothesis_home_dir(_HOME)
atexit.register(shutil.rmtree, _HOME, ignore_errors=True)
# No example database: the tests must not write into the checkout.
settings.register_profile(
    "reviewer-short", max_examples=40, deadline=1000, database=None, derandomize=False,
    suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "reviewer-long", max_examples=1500, deadline=1000, database=None,
    suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("reviewer-long" if LONG else "reviewer-short")


@pytest.fixture
def tmpdir_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """TMPDIR for this test alone (for us and for the processes we start)."""
    tmp = tmp_path / "tmpdir"
    tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    return tmp


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not EXAMPLES:
        return
    profile = "reviewer-long" if LONG else "reviewer-short"
    total = sum(EXAMPLES.values())
    terminalreporter.write_sep("-", f"fuzz: {total} examples ({profile})")
    for name, n in sorted(EXAMPLES.items()):
        terminalreporter.write_line(f"  {n:6d}  {name}")
    cache = getattr(terminalreporter.config, "cache", None)
    if cache is not None:
        cache.set("reliability/fuzz_examples", {"profile": profile, "total": total,
                                               "by_test": dict(EXAMPLES)})
