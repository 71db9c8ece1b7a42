"""One patch: its diff with each finding under its line, and beside it the
patch's findings and the review replies it received."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Header, Static

import reviewer
from tui.patchtext import PatchText, cover_text, patch_text
from tui.render import inert
from tui.screens.base import BaseScreen, PatchAt, RuleAt, ThreadAt
from tui.session import Key
from tui.widgets.keyfooter import KeyFooter
from tui.widgets.lineview import LineView
from tui.widgets.sidelists import FindingList, ReplyList


class PatchScreen(BaseScreen):
    HELP = ("One patch: the commit message and diff, each finding written under the line "
            "it is about (gutter mark ● error, ▲ warning, ◆ info).  n/p walk the findings of "
            "the whole revision, e explains the rule, [ and ] change patch (0 is the "
            "cover letter, with the findings about the revision as a whole).")
    BINDINGS = [
        Binding("n", "next_finding", "Next finding", id="patch.next-finding",
                tooltip="Jump to the next finding (continues into the next patch)"),
        Binding("p", "previous_finding", "Prev finding", id="patch.previous-finding",
                tooltip="Jump to the previous finding"),
        Binding("e", "explain", "Explain", id="patch.explain",
                tooltip="Explain the rule of the finding under the cursor"),
        Binding("right_square_bracket", "next_patch", "Next patch", id="patch.next-patch",
                tooltip="Show the next patch of the revision"),
        Binding("left_square_bracket", "previous_patch", "Prev patch",
                id="patch.previous-patch", tooltip="Show the previous patch of the revision"),
        Binding("t", "thread", "Thread", id="patch.thread",
                tooltip="Read this patch's mail in the thread reader"),
    ]

    def __init__(self, key: Key = (0, 0), index: int = 0,
                 finding: reviewer.Finding | None = None) -> None:
        super().__init__()
        self.key = key
        self.index = index
        self._focus_finding = finding
        self._text = PatchText()
        self._results: tuple[object, object] = (None, None)  # what _show() drew
        self._built: dict[int, tuple[Text, PatchText | None, list[reviewer.Reply]]] = {}
        self._built_for: tuple[object, ...] = (None, None, None, None)

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
        yield KeyFooter()

    def on_mount(self) -> None:
        self._goto()

    def show_target(self, target: PatchAt) -> None:
        """Reuse this screen for another visit: show patch `index` of `key`."""
        if target.key != self.key:
            self._built.clear()
            self._built_for = (None, None, None, None)
        self.key, self.index, self._focus_finding = target.key, target.index, target.finding
        self._text = PatchText()
        self._results = (None, None)
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

    def _build(self, index: int) -> tuple[Text, PatchText | None, list[reviewer.Reply]]:
        """Title, lines and replies of patch `index` (None: it is missing)."""
        rev = self.revision
        patch = next((p for p in rev.patches if p.index == index), None)
        title = Text(f"{rev.label} ", style="bold cyan")
        checked = self.key in self.session.reports
        if index == 0 and rev.cover is not None:
            findings = self.findings_for(0)
            title.append(f"0/{rev.expected} ", style="bold")
            title.append_text(inert(rev.cover.subject.summary))
            text = cover_text(rev, findings)
        elif patch is None:
            title.append(f"patch {index} is missing from this revision", style="red")
            return title, None, []
        else:
            title.append(f"{patch.index}/{patch.total} ", style="bold")
            title.append_text(inert(patch.title))
            findings = self.findings_for(patch.index)
            text = patch_text(rev, patch, findings, self.session.patch_apply(
                self.key, patch.index), self.session.apply_state(self.key))
        title.append(f"   {len(findings)} finding(s)" if checked else "   not checked yet",
                     style="dim")
        return title, text, [r for r in rev.replies if r.patch_index == index]

    def _show(self, keep_cursor: bool = True) -> None:
        results = (self.session.reports.get(self.key), self.session.applies.get(self.key))
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
        empty = "no findings here" if self.key in self.session.reports else "not checked yet"
        self.query_one(FindingList).show([f for f, _ in text.anchors], empty)
        self.query_one(ReplyList).show(replies)

    def refresh_session(self) -> None:
        """Redraw only when this revision's own results changed."""
        s = self.session
        state = (s.reports.get(self.key), s.applies.get(self.key))
        if any(a is not b for a, b in zip(state, self._results, strict=True)):
            self._show()

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
        here = self.query_one("#diff", LineView).current_line
        after = [(f, ln) for f, ln in self._text.anchors if ln > here]
        if after:
            self.goto_finding(after[0][0])
            return
        order = self._patch_indexes()
        later = order[order.index(self.index) + 1:] if self.index in order else []
        for index in later:
            if self.findings_for(index):
                self._show_patch(index)
                if self._text.anchors:
                    self.goto_finding(self._text.anchors[0][0])
                return
        self.notify("no more findings in this revision", markup=False)

    def action_previous_finding(self) -> None:
        here = self.query_one("#diff", LineView).current_line
        before = [(f, ln) for f, ln in self._text.anchors if ln < here]
        if before:
            self.goto_finding(before[-1][0])
            return
        order = self._patch_indexes()
        earlier = order[:order.index(self.index)] if self.index in order else []
        for index in reversed(earlier):
            if self.findings_for(index):
                self._show_patch(index)
                if self._text.anchors:
                    self.goto_finding(self._text.anchors[-1][0])
                return
        self.notify("no earlier findings in this revision", markup=False)

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
