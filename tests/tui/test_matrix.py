"""The revision matrix widget: rows follow the results as they arrive (a
label's colour included), the cell cursor moves, scrolls both ways on a small
terminal, and a click on the cursor's cell opens it."""

from __future__ import annotations

from pathlib import Path

import reviewer
from bench.synth import synthetic_thread
from tests.core.gitutil import init_repo
from tests.tui.helpers import screen_text, settle
from tui.app import make_app
from tui.screens.patch import PatchScreen
from tui.screens.thread import ThreadScreen
from tui.widgets.matrix import RevisionMatrix


async def test_row_labels_take_the_colour_of_their_worst_finding(demo_app) -> None:
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        matrix = app.screen.query_one(RevisionMatrix)
        # Text == ignores a Text's own style: the label must still be restyled
        styles = [str(matrix.cells(i)[0].style) for i in range(4)]
        assert styles == ["bold bold red", "bold yellow", "bold bold red", "bold green"]


async def test_revisions_that_did_not_apply_say_their_findings_are_diff_level(
        demo_app, sample: tuple[Path, Path], tmp_path: Path) -> None:
    """On a tree that is not the series' base nothing applies: each apply
    cell says "diff" (diff-level findings only), no label is green, the base
    column and its detail tell what was tried, and the status line is red."""
    _tree, mbox = sample
    other = tmp_path / "other"
    init_repo(other, {"README": "not this project\n"})
    app = make_app(str(mbox), reviewer.Options(tree=str(other), cache=False))
    async with app.run_test(size=(160, 30)) as pilot:
        await settle(pilot)
        matrix = app.screen.query_one(RevisionMatrix)
        columns = [key for key, _label, _width in matrix.columns_for(app.session.families)]
        for row in range(matrix.row_count):
            cells = dict(zip(columns, matrix.cells(row), strict=True))
            assert cells["apply"].plain.startswith("✗") and cells["apply"].plain.endswith("diff")
            assert "green" not in str(cells["rev"].style)
        assert "no revision applied" in screen_text(app)
        await pilot.press(*["l"] * columns.index("base"))
        detail = str(app.screen.query_one("#cell-detail").render())
        assert detail.startswith(("base ", "no base found"))


async def test_the_matrix_shows_each_revisions_base_and_trailers(demo_app) -> None:
    """Applied on the sample's base (named in the mails); v4 got one
    Reviewed-by, counted in its A·R·T cell and listed in the cell's detail."""
    app = demo_app()
    async with app.run_test(size=(160, 30)) as pilot:
        await settle(pilot)
        matrix = app.screen.query_one(RevisionMatrix)
        columns = [key for key, _label, _width in matrix.columns_for(app.session.families)]
        rows = [dict(zip(columns, matrix.cells(r), strict=True)) for r in range(4)]
        assert [r["base"].plain for r in rows] == ["sample-base"] * 4
        assert [r["trailers"].plain for r in rows] == ["0·0·0"] * 3 + ["0·1·0"]
        assert columns.index("error") < columns.index("warning") < columns.index("POL")
        await pilot.press("G", *["l"] * columns.index("trailers"))
        detail = str(app.screen.query_one("#cell-detail").render())
        assert detail.startswith("Acked·Reviewed·Tested given: 0·1·0. Reviewed-by: ")


async def test_cursor_moves_by_cell_and_clicks_open(demo_app) -> None:
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        matrix = app.screen.query_one(RevisionMatrix)
        await pilot.press("j", "l", "l", "l")
        assert matrix.current() == ((0, "v2"), "base")
        await pilot.press("l")
        assert matrix.current() == ((0, "v2"), "apply")
        await pilot.press("G", "h", "h", "h")
        assert matrix.current() == ((0, "v4"), "title")
        await pilot.press("g")
        assert matrix.current() == ((0, "v1"), "title")
        # a click moves the cursor; a click on the cursor's cell opens it
        edges = matrix._edges  # noqa: SLF001  # where the columns start
        await pilot.click(RevisionMatrix, offset=(edges[0] + 2, 3))  # rev of v3
        assert matrix.current() == ((0, "v3"), "rev")
        await pilot.click(RevisionMatrix, offset=(edges[0] + 2, 3))
        await pilot.pause()
        assert isinstance(app.screen, ThreadScreen)


async def test_a_small_terminal_scrolls_to_the_cursor(tmp_path: Path) -> None:
    thread = tmp_path / "big.mbox"
    thread.write_bytes(synthetic_thread(messages=120, revisions=12))
    app = make_app(str(thread), None)
    async with app.run_test(size=(60, 16)) as pilot:
        await settle(pilot)
        matrix = app.screen.query_one(RevisionMatrix)
        assert matrix.row_count == 12
        await pilot.press("G", *["l"] * 12)
        await pilot.pause()
        assert matrix.current() == ((0, "v12"), "sig")  # the last column
        assert matrix.scroll_x > 0 and matrix.scroll_y > 0
        header = next(line for line in screen_text(app).splitlines() if "A·R·T" in line)
        assert "title" not in header  # the header stays on top and follows the columns
        await pilot.press("enter")  # signatures of the last revision: its patch
        await pilot.pause()
        assert isinstance(app.screen, (ThreadScreen, PatchScreen))
