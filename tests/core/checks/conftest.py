"""Fixtures shared by the checks' tests."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

TARBALL = Path("/usr/src/linux-source-6.1.tar.xz")


@pytest.fixture(scope="session")
def kernel_src(request: pytest.FixtureRequest) -> Path:
    """MAINTAINERS, .mailmap and scripts/ of the 6.1 tarball, extracted once
    into pytest's cache (shared by the checkpatch and maintainers tests)."""
    if not TARBALL.exists():
        pytest.skip(f"{TARBALL} is absent (apt-get install linux-source-6.1)")
    cache = Path(request.config.cache.mkdir("linux-source-6.1"))
    top = cache / "linux-source-6.1"
    if not (top / "scripts" / "get_maintainer.pl").exists():
        tmp = Path(tempfile.mkdtemp(dir=cache))
        members = [f"linux-source-6.1/{m}" for m in ("MAINTAINERS", ".mailmap", "scripts/")]
        subprocess.run(["tar", "-xJf", str(TARBALL), "-C", str(tmp), *members], check=True)
        try:
            (tmp / "linux-source-6.1").rename(top)  # atomic: a parallel run may win
        except OSError:
            pass
        shutil.rmtree(tmp, ignore_errors=True)
    return top
