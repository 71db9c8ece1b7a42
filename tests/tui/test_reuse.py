"""Screens are composed once and reused: each visit must look like a fresh one."""

from __future__ import annotations

from tests.tui.helpers import settle
from tui.screens.base import PatchAt, ThreadAt
from tui.screens.compare import CompareScreen
from tui.screens.patch import PatchScreen
from tui.screens.thread import ThreadScreen
from tui.widgets.lineview import LineView
from tui.widgets.searchbar import SearchBar
from tui.widgets.threadtree import ThreadTree

SIZE = (120, 40)


async def test_a_kept_screen_is_reused_and_starts_over(demo_app) -> None:
    app = demo_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("t")
        first = app.screen
        assert isinstance(first, ThreadScreen)
        start = first.shown
        await pilot.press("j", "j", "slash", "f", "o")
        assert first.query_one(SearchBar).has_class("-open")
        await pilot.press("escape", "q", "q", "t")  # the reader, the tree, out
        await settle(pilot)
        assert app.screen is first  # the same instance, back at the start
        assert first.shown == start and first.query_one(ThreadTree).has_focus
        assert not first.query_one(SearchBar).has_class("-open")


async def test_a_screen_on_the_stack_is_not_reused(demo_app) -> None:
    app = demo_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.go(ThreadAt(None))
        await settle(pilot)
        thread = app.screen
        app.go(PatchAt((0, "v3"), 1))
        await settle(pilot)
        patch = app.screen
        assert isinstance(patch, PatchScreen) and patch.index == 1
        app.go(ThreadAt(None))
        await settle(pilot)
        assert isinstance(app.screen, ThreadScreen) and app.screen is not thread
        await pilot.press("q", "q", "q")
        app.go(PatchAt((0, "v2"), 2))
        await settle(pilot)
        assert app.screen is patch and patch.key == (0, "v2") and patch.index == 2
        assert patch.query_one("#diff", LineView).current_line == 0


async def test_compare_reused_compares_the_new_pair(demo_app) -> None:
    app = demo_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        first = screen._pair
        await pilot.press("right_square_bracket")
        await settle(pilot)
        pair = screen._pair
        assert pair != first
        await pilot.press("q", "c")
        await settle(pilot)
        assert app.screen is screen and screen._pair == first and screen.comparison is not None


async def test_a_kept_screen_is_restyled_only_when_the_theme_changed(demo_app) -> None:
    """Pushing a kept screen again skips re-applying its styles (~15 ms a
    visit), unless the theme changed while it was away."""
    app = demo_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        screen = app.screen
        restyled: list[bool] = []
        original = screen.update_node_styles

        def counted(animate: bool = True) -> None:
            restyled.append(animate)
            original(animate=animate)

        screen.update_node_styles = counted  # type: ignore[method-assign]
        await pilot.press("q", "t")
        await pilot.pause()
        assert app.screen is screen and restyled == []
        await pilot.press("q")
        app.theme = "textual-light" if app.theme != "textual-light" else "textual-dark"
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        assert app.screen is screen and restyled
