"""The real Linux 6.1 tree (Debian's linux-source-6.1 tarball), imported
once per session with `reviewer sample DIR --kernel TARBALL`, which also
builds the authored kernel thread on it (samples/kernel.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

TARBALL = Path("/usr/src/linux-source-6.1.tar.xz")


@pytest.fixture(scope="session")
def tarball() -> Path:
    if not TARBALL.exists():
        pytest.skip(f"{TARBALL} is absent (apt-get install linux-source-6.1)")
    return TARBALL


@pytest.fixture(scope="session")
def kernel_sample(tarball: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(tree, thread.mbox): the tarball imported and the thread built, by the CLI."""
    from reviewer.cli import main

    dest = tmp_path_factory.mktemp("kernel-sample")
    assert main(["sample", str(dest), "--kernel", str(tarball)]) == 0
    return dest / "tree", dest / "thread.mbox"
