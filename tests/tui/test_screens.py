"""Pilot tests on the sample: each screen's content and the way between them."""

from __future__ import annotations

import dataclasses

import pytest
from textual.pilot import Pilot

import reviewer
from tests.tui.helpers import screen_text, settle
from tui.app import make_app
from tui.screens.base import PatchAt
from tui.screens.compare import CompareScreen
from tui.screens.explain import ExplainScreen
from tui.screens.help import HelpScreen
from tui.screens.patch import PatchScreen
from tui.screens.prompts import StateMenu
from tui.screens.revisions import RevisionsScreen
from tui.screens.thread import ThreadScreen
from tui.widgets.lineview import LineView
from tui.widgets.matrix import RevisionMatrix
from tui.widgets.sidelists import FindingList, ReplyList, ReviewList
from tui.widgets.threadtree import ThreadTree

SIZE = (120, 40)


async def test_matrix_shows_every_revision_applied_and_checked(demo_app) -> None:
    app = demo_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, RevisionsScreen)
        matrix = app.screen.query_one(RevisionMatrix)
        assert matrix.row_count == 4
        rows = [[cell.plain for cell in matrix.cells(i)] for i in range(4)]
        assert [r[0].split()[0] for r in rows] == ["v1", "v2", "v3", "v4"]
        assert rows[2][2] == "9/9" and all(r[4].startswith("✓") for r in rows)
        assert app.session.state == "done" and len(app.session.reports) == 4
        text = screen_text(app)
        assert "4 revision(s) applied and checked" in text
        assert "31 messages, 4 revisions" in text
        assert "Findings of v1" in text


async def test_cell_detail_explains_the_cell_under_the_cursor(demo_app) -> None:
    app = demo_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("l", "l", "l")  # the base column of v1: what chose it
        detail = str(app.screen.query_one("#cell-detail").render())
        assert detail.startswith("base sample-base (") and "base-commit" in detail
        await pilot.press("l")  # the apply column
        detail = str(app.screen.query_one("#cell-detail").render())
        assert "base" in detail and "all 1 patches apply" in detail
        await pilot.press("l", "l", "l", "l")  # POL: a rule that could not run says why
        detail = str(app.screen.query_one("#cell-detail").render())
        assert "POL:" in detail and "skipped" in detail


async def test_enter_on_a_family_cell_opens_its_first_finding(demo_app) -> None:
    app = demo_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", *["l"] * 8, "enter")  # v3, POL
        screen = app.screen
        assert isinstance(screen, PatchScreen) and screen.key == (0, "v3")
        first = [f for f in app.session.findings((0, "v3")) if f.rule_id.startswith("POL")][0]
        assert screen.current_finding() == first
        assert screen.index == (first.patch or 0)


async def test_patch_screen_walks_findings_and_explains_rules(demo_app) -> None:
    app = demo_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        finding = next(f for f in app.session.findings((0, "v3")) if f.rule_id == "POL012")
        app.go(PatchAt((0, "v3"), finding.patch, finding))
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PatchScreen) and screen.index == finding.patch
        diff = screen.query_one("#diff", LineView)
        row = diff.row_text(diff.cursor)
        assert "POL012" in row and "╰" in row
        # the diff line above the annotation carries the gutter mark and number
        anchor = dict((f, i) for f, i in screen.anchors)[finding]
        assert diff.lines[anchor - 1].text.plain.startswith("● ")
        assert f"{finding.line:>6}" in diff.lines[anchor - 1].text.plain
        flist = screen.query_one(FindingList)
        assert flist.findings == [f for f, _ in screen.anchors] and flist.findings
        assert flist.current() == finding
        replies = screen.query_one(ReplyList)
        assert "Anika Rosen" in replies.text()  # patch 1/9 of v3 was answered
        await pilot.press("e")
        assert isinstance(app.screen, ExplainScreen) and app.screen.rule_id == "POL012"
        assert "What it does" in screen_text(app)
        await pilot.press("escape")
        assert app.screen is screen
        await pilot.press("right_square_bracket")
        assert screen.index == finding.patch + 1
        # one cause, one finding, shown with every patch it covers (2/9 does not build)
        assert screen.query_one(FindingList).findings == [finding]
        # v2 1/1 exports three helpers: n and p walk its three findings
        exports = [f for f in app.session.findings((0, "v2")) if f.rule_id == "POL014"]
        app.go(PatchAt((0, "v2"), 1, exports[0]))
        await settle(pilot)
        assert app.screen.current_finding() == exports[0]  # type: ignore[attr-defined]
        await pilot.press("n")
        assert app.screen.current_finding() == exports[1]  # type: ignore[attr-defined]
        await pilot.press("p")
        assert app.screen.current_finding() == exports[0]  # type: ignore[attr-defined]
        while isinstance(app.screen, PatchScreen):
            await pilot.press("q")
        assert isinstance(app.screen, RevisionsScreen)


