"""One patch: its diff with each finding under its line, and beside it the
patch's findings and the review replies it received.  Here a review is
written: findings marked for the reply, comments under lines, the draft."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Header, Static

import reviewer
from tui import drafting
from tui.notes import LineComment
from tui.patchtext import (
    Notes,
    PatchText,
    comment_line,
    cover_text,
    patch_text,
    remark,
    signature_text,
)
from tui.render import Line, clean, inert
from tui.screens.base import SIDE_PANE, SIDE_PANE_WIDTH, BaseScreen, PatchAt, RuleAt, ThreadAt
from tui.screens.prompts import TextPrompt
from tui.session import Key
from tui.widgets.keyfooter import KeyFooter
from tui.widgets.lineview import LineView
from tui.widgets.replywriter import ReplyWriter
from tui.widgets.sidelists import FindingList, ReplyList


class PatchScreen(BaseScreen):
    HELP = ("One patch: the commit message and diff, each finding under its line (● error, "
            "▲ warning, ◆ info).  n/p walk the revision's findings, e explains the rule, [ "
            "and ] change patch (0: the cover letter, with the findings about the whole "
            "revision); o shows or hides the side pane.  The findings marked [x] go into "
            "the reply, at first the errors and warnings (as `reviewer reply` quotes them); "
            "space marks or unmarks one.  c comments under the cursor's line (edits a "
            "comment; empty deletes it).  w writes the reply draft into the current "
            "directory (replacing a file only when you say so) and opens $EDITOR if set.")
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (SIDE_PANE_WIDTH, "-wide")]
    BINDINGS = [
        SIDE_PANE,
        Binding("n", "next_finding", "Next finding", id="patch.next-finding",
                tooltip="Jump to the next finding (continues into the next patch)"),
        Binding("p", "previous_finding", "Prev finding", show=False, id="patch.previous-finding",
                tooltip="Jump to the previous finding"),
        Binding("e", "explain", "Explain", id="patch.explain",
                tooltip="Explain the rule of the finding under the cursor"),
        Binding("right_square_bracket", "next_patch", "Next patch", id="patch.next-patch",
                tooltip="Show the next patch of the revision"),
        Binding("left_square_bracket", "previous_patch", "Prev patch", show=False,
                id="patch.previous-patch", tooltip="Show the previous patch of the revision"),
        Binding("t", "thread", "Thread", id="patch.thread",
                tooltip="Read this patch's mail in the thread reader"),
        # priority: the diff's own space pages down
        Binding("space", "toggle_mark", "Mark", id="patch.mark", priority=True,
                tooltip="Mark or unmark the finding under the cursor for the reply"),
        Binding("c", "comment", "Comment", id="patch.comment",
                tooltip="Write a comment under the cursor's line (on a comment: edit it)"),
        Binding("w", "write_reply", "Write reply", id="patch.write-reply",
                tooltip="Write the review reply draft to this patch (then open $EDITOR)"),
    ]

    def __init__(self, key: Key = (0, ""), index: int = 0,
                 finding: reviewer.Finding | None = None) -> None:
        super().__init__()
        self.key = key
        self.index = index
        self._focus_finding = finding
        self._text = PatchText()
        self._results: tuple[object, ...] = (None, None, None)  # what _show() drew
        self._built: dict[int, tuple[Text, PatchText | None, list[reviewer.Reply]]] = {}
        self._built_for: tuple[object, ...] = (None,) * 5

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="patch-title")
        with Horizontal(id="patch-body"):
            yield LineView(id="diff")
            with Vertical(id="patch-side"):
                yield Static("Findings", classes="side-title")
                yield FindingList(id="findings")
                yield Static("Review replies", classes="side-title")
                yield ReplyList(id="replies")
        yield ReplyWriter()
        yield KeyFooter()

    def on_mount(self) -> None:
        if self.aimed:
            self._goto()

    def show_target(self, target: PatchAt) -> None:
        """Reuse this screen for another visit: show patch `index` of `key`."""
        if target.key != self.key:
            self._built.clear()
            self._built_for = (None,) * 5
        self.key, self.index, self._focus_finding = target.key, target.index, target.finding
        self._text = PatchText()
        self._results = (None, None, None)
        if self.is_mounted:
            self.query_one(FindingList).set_lines([])
            self.query_one(ReplyList).set_lines([])
            self._goto()

    def _goto(self) -> None:
        self._show(keep_cursor=False)
        if self._focus_finding is not None:
            self.goto_finding(self._focus_finding)
        self.query_one("#diff", LineView).focus()

    @property
    def revision(self) -> reviewer.Revision:
        return self.session.revision(self.key)

    @property
    def patch(self) -> reviewer.Patch | None:
        return next((p for p in self.revision.patches if p.index == self.index), None)

    @property
    def anchors(self) -> list[tuple[reviewer.Finding, int]]:
        return self._text.anchors

    def findings_for(self, index: int) -> list[reviewer.Finding]:
        """The findings shown with patch `index`; those about the revision as
        a whole go with the cover letter (0), or the first patch without one."""
        found = self.session.findings(self.key)
        home = self._patch_indexes()[0] if self._patch_indexes() else 0
        return [f for f in found if f.covers(index) or (f.patch is None and index == home)]

    def _notes(self, index: int) -> Notes:
        notes, key = self.session.notes, self.key
        return Notes(lambda f: notes.marked(key, f), notes.comments(key, index))

    def _signature(self, index: int) -> Text:
        att = self.session.attested.get(self.key, {}).get(index)
        return signature_text(att, self.session.attest_problem)

    def _build(self, index: int) -> tuple[Text, PatchText | None, list[reviewer.Reply]]:
        """Title, lines and replies of patch `index` (None: it is missing)."""
        rev = self.revision
        patch = next((p for p in rev.patches if p.index == index), None)
        if index == 0 and rev.cover is not None:
            text = cover_text(rev, self.findings_for(0), self._notes(0))
        elif patch is None:
            return self._title(index), None, []
        else:
            text = patch_text(rev, patch, self.findings_for(index), self.session.patch_apply(
                self.key, index), self.session.apply_state(self.key), self._notes(index),
                self._signature(index))
        return self._title(index), text, [r for r in rev.replies if r.patch_index == index]

    def _title(self, index: int) -> Text:
        """The revision, the patch and what the review holds of it."""
        rev = self.revision
        patch = next((p for p in rev.patches if p.index == index), None)
        title = Text(f"{rev.label} ", style="bold cyan")
        if index == 0 and rev.cover is not None:
            title.append(f"0/{rev.expected} ", style="bold")
            title.append_text(inert(rev.cover.subject.summary))
        elif patch is None:
            return title.append(f"patch {index} is missing from this revision", style="red")
        else:
            title.append(f"{patch.index}/{patch.total} ", style="bold")
            title.append_text(inert(patch.title))
        if self.key not in self.session.reports:
            return title.append("   not checked yet", style="dim")
        findings = self.findings_for(index)
        marked = sum(self.session.notes.marked(self.key, f) for f in findings)
        comments = len(self.session.notes.comments(self.key, index))
        title.append(f"   {len(findings)} finding(s), {marked} marked"
                     + (f", {comments} comment(s)" if comments else ""), style="dim")
        return title

    def _results_now(self) -> tuple[object, ...]:
        s = self.session
        return s.reports.get(self.key), s.applies.get(self.key), s.attested.get(self.key)

    def _show(self, keep_cursor: bool = True) -> None:
        results = self._results_now()
        # new results (or a work state the apply line tells): rebuild every patch
        built_for = (*results, self.session.state, self.session.problem)
        if any(a is not b for a, b in zip(built_for, self._built_for, strict=True)):
            self._built.clear()
            self._built_for = built_for
        self._results = results
        if self.index not in self._built:  # [ ] n p come back to patches: build once
            self._built[self.index] = self._build(self.index)
        title, text, replies = self._built[self.index]
        self.query_one("#patch-title", Static).update(title, layout=False)
        diff = self.query_one("#diff", LineView)
        if text is None:
            diff.set_lines([])
            return
        self._text = text
        diff.set_lines(text.lines, keep_cursor=keep_cursor)
        self._show_findings()
        self.query_one(ReplyList).show(replies)

    def _show_findings(self) -> None:
        empty = "no findings here" if self.key in self.session.reports else "not checked yet"
        notes, key = self.session.notes, self.key
        self.query_one(FindingList).show([f for f, _ in self._text.anchors], empty,
                                         lambda f: notes.marked(key, f))

    def refresh_session(self) -> None:
        """Redraw only when this revision's own results changed."""
        if any(a is not b for a, b in zip(self._results_now(), self._results, strict=True)):
            self._show()

    def current_series(self) -> int | None:
        return self.key[0]

    # -- findings -------------------------------------------------------------

    def goto_finding(self, finding: reviewer.Finding) -> None:
        for f, line in self._text.anchors:
            if f == finding:
                self.query_one("#diff", LineView).goto_line(line)
                self.query_one(FindingList).point_at(f)
                return

    def _show_patch(self, index: int) -> None:
        self.index = index
        self._show(keep_cursor=False)

    def _patch_indexes(self) -> list[int]:
        """0 stands for the cover letter, when there is one."""
        rev = self.revision
        return ([0] if rev.cover is not None else []) + [p.index for p in rev.patches]

    def action_next_finding(self) -> None:
        self._step_finding(forward=True)

    def action_previous_finding(self) -> None:
        self._step_finding(forward=False)

    def _step_finding(self, forward: bool) -> None:
        """To the next (or previous) finding, in a later (earlier) patch when
        this one has no more."""
        here = self.query_one("#diff", LineView).current_line
        ahead = [f for f, ln in self._text.anchors if (ln > here if forward else ln < here)]
        if ahead:
            self.goto_finding(ahead[0 if forward else -1])
            return
        order = self._patch_indexes()
        at = order.index(self.index) if self.index in order else None
        rest = [] if at is None else order[at + 1:] if forward else order[:at][::-1]
        for index in rest:
            if self.findings_for(index):
                self._show_patch(index)
                if self._text.anchors:
                    self.goto_finding(self._text.anchors[0 if forward else -1][0])
                return
        self.notify(f"no {'more' if forward else 'earlier'} findings in this revision",
                    markup=False)

    def current_finding(self) -> reviewer.Finding | None:
        """The finding the user is looking at: the list's highlight when the
        list has focus, else the nearest one at or above the diff cursor."""
        flist = self.query_one(FindingList)
        if flist.has_focus:
            return flist.current()
        here = self.query_one("#diff", LineView).current_line
        before = [f for f, ln in self._text.anchors if ln <= here]
        if before:
            return before[-1]
        return self._text.anchors[0][0] if self._text.anchors else None

    def action_explain(self) -> None:
        finding = self.current_finding()
        if finding is None:
            self.notify("no finding here to explain", markup=False)
            return
        self.open(RuleAt(finding.rule_id))

    @on(LineView.CursorMoved, "#diff")
    def _cursor(self, event: LineView.CursorMoved) -> None:
        if isinstance(event.tag, tuple) and event.tag[0] == "finding":
            self.query_one(FindingList).point_at(event.tag[1])

    @on(FindingList.FindingChosen)
    def _chosen(self, event: FindingList.FindingChosen) -> None:
        self.goto_finding(event.finding)
        self.query_one("#diff", LineView).focus()

    @on(ReplyList.ReplyChosen)
    def _reply(self, event: ReplyList.ReplyChosen) -> None:
        self.open(ThreadAt(event.msgid))

    # -- patches --------------------------------------------------------------

    def action_next_patch(self) -> None:
        order = self._patch_indexes()
        if self.index in order and order.index(self.index) + 1 < len(order):
            self._show_patch(order[order.index(self.index) + 1])

    def action_previous_patch(self) -> None:
        order = self._patch_indexes()
        if self.index in order and order.index(self.index) > 0:
            self._show_patch(order[order.index(self.index) - 1])

    def action_thread(self) -> None:
        patch, cover = self.patch, self.revision.cover
        msgid = patch.msgid if patch else cover.msgid if cover and self.index == 0 else None
        self.open(ThreadAt(msgid))

    # -- the review: marks, comments, the draft --------------------------------

    def _noted(self, lines: list[tuple[int, int, list[Line], int | None]]) -> None:
        """The notes changed: splice the changed lines in (start, stop,
        lines, the reply line they are about) instead of a rebuild, which
        costs the whole patch; then the title and the list follow."""
        diff = self.query_one("#diff", LineView)
        for start, stop, new, at in lines:
            self._text.splice(start, stop, new, at)
            diff.splice(start, stop, new)
        title = self._title(self.index)
        self._built[self.index] = (title, *self._built[self.index][1:])
        self.query_one("#patch-title", Static).update(title, layout=False)
        self._show_findings()

    def _finding_here(self) -> reviewer.Finding | None:
        """The finding the cursor is on, or the first one under its line."""
        flist = self.query_one(FindingList)
        if flist.has_focus:
            return flist.current()
        here = self.query_one("#diff", LineView).current_line
        exact = [f for f, ln in self._text.anchors if ln == here]
        under = [f for f, ln in self._text.anchors if ln == here + 1]
        return next(iter(exact or under), None)

    def action_toggle_mark(self) -> None:
        finding = self._finding_here()
        if finding is None:
            self.notify("no finding on this line (n goes to the next one)", markup=False)
            return
        marked = self.session.notes.toggle(self.key, finding)
        self._noted([(n, n + 1, [remark(self._text.lines[n], marked)], self._text.quoted.get(n))
                     for f, n in self._text.anchors if f == finding])

    def action_comment(self) -> None:
        here = self.query_one("#diff", LineView).current_line
        at = self._text.quoted.get(here)
        if at is None:
            self.notify("a comment goes under a line of the message or of the diff",
                        markup=False)
            return
        tag = self._text.lines[here].tag
        old = tag[1] if isinstance(tag, tuple) and tag[0] == "comment" else None
        replies, index, key = self._text.replies, self.index, self.key
        line = replies[at]

        def written(text: str | None) -> None:
            text = (text or "").strip()
            if old is None and not text or old is not None and text == old.comment.text:
                return
            new = LineComment(at, reviewer.Comment.under(index, line, text)) if text else None
            self.session.notes.put_comment(key, new, old)
            if (self.key, self.index) != (key, index) or self._text.replies is not replies:
                self._built.pop(index, None)  # redrawn meanwhile: draw it with the note
                self._show()
                return
            shown = [comment_line(new)] if new else []
            if old is not None:
                here = next(n for n, ln in enumerate(self._text.lines)
                            if ln.tag == ("comment", old))
                self._noted([(here, here + 1, shown, at)])
            else:
                end = self._text.block(at).stop
                self._noted([(end, end, shown, at)])

        where = clean(line.text)[:60] or "(an empty line)"
        self.app.push_screen(TextPrompt(f"Comment under: {where}",
                                        old.comment.text if old else ""), written)

    def action_write_reply(self) -> None:
        rev, session = self.revision, self.session
        if self.index not in self._patch_indexes():
            self.notify(f"patch {self.index} is missing from {rev.label}: nothing to reply to",
                        markup=False)
            return
        if self.key not in session.reports and session.state in ("loading", "applying",
                                                                 "checking"):
            self.notify(f"{rev.label} is not checked yet: w again once it is (the reply "
                        "quotes its findings)", markup=False)
            return
        marked = [f for f in self.findings_for(self.index) if session.notes.marked(self.key, f)]
        request = drafting.DraftRequest(
            rev, self.index, session.findings(self.key), frozenset(marked),
            tuple(c.comment for c in session.notes.comments(self.key, self.index)),
            session.applies.get(self.key), session.tree, Path.cwd())
        self.query_one(ReplyWriter).write(request, self.key[0])
