"""Paths to the shared test data and small helpers for tests."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CORPUS = SHARED / "corpus"
REFERENCE_THREAD = CORPUS / "overlayfs-dcache" / "thread.mbox"
PEERS = CORPUS / "peers"



def need(path: Path) -> Path:
    """Skip (with the reason) when ../shared test data is absent."""
    if not path.exists():
        pytest.skip(f"{path} is absent (../shared is not beside the checkout)")
    return path