async def test_revision_wide_findings_live_on_the_cover_letter(demo_app) -> None:
    app = demo_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.go(PatchAt((0, "v3"), 0))
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PatchScreen)
        wide = [f for f in app.session.findings((0, "v3")) if f.patch is None]
        assert [f for f, _ in screen.anchors] == wide
        assert "0/9 Drop negative dentries" in screen_text(app)
        await pilot.press("left_square_bracket")  # nothing before the cover
        assert screen.index == 0
        await pilot.press("right_square_bracket")
        assert screen.index == 1


async def test_thread_reader_tree_reader_and_search(demo_app) -> None:
    app = demo_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("t")
        screen = app.screen
        assert isinstance(screen, ThreadScreen)
        tree = screen.query_one(ThreadTree)
        assert tree.has_focus
        opened = app.session.opened
        assert opened is not None
        first = opened.thread.walk()[0][1]
        assert screen.shown == first.msgid
        reader = screen.query_one(LineView)
        assert reader.text().startswith(f"From: {first.sender}")
        await pilot.press("j")  # the first reply
        second = opened.thread.walk()[1][1]
        assert screen.shown == second.msgid
        assert "Revision: v1" in reader.text()
        label = tree.cursor_node.label.plain  # type: ignore[union-attr]
        assert label.startswith("v1 Anika Rosen 2024-03-04")
        await pilot.press("tab")
        assert reader.has_focus
        await pilot.press("slash", *"overlay", "enter")
        assert "overlay" in reader.row_text(reader.cursor).lower()
        first_hit = reader.cursor
        await pilot.press("n")
        assert reader.cursor != first_hit
        await pilot.press("N")
        assert reader.cursor == first_hit
        await pilot.press("shift+tab", "j", "j")
        await pilot.press("d")  # a reply to patch v1: opens that patch
        assert isinstance(app.screen, PatchScreen) and app.screen.key == (0, "v1")
        await pilot.press("q", "q")
        assert isinstance(app.screen, RevisionsScreen)


async def test_the_reader_searches_the_whole_thread_and_pages_on_as_mutt(demo_app) -> None:
    """`/` finds a word that only later mails hold (in tree order, the tree
    following), n/N walk the matches across mails and wrap; Space pages to
    the end of a mail and then shows the next one; q goes from the reader to
    the tree, then out; times are shown in UTC."""
    app = demo_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("t", "tab")
        screen = app.screen
        assert isinstance(screen, ThreadScreen)
        reader, tree = screen.query_one(LineView), screen.query_one(ThreadTree)
        order = [m for _depth, m in app.session.opened.thread.walk()]  # type: ignore[union-attr]
        assert reader.has_focus and screen.shown == order[0].msgid
        assert "Date: " in reader.text() and " UTC (sent at " in reader.text()
        term = "LOOKUP_NOCACHE_NEG"
        holding = [m.msgid for m in order if term in m.body or term in m.subject.full]
        assert len(holding) > 2 and order[0].msgid not in holding
        await pilot.press("slash", *term.lower(), "enter")
        await pilot.pause()
        assert screen.shown == holding[0]
        assert term.lower() in reader.row_text(reader.cursor).lower()
        assert tree.current == holding[0]
        seen = [screen.shown]
        for _ in range(60):  # every match of every mail, then back to the first
            await pilot.press("n")
            if screen.shown != seen[-1]:
                seen.append(screen.shown)
            if screen.shown == holding[0] and len(seen) > 1:
                break
        assert seen[:-1] == holding and seen[-1] == holding[0]
        await pilot.press("N")  # back over the wrap: the last mail's last match
        assert screen.shown == holding[-1]
        # Space pages, then the next mail in tree order
        at = [m.msgid for m in order].index(screen.shown)
        for _ in range(200):
            await pilot.press("space")
            if screen.shown != order[at].msgid:
                break
        assert screen.shown == order[at + 1].msgid
        await pilot.press("q")  # the reader → the tree
        assert tree.has_focus and isinstance(app.screen, ThreadScreen)
        await pilot.press("q")
        assert isinstance(app.screen, RevisionsScreen)


