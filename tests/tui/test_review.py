"""Ending a review from the TUI (issue 17): marks and comments in a patch,
the reply draft written and read back as a mail, the review state set
with keys and kept across runs, and the signatures on the matrix."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import sys
from pathlib import Path

import pytest
from helpers import PEERS, need
from mailfactory import ed25519_key, mail, patatt_sign
from textual.pilot import Pilot

import reviewer
from tests.tui.helpers import screen_text, settle, type_text
from tui import drafting
from tui.app import ReviewerApp, make_app
from tui.notes import marked_by_default
from tui.screens.base import PatchAt
from tui.screens.patch import PatchScreen
from tui.screens.prompts import Confirm, StateMenu, TextPrompt
from tui.widgets.lineview import LineView
from tui.widgets.matrix import RevisionMatrix
from tui.widgets.sidelists import FindingList

SIZE = (120, 40)
V3 = (0, "v3")  # v3 of the sample: patch 1 has two POL012 errors, one per file


async def _open_v3_patch1(app: ReviewerApp, pilot: Pilot[object]) -> PatchScreen:
    """The patch screen on v3 1/9, the cursor on its first finding."""
    await settle(pilot)
    first = next(f for f in app.session.findings(V3) if f.patch == 1)
    app.go(PatchAt(V3, 1, first))
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, PatchScreen)
    assert [f for f, _ in screen.anchors][0] == first
    return screen


def _diff(screen: PatchScreen) -> LineView:
    return screen.query_one("#diff", LineView)


def _line_of(diff: LineView, text: str) -> int:
    return next(i for i, line in enumerate(diff.lines) if text in line.text.plain)


async def _comment(pilot: Pilot[object], diff: LineView, line: int, text: str) -> None:
    """`c` on `line`, then `text` (replacing what the prompt holds) and Enter."""
    diff.goto_line(line)
    await pilot.press("c")
    assert isinstance(pilot.app.screen, TextPrompt)
    await pilot.press("ctrl+u")  # the prompt holds the comment being edited
    await type_text(pilot, text)
    await pilot.press("enter")
    await pilot.pause()


def _stored(series: reviewer.Series) -> reviewer.TrackedSeries | None:
    """What the review state store holds for `series`, opened anew."""
    states = reviewer.ReviewStates()
    try:
        return states.get(series)
    finally:
        states.close()


def _draft(directory: Path) -> email.message.EmailMessage:
    (path,) = directory.glob("*.eml")
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(msg, email.message.EmailMessage)
    return msg


def test_errors_and_warnings_are_marked_at_first_as_reply_quotes_them() -> None:
    def finding(severity: reviewer.Severity) -> reviewer.Finding:
        return reviewer.Finding("POL999", severity, "m", 1, 1, None, None, "diff", "fp")

    assert [marked_by_default(finding(s)) for s in reviewer.Severity] == [True, True, False]


async def test_space_marks_the_findings_that_go_into_the_reply(demo_app) -> None:
    app = demo_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_v3_patch1(app, pilot)
        diff, notes = _diff(screen), app.session.notes
        found = [f for f, _ in screen.anchors]
        first, count = found[0], len(found)
        assert all(notes.marked(V3, f) for f in found)  # errors and warnings
        assert "╰ [x] ● POL012" in diff.row_text(diff.cursor)

        await pilot.press("space")  # on the finding itself
        assert "╰ [ ] ● POL012" in diff.row_text(diff.cursor)
        assert not notes.marked(V3, first) and all(notes.marked(V3, f) for f in found[1:])
        side = [line.text.plain[:4] for line in screen.query_one(FindingList).lines]
        assert side == ["[ ] "] + ["[x] "] * (count - 1)
        assert (f"{count} finding(s), {count - 1} marked"
                in str(screen.query_one("#patch-title").render()))

        await pilot.press("k", "space")  # on the line the finding is written under
        assert notes.marked(V3, first)
        await pilot.press("space", "g", "space")  # the header line: no finding to mark
        assert not notes.marked(V3, first)

        app.rerun()  # the same findings found again keep their marks
        await settle(pilot)
        again = next(f for f in app.session.findings(V3) if f == first)
        assert again is not first and not notes.marked(V3, again)


async def test_comments_and_marks_go_into_the_draft_under_their_lines(
        demo_app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    app = demo_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_v3_patch1(app, pilot)
        diff = _diff(screen)
        anchor = screen.anchors[0][1]  # POL012, marked
        await _comment(pilot, diff, anchor - 1, "Every caller breaks here")
        assert diff.lines[anchor + 1].text.plain.strip() == "✎ Every caller breaks here"
        removed = next(i for i, line in enumerate(diff.lines)
                       if line.tag and line.tag[0] == "line" and line.tag[2] is None)
        await _comment(pilot, diff, removed, "The old prototype goes")
        old_line = next(q for q in reviewer.reply_lines(app.session.revision(V3), 1)
                        if q.old is not None and q.new is None)
        await _comment(pilot, diff, _line_of(diff, "A caller that keeps"), "Say why")
        temporary = _line_of(diff, "@@ -14,14 +14,18 @@")
        await _comment(pilot, diff, temporary, "Gone soon")
        await _comment(pilot, diff, temporary + 1, "")  # on the comment: emptied, deleted
        assert "Gone soon" not in diff.text()
        await _comment(pilot, diff, _line_of(diff, "✎ Say why"), "Say why the flag is needed")
        assert "Say why the flag" in diff.text()
        await pilot.press("g", "c")  # the Author line is no line of the mail
        assert isinstance(app.screen, PatchScreen)
        # the notes were spliced in line by line: as a build from scratch shows them
        rows = [diff.row_text(i) for i in range(diff.row_count)]
        screen._built.clear()  # noqa: SLF001
        screen.refresh_session()
        screen._show()  # noqa: SLF001
        assert [diff.row_text(i) for i in range(diff.row_count)] == rows

        await pilot.press("w")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)  # mark the series replied? not now
        assert "Mark the series as replied?" in screen_text(app)
        await pilot.press("n")
        await settle(pilot)
        series = app.session.opened.series[0]
        patch = app.session.revision(V3).patches[0]

    msg = _draft(tmp_path)
    assert msg["In-Reply-To"] == f"<{patch.msgid}>"
    assert str(msg["Subject"]).strip() == f"Re: {patch.message.subject.full}"
    lines = msg.get_content().splitlines()

    def under(quoted: str) -> list[str]:
        """The unquoted lines right under a quoted one."""
        at = lines.index(quoted) + 1
        end = next((i for i in range(at, len(lines)) if lines[i].startswith(">")), len(lines))
        return [line for line in lines[at:end] if line]

    below = under(">  struct dentry *lookup_one_len_unlocked(const char *name,")
    assert below[0].startswith("POL012 (error): changes lookup_one_len_unlocked()")
    assert below[-1] == "Every caller breaks here"  # the finding, then the comment
    assert under(f"> {old_line.text}") == ["The old prototype goes"]
    assert under("> A caller that keeps its own record of a failed lookup, as a stacking") == [
        "Say why the flag is needed"]
    assert "Gone soon" not in lines
    tracked = _stored(series)  # the checks were recorded, the state left alone
    assert tracked is not None and tracked.state is reviewer.ReviewState.NEW
    assert tracked.summary is not None and tracked.summary.version == 4


async def test_an_existing_draft_is_replaced_only_when_confirmed(
        demo_app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    app = demo_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_v3_patch1(app, pilot)
        await pilot.press("w")
        await settle(pilot)
        await pilot.press("y")  # yes, mark the series replied
        await settle(pilot)
        assert app.sub_title.endswith("review: replied")
        (path,) = tmp_path.glob("*.eml")
        first = path.read_bytes()

        assert "POL012 (error)" in _draft(tmp_path).get_content()
        _diff(screen).goto_line(screen.anchors[0][1])
        await pilot.press("space")  # this time without the finding
        await _comment(pilot, _diff(screen), screen.anchors[0][1] - 1, "One more thing")
        await pilot.press("w")
        await settle(pilot)
        assert isinstance(app.screen, Confirm) and "exists" in screen_text(app)
        await pilot.press("n")
        await settle(pilot)
        assert path.read_bytes() == first and isinstance(app.screen, PatchScreen)

        await pilot.press("w")
        await settle(pilot)
        await pilot.press("y")  # replace it (no question about the state: replied already)
        await settle(pilot)
        assert isinstance(app.screen, PatchScreen)
        replaced = _draft(tmp_path).get_content()
        assert "One more thing" in replaced and "POL012" not in replaced
        series = app.session.opened.series[0]
    tracked = _stored(series)
    assert tracked is not None and tracked.state is reviewer.ReviewState.REPLIED


def test_the_editor_command_is_split_not_given_to_a_shell(tmp_path: Path) -> None:
    script = tmp_path / "my editor.py"
    script.write_text("import sys\nopen(sys.argv[1], 'a').write('edited; $(touch x)\\n')\n")
    draft = tmp_path / "re-v1.eml"
    draft.write_text("draft\n")
    argv = drafting.editor_command(draft, {"EDITOR": f"{sys.executable} '{script}'"})
    assert argv == [sys.executable, str(script), str(draft)]
    assert drafting.run_editor(argv) == 0
    assert draft.read_text() == "draft\nedited; $(touch x)\n"
    assert not (tmp_path / "x").exists()
    assert drafting.editor_command(draft, {}) is None
    with pytest.raises(ValueError):
        drafting.editor_command(draft, {"EDITOR": "vi 'unbalanced"})


async def test_state_keys_are_kept_across_runs(demo_app) -> None:
    app = demo_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.sub_title.endswith("review: new")
        await pilot.press("s")
        assert isinstance(app.screen, StateMenu)
        await pilot.press("v")
        await settle(pilot)
        assert "review: reviewing" in screen_text(app)
        series = app.session.opened.series[0]
    tracked = _stored(series)
    assert tracked is not None and tracked.state is reviewer.ReviewState.REVIEWING

    app = demo_app()  # a new run reads it back
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.sub_title.endswith("review: reviewing")
        await pilot.press("s", "z")
        await type_text(pilot, "next week")
        await pilot.press("enter")
        await settle(pilot)
        assert app.sub_title.endswith("review: reviewing")  # not a date: nothing changes
        await pilot.press("s", "z")
        await type_text(pilot, "+2w")
        await pilot.press("enter")
        await settle(pilot)
        until = dt.date.today() + dt.timedelta(days=14)
        assert app.sub_title.endswith(f"review: snoozed until {until}")
        await pilot.press("t", "s", "w")  # from the thread reader too
        await settle(pilot)
        assert app.sub_title.endswith("review: waiting")
        await pilot.press("s", "escape")
        await settle(pilot)
    tracked = _stored(series)
    assert tracked is not None and tracked.state is reviewer.ReviewState.WAITING


async def test_a_damaged_state_file_is_moved_aside_and_said(demo_app) -> None:
    path = reviewer.default_state_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not a database, " * 100)
    app = demo_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        told = [n.message for n in app._notifications]  # noqa: SLF001
        assert any("was damaged" in m and "moved to" in m for m in told), told
        assert app.sub_title.endswith("review: new")
    (aside,) = path.parent.glob(f"{path.name}.bad-*")
    assert aside.read_bytes().startswith(b"not a database")


# -- signatures -------------------------------------------------------------
AUTHOR = "lin@example.org"


def _revisions_mbox(tmp_path: Path, data_home: Path) -> Path:
    """v1 signed, v2 signed and then changed (bad), v3 unsigned."""
    key = ed25519_key(data_home, AUTHOR)

    def one(version: int) -> bytes:
        tag = f"PATCH v{version}" if version > 1 else "PATCH"
        return mail(f"[{tag}] ovl: set err before use", msgid=f"v{version}@example.org",
                    sender=f"Lin Author <{AUTHOR}>",
                    date=f"Mon, 0{version} Apr 2024 10:00:00 +0000").encode()

    signed = patatt_sign(one(1), key, AUTHOR)
    bad = patatt_sign(one(2), key, AUTHOR).replace(b"+\terr = 0;", b"+\terr = 1;")
    path = tmp_path / "signed.mbox"
    path.write_bytes(b"".join(b"From mboxrd@z Thu Jan  1 00:00:00 1970\n" + raw + b"\n"
                              for raw in (signed, bad, one(3))))
    return path


async def test_the_matrix_marks_good_bad_and_missing_signatures(
        tmp_path: Path, isolated_env: Path) -> None:
    mbox = _revisions_mbox(tmp_path, isolated_env / ".local/share")
    app = make_app(str(mbox), None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        matrix = app.screen.query_one(RevisionMatrix)
        assert matrix.row_count == 3
        marks = [matrix.cells(row)[-1] for row in range(3)]
        assert [m.plain for m in marks] == ["✓", "▲", "–"]
        assert [str(m.style) for m in marks] == ["green", "yellow", "dim"]  # bad: a warning
        await pilot.press("j", *["l"] * 12)
        assert matrix.current() == ((0, "v2"), "sig")
        detail = str(app.screen.query_one("#cell-detail").render())
        assert "1 bad" in detail and "patatt ed25519 lin@example.org: bad" in detail
        await pilot.press("enter")  # the patch whose signature the mark tells
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PatchScreen) and screen.key == (0, "v2")
        signed = _diff(screen).lines[2].text.plain
        assert signed.startswith("Signed: ▲ patatt ed25519 lin@example.org: bad")


async def test_the_peer_samples_are_signed_without_a_key_here() -> None:
    shazam = need(PEERS / "b4" / "samples" / "shazam-git1-just-series.mbox")
    app = make_app(str(shazam), None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        matrix = app.screen.query_one(RevisionMatrix)
        assert matrix.cells(0)[-1].plain == "?"
        await pilot.press(*["l"] * 12)
        assert matrix.current() == ((0, "v1"), "sig")
        detail = str(app.screen.query_one("#cell-detail").render())
        assert "4 no-key" in detail and "konstantin@linuxfoundation.org" in detail
