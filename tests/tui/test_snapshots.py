"""SVG snapshots of the main screens on the sample at 120×40.

Every run waits for the background work (and the compare worker) before
the picture is taken, so the pictures do not depend on timing.  Update with
`pytest tests/tui --snapshot-update` after an intended change, and look at
the SVGs in tests/tui/__snapshots__/ before checking them in.  They show the
findings of the current rules: a new rule changes them on purpose.
"""

from __future__ import annotations

from textual.pilot import Pilot

from tests.tui.helpers import settle, type_text
from tui.screens.base import PatchAt

SIZE = (120, 40)


def test_revisions_matrix(snap_compare, demo_app) -> None:  # type: ignore[no-untyped-def]
    """You should see the triage matrix: v1..v4 all applied (✓), POL/RACE
    counts coloured by their worst severity, the sig column's dim – (the
    sample's mails are unsigned), the explanation of the v1 rev cell, v1's
    findings listed below, "4 revision(s) applied and checked" and the
    header's "review: new"."""
    assert snap_compare(demo_app(), terminal_size=SIZE, run_before=settle)


def test_thread_reader(snap_compare, demo_app) -> None:  # type: ignore[no-untyped-def]
    """You should see the reply tree (every message with its revision, author
    and time in UTC) and, on the right, Anika Rosen's reply to v1: trimmed
    headers (its Date in UTC, the zone it was sent in beside), quoted text
    dimmed and the quoted diff in the quote colour; the title says "(times in
    UTC)"."""
    assert snap_compare(demo_app(), terminal_size=SIZE, run_before=settle, press=["t", "j"])


def test_patch_with_findings(snap_compare, demo_app) -> None:  # type: ignore[no-untyped-def]
    """You should see v3 1/9 with the cursor on the POL012 finding written
    under line 116 of fs/namei.c (a ● in the gutter, [x]: it goes into a
    reply), the patch's findings on the right, both marked [x], and the
    review replies below them."""

    async def open_patch(pilot: Pilot[object]) -> None:
        await settle(pilot)
        app = pilot.app
        finding = next(f for f in app.session.findings((0, "v3"))  # type: ignore[attr-defined]
                       if f.rule_id == "POL012" and f.line == 116)
        app.go(PatchAt((0, "v3"), 1, finding))  # type: ignore[attr-defined]
        await settle(pilot)

    assert snap_compare(demo_app(), terminal_size=SIZE, run_before=open_patch)


def test_patch_with_review_notes(snap_compare, demo_app) -> None:  # type: ignore[no-untyped-def]
    """You should see v3 1/9 as a reply is prepared: its POL012 finding
    unmarked ([ ]) in the diff and in the list on the right, a magenta ✎
    comment "Every caller breaks here" under line 116 of fs/namei.c, the
    title saying "1 finding(s), 0 marked, 1 comment(s)", the header
    "review: reviewing" and Mark, Comment and Write reply in the footer."""

    async def prepare(pilot: Pilot[object]) -> None:
        await settle(pilot)
        app = pilot.app
        first = next(f for f in app.session.findings((0, "v3"))  # type: ignore[attr-defined]
                     if f.patch == 1)
        app.go(PatchAt((0, "v3"), 1, first))  # type: ignore[attr-defined]
        await settle(pilot)
        await pilot.press("space", "k", "c")
        await type_text(pilot, "Every caller breaks here")
        await pilot.press("enter", "s", "v")
        await settle(pilot)

    assert snap_compare(demo_app(), terminal_size=SIZE, run_before=prepare)


def test_compare_v3_v4(snap_compare, demo_app) -> None:  # type: ignore[no-untyped-def]
    """You should see v3 compared with v4: how the nine patches of v3 pair
    with v4's one, the findings new in v4 / fixed since v3 (the one bisect
    finding of 1/9-8/9 first; v4 is a rewrite, so nothing went with a
    dropped patch) / persisting, and on the right what the reviewers asked
    of v3, each request with its verdict in v4 and its evidence."""

    async def open_compare(pilot: Pilot[object]) -> None:
        await settle(pilot)
        await pilot.press("G", "c")
        await settle(pilot)

    assert snap_compare(demo_app(), terminal_size=SIZE, run_before=open_compare)


def test_help(snap_compare, demo_app) -> None:  # type: ignore[no-untyped-def]
    """You should see the help pop-up over the matrix: the Revisions keys
    first (Quit, Open, Thread, Compare, Re-run, j/k/h/l/g/G) with the legend
    of the sig column, then the other screens' keys, each with its tooltip."""
    assert snap_compare(demo_app(), terminal_size=SIZE, run_before=settle,
                        press=["question_mark"])