async def test_thread_tree_collapses_and_expands(demo_app) -> None:
    app = demo_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("t")
        tree = app.screen.query_one(ThreadTree)
        total = tree.last_line
        await pilot.press("h")  # collapse the first revision's branch
        assert tree.last_line < total
        await pilot.press("l")
        assert tree.last_line == total
        await pilot.press("G")
        assert tree.cursor_line == total
        await pilot.press("g")
        assert tree.cursor_line == 0


async def test_compare_shows_pairs_rangediff_and_findings(demo_app) -> None:
    app = demo_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "c")  # v3 against v2
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        comparison = screen.comparison
        assert (comparison.old, comparison.new) == ("v2", "v3")
        pairs = screen.query_one("#pairs")
        # v2's one patch shares no changed line with any of v3's nine: ten rows
        assert pairs.row_count == len(comparison.pairs) == 10
        findings = screen.query_one("#compare-findings", LineView).text()
        assert "New in v3" in findings and "Fixed since v2" in findings
        right = screen.query_one(ReviewList)
        assert right.text().startswith("Requests on v2, in v3")
        await pilot.press("d")  # the range-diff instead of the review
        assert right.text() == comparison.range_diff.expandtabs(8).rstrip("\n")
        assert right.has_focus
        await pilot.press("d")
        assert right.has_focus and right.text().startswith("Requests on v2, in v3")
        await pilot.press("shift+tab", "shift+tab")  # findings, then the pairs
        assert pairs.has_focus
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert (screen.comparison.old, screen.comparison.new) == ("v3", "v4")
        assert pairs.pairs == list(screen.comparison.pairs)
        await pilot.press("enter")  # the pair under the cursor: its patch in v4
        await pilot.pause()
        patch = app.screen
        assert isinstance(patch, PatchScreen)
        assert (patch.key, patch.index) == ((0, "v4"), screen.comparison.pairs[0].new)
        await pilot.press("q", "q")
        assert isinstance(app.screen, RevisionsScreen)


@pytest.mark.parametrize("tree", [True, False])
async def test_compare_opens_on_the_comparison_made_ahead(sample, tree: bool,
                                                          monkeypatch) -> None:
    """Once the run is done the analysis child compares neighbouring
    revisions: `c` shows that comparison at once, with no work of its own
    (this process could not compare now), with a tree or without."""
    app = make_app(str(sample[1]), reviewer.Options(tree=str(sample[0]) if tree else None))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert set(app.session.ahead) == {((0, "v1"), (0, "v2")), ((0, "v2"), (0, "v3")),
                                          ((0, "v3"), (0, "v4"))}

        def cannot(*args: object) -> None:
            raise AssertionError("compared in the UI process")

        monkeypatch.setattr(reviewer, "compare_pair", cannot)
        await pilot.press("j", "j", "c")  # v3 against v2
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        assert screen.comparison is app.session.ahead[((0, "v2"), (0, "v3"))][1]
        assert screen.query_one("#pairs").row_count == 10
        await pilot.press("right_square_bracket")
        assert (screen.comparison.old, screen.comparison.new) == ("v3", "v4")
        assert not [w for w in app.workers if w.group == "compare"]


async def test_compare_shows_each_request_with_its_verdict_and_evidence(demo_app) -> None:
    """What the reviewers asked of v3 and what v4 did: each request's verdict,
    quote, words and evidence; n walks the requests and Enter reads the
    review mail in the thread, q comes back."""
    app = demo_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "j", "c")  # v4 against v3
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        c = screen.comparison
        assert (c.old, c.new) == ("v3", "v4") and c.requests
        review = screen.query_one(ReviewList)
        text = review.text()
        assert text.startswith(f"Requests on v3, in v4: {len(c.requests)} addressed")
        for request in c.requests:
            name = request.reviewer.name or request.reviewer.email
            assert f"[{request.verdict}] {name}" in text
            for evidence in request.evidence:
                assert f"· {evidence.kind}: " in text
        for title in ("Bot reports on v3", "API surface", "Trailers given on v3"):
            assert title in text
        assert "v4 no longer: changes lookup_one_len_unlocked()" in text
        assert review.has_focus
        await pilot.press("n", "n")  # the second request
        assert review.current() == c.requests[1].msgid
        await pilot.press("p")
        assert review.current() == c.requests[0].msgid
        await pilot.press("enter")
        await pilot.pause()
        thread = app.screen
        assert isinstance(thread, ThreadScreen) and thread.shown == c.requests[0].msgid
        await pilot.press("q")
        assert app.screen is screen


