"""Screens are composed once and reused: each visit must look like a fresh one."""

from __future__ import annotations

from textual.screen import Screen

from tests.tui.helpers import settle
from tui import keeper
from tui.app import ReviewerApp
from tui.screens.base import PatchAt, ThreadAt
from tui.screens.compare import CompareScreen
from tui.screens.patch import PatchScreen
from tui.screens.revisions import RevisionsScreen
from tui.screens.thread import ThreadScreen
from tui.widgets.lineview import LineView
from tui.widgets.matrix import RevisionMatrix
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


async def test_screens_not_visited_yet_are_composed_while_the_user_reads(demo_app) -> None:
    """With no key for a while, the kept screens are composed ahead of their
    first visit, unseen; that visit then shows its target like any other."""
    app = demo_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        kinds = (ThreadScreen, PatchScreen, CompareScreen)
        for _ in range(100):
            if all(_kept(app, kind) is not None and _kept(app, kind).is_mounted
                   for kind in kinds):
                break
            await pilot.pause(0.1)
        prepared = {kind: _kept(app, kind) for kind in kinds}
        assert all(s is not None and s.is_mounted for s in prepared.values())
        assert [type(s) for s in app.screen_stack[1:]] == [RevisionsScreen], "all unseen"
        await pilot.press("t")
        await settle(pilot)
        thread = app.screen
        assert thread is prepared[ThreadScreen] and isinstance(thread, ThreadScreen)
        assert thread.shown == app.session.revision(app.revisions.query_one(
            RevisionMatrix).current()[0]).first_message.msgid
        assert thread.query_one(ThreadTree).has_focus


async def test_no_screen_is_composed_while_the_user_types(demo_app, monkeypatch) -> None:
    """Composing takes the UI thread for tens of ms: not while keys come."""
    monkeypatch.setattr(keeper, "QUIET_S", 3600)
    app = demo_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.pause(1)
        assert all(_kept(app, kind) is None for kind in (ThreadScreen, PatchScreen))
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, ThreadScreen) and app.screen.shown is not None


async def test_without_textuals_mounting_step_screens_compose_on_first_visit(
        demo_app, monkeypatch) -> None:
    """A Textual without the private step the keeper uses: nothing is
    composed ahead, and the first visit composes the screen as usual."""
    monkeypatch.setattr(keeper, "MOUNT", None)
    app = demo_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.pause(1)
        assert not app.keeper.prepare_one()
        assert all(_kept(app, kind) is None for kind in (ThreadScreen, PatchScreen))
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, ThreadScreen) and app.screen.shown is not None


def _kept(app: ReviewerApp, kind: type[Screen[None]]) -> Screen[None] | None:
    """The kept screen of `kind`, if there is one yet (installed by name)."""
    name = f"kept-{kind.__name__}"
    return app.get_screen(name) if app.is_screen_installed(name) else None
