"""Helpers for the TUI tests: `settle()` so nothing is asserted (or
photographed) while a worker runs, `screen_text()` to read the screen and
`type_text()` to type into an input."""

from __future__ import annotations

import html
import re

from textual.pilot import Pilot

from tui.app import ReviewerApp


async def settle(pilot: Pilot[object]) -> None:
    """Wait until the background work and every worker have finished."""
    app = pilot.app
    assert isinstance(app, ReviewerApp)
    for _ in range(600):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if app.session.state in ("done", "cancelled", "failed") and not any(
                w.is_running for w in app.workers):
            break
    await pilot.pause()


_TEXT = re.compile(r'<text [^>]*?x="([\d.]+)"[^>]*?'
                   r'clip-path="url\(#[\w-]+-line-(\d+)\)">([^<]*)</text>')


def screen_text(app: ReviewerApp) -> str:
    """What the terminal shows (modals included), as plain text rows, read
    back from the SVG screenshot so it is exactly what a snapshot holds."""
    svg = app.export_screenshot()
    rows: dict[int, list[str]] = {}
    cell = 12.2  # Textual's SVG cell width
    for x, line, text in _TEXT.findall(svg):
        row = rows.setdefault(int(line), [" "] * (app.size.width + 2))
        col = round(float(x) / cell)
        for i, ch in enumerate(html.unescape(text).replace("\xa0", " ")):
            if col + i < len(row):
                row[col + i] = ch
    return "\n".join("".join(rows.get(n, [])).rstrip() for n in range(max(rows, default=0) + 1))


async def type_text(pilot: Pilot[object], text: str) -> None:
    """Type `text` key by key, as a user would."""
    await pilot.press(*("space" if ch == " " else ch for ch in text))