async def _compare(pilot: Pilot[object], *moves: str) -> CompareScreen:
    """Once the work is done, `moves` on the matrix, then c: the screen."""
    await settle(pilot)
    await pilot.press(*moves, "c")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, CompareScreen)
    return screen


async def test_without_a_tree_d_shows_each_pairs_interdiff(sample) -> None:
    """Nothing applied, so no range-diff: d shows the diff of each pair's
    diffs instead, coloured as a diff."""
    _tree, mbox = sample
    app = make_app(str(mbox), reviewer.Options(cache=False))
    async with app.run_test(size=SIZE) as pilot:
        screen = await _compare(pilot, "j")  # v2 against v1
        c = screen.comparison
        assert not c.range_diff and c.interdiffs
        await pilot.press("d")
        view = screen.query_one(ReviewList)
        lines = view.text().splitlines()
        assert lines[0].startswith("Interdiff (no applied commits")
        assert str(screen.query_one("#compare-right-title").render()) == \
            "Interdiff (d: the review)"
        assert lines[1:1 + len(c.interdiffs[0].text.splitlines())] == [
            line.expandtabs(8) for line in c.interdiffs[0].text.splitlines()]


async def test_the_pairs_show_the_trailers_given_on_each_old_patch(demo_app) -> None:
    """A·R·T beside each pair: what reviewers gave on the old patch (a cover
    letter's trailer counts on each of its patches)."""
    from tui.screens.compare import patch_trailers

    app = demo_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _compare(pilot, "j")  # v2 against v1
        c = screen.comparison
        who = reviewer.Address("Ria Viewer", "ria@example.org")
        given = [reviewer.GivenTrailer(name, who, "<r@x>", 1, 1)
                 for name in ("Reviewed-by", "Tested-by", "Acked-by", "Reviewed-by")]
        carried = tuple(reviewer.CarriedTrailer(t, 1, 1, reviewer.CarryStatus.CARRIED, "")
                        for t in given)
        counts = patch_trailers(dataclasses.replace(c, trailers=carried))
        assert counts == {1: reviewer.TrailerCounts(1, 2, 1)}
        pairs = screen.query_one("#pairs")
        pairs.show(c.pairs, counts)
        assert " 1·2·1 " in pairs.text()


async def test_help_lists_the_bindings_and_closes(demo_app) -> None:
    app = demo_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = app.screen.query_one(LineView).text()
        assert text.startswith("Revisions")  # the current screen first
        for words in ("Open what is behind the cell", "Search the whole thread",
                      "Jump to the next finding", "Open the command palette"):
            assert words in text
        await pilot.press("escape")
        assert isinstance(app.screen, RevisionsScreen)


async def test_command_palette_offers_the_main_actions(demo_app) -> None:
    app = demo_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"compare")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CompareScreen)


async def test_q_backs_out_one_level_on_every_screen(demo_app) -> None:
    app = demo_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for opening, kind in ((["t"], ThreadScreen), (["enter"], ThreadScreen),
                              (["c"], CompareScreen), (["question_mark"], HelpScreen),
                              (["s"], StateMenu), (["j", "j", *["l"] * 8, "enter"], PatchScreen)):
            await pilot.press(*opening)
            await settle(pilot)
            assert isinstance(app.screen, kind), opening
            await pilot.press("q")
            await pilot.pause()
            assert isinstance(app.screen, RevisionsScreen), opening
            await pilot.press("g", *["h"] * 12)  # back to the first cell
        await pilot.press("j", "j", *["l"] * 8, "enter", "e")  # a rule's explanation
        await settle(pilot)
        assert isinstance(app.screen, ExplainScreen)
        await pilot.press("q")
        assert isinstance(app.screen, PatchScreen)
