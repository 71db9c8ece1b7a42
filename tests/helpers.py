"""Paths to the shared test data and small helpers for tests."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CORPUS = SHARED / "corpus"
REFERENCE_THREAD = CORPUS / "overlayfs-dcache" / "thread.mbox"
PEERS = CORPUS / "peers"


def ctrl_c_default() -> None:
    """A Popen preexec_fn: SIGINT as a terminal's foreground job has it.  A
    test run in the background (a non-interactive shell's `&`) has SIGINT
    ignored, and so would the reviewer it starts, which then rightly keeps
    ignoring it, as a background job should."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def need(path: Path) -> Path:
    """Skip (with the reason) when ../shared test data is absent."""
    if not path.exists():
        pytest.skip(f"{path} is absent (../shared is not beside the checkout)")
    return path


def children(pid: int) -> set[int]:
    """The live processes whose parent is `pid` (from /proc)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        if fields[1] == str(pid) and fields[0] not in ("Z", "X"):
            found.add(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")
