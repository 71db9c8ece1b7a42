"""Fixtures of the race tests."""

from __future__ import annotations

import pytest

from reviewer.checks.race import treefacts


@pytest.fixture
def fresh_facts_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test starts without the tree facts an earlier one kept in memory."""
    monkeypatch.setattr(treefacts, "_MEMORY", {})
