"""An 80×24 terminal: side panes give way so a diff keeps at least 70
columns, the thread's tree and reader take turns at the whole width, the
help scrolls with j/k, and the palette's screenshot lands in the current
directory."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.tui.helpers import settle, type_text
from tui.screens.compare import CompareScreen
from tui.screens.help import HelpScreen
from tui.screens.patch import PatchScreen
from tui.screens.thread import ThreadScreen
from tui.widgets.lineview import LineView
from tui.widgets.sidelists import ReviewList
from tui.widgets.threadtree import ThreadTree

SMALL = (80, 24)
DIFF_COLUMNS = 70


async def test_the_patch_diff_keeps_70_columns_and_o_brings_the_side_pane(demo_app) -> None:
    app = demo_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", *["l"] * 8, "enter")  # v3's first POL finding
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PatchScreen)
        diff, side = screen.query_one("#diff", LineView), screen.query_one("#patch-side")
        assert not side.display and diff.size.width >= DIFF_COLUMNS
        await pilot.press("o")
        await pilot.pause()
        assert side.display and side.size.width > 0
        await pilot.press("o")
        await pilot.pause()
        assert not side.display and diff.size.width >= DIFF_COLUMNS
        await pilot.resize_terminal(140, 40)
        await pilot.pause()
        assert side.display  # wide enough for both


async def test_the_compare_review_and_range_diff_keep_70_columns(demo_app) -> None:
    app = demo_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("G", "c")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        assert not screen.query_one("#compare-left").display
        assert screen.query_one(ReviewList).size.width >= DIFF_COLUMNS
        await pilot.press("d")  # the range-diff, in the same view
        await pilot.pause()
        assert screen.query_one(ReviewList).text().startswith(" 1:  ")
        await pilot.press("o")
        await pilot.pause()
        assert screen.query_one("#compare-left").display


async def test_the_thread_tree_and_reader_take_turns(demo_app) -> None:
    app = demo_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ThreadScreen)
        tree, reader = screen.query_one(ThreadTree), screen.query_one("#reader", LineView)
        assert tree.has_focus and tree.size.width >= DIFF_COLUMNS
        await pilot.press("j", "enter")
        await pilot.pause()
        assert reader.has_focus and reader.size.width >= DIFF_COLUMNS and not tree.display
        await pilot.press("q")  # the reader → the tree
        await pilot.pause()
        assert tree.has_focus and tree.display
        await pilot.press("slash")
        await type_text(pilot, "LOOKUP_NOCACHE_NEG")
        await pilot.press("enter")
        await pilot.pause()
        assert reader.has_focus and reader.size.width >= DIFF_COLUMNS
        assert "lookup_nocache_neg" in reader.row_text(reader.cursor).lower()
        await pilot.resize_terminal(140, 40)  # both side by side
        await pilot.pause()
        assert tree.display and reader.display
        await pilot.press("q")  # to the tree, then narrow again: the tree shows
        await pilot.resize_terminal(*SMALL)
        await pilot.pause()
        assert tree.has_focus and tree.display and not screen.query_one("#reader-pane").display


async def test_the_help_scrolls_with_j_and_k(demo_app) -> None:
    app = demo_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        view = app.screen.query_one(LineView)
        await pilot.press(*["j"] * 40)
        assert view.scroll_y > 0
        await pilot.press(*["k"] * 40)
        assert view.scroll_y == 0


async def test_the_palettes_screenshot_goes_to_the_current_directory(
        demo_app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    app = demo_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await type_text(pilot, "screenshot")
        await pilot.pause(0.3)
        await pilot.press("enter")
        for _ in range(50):
            if list(tmp_path.glob("*.svg")):
                break
            await asyncio.sleep(0.05)
        (shot,) = tmp_path.glob("*.svg")
        assert "<svg" in shot.read_text()
