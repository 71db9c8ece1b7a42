"""The status line once the work is done says how many revisions applied:
never green when one did not."""

from __future__ import annotations

import pytest

from tui.describe import finished_status


@pytest.mark.parametrize(("applied", "checked", "not_applied", "text", "style"), [
    (4, 4, 0, "4 revision(s) applied and checked", "green"),
    (0, 4, 0, "4 revision(s) checked on their diffs alone (no tree given): diff-level "
     "findings only", "bold yellow"),
    (0, 4, 4, "no revision applied: 4 checked on their diffs alone; 4 checked", "bold red"),
    (3, 4, 1, "3 of 4 revision(s) applied: 1 checked on their diffs alone; 4 checked",
     "bold yellow"),
])
def test_finished_status(applied: int, checked: int, not_applied: int, text: str,
                         style: str) -> None:
    status = finished_status(applied, checked, not_applied)
    assert status.plain.startswith(text) and str(status.style) == style
