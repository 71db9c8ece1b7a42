"""`import tui` raises Textual's frame cap (see tui/__init__.py) unless the
user chose one: checked in a fresh interpreter, where the import order is
the one `python -m tui` has."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _fps(env: dict[str, str]) -> int:
    out = subprocess.run([sys.executable, "-c", "import tui, textual.constants as c; "
                          "print(c.MAX_FPS)"], cwd=REPO, env=env, check=True,
                         capture_output=True, text=True)
    return int(out.stdout)


def test_the_tui_paints_at_up_to_240_frames_a_second() -> None:
    env = {k: v for k, v in os.environ.items() if k != "TEXTUAL_FPS"}
    assert _fps(env) == 240


def test_the_users_frame_rate_wins() -> None:
    assert _fps({**os.environ, "TEXTUAL_FPS": "30"}) == 30
