"""Lists of findings, of review replies and of patch pairs.

They are `LineView`s rather than OptionLists: refilling an OptionList on
every cursor move in the matrix cost a relayout of the whole screen (about
20 ms a key on the big thread); a LineView only repaints.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.message import Message

import reviewer
from tui.render import Line, clean, finding_text, when
from tui.widgets.lineview import LineView


class ChoiceList(LineView):
    """Entries tagged `(kind, value)`; Enter (bound by each list) or a click
    chooses the entry under the cursor, which posts `chosen(value)`."""

    DEFAULT_CSS = "ChoiceList { overflow-x: hidden; }"  # entries wrap

    def chosen(self, value: Any) -> Message:
        raise NotImplementedError

    def current(self) -> Any | None:
        """The value of the entry under the cursor."""
        tag = self.lines[self.current_line].tag if self.lines else None
        return tag[1] if tag else None

    def action_choose(self) -> None:
        if (value := self.current()) is not None:
            self.post_message(self.chosen(value))

    @on(LineView.Clicked)
    def _clicked(self, event: LineView.Clicked) -> None:
        event.stop()
        self.action_choose()


class FindingList(ChoiceList):
    """Findings, one entry each; Enter jumps to the finding."""

    BINDINGS = [
        Binding("enter", "choose", "Open", show=False, id="findings.open",
                tooltip="Open the finding under the cursor"),
    ]

    class FindingChosen(Message):
        def __init__(self, finding: reviewer.Finding) -> None:
            super().__init__()
            self.finding = finding

    def show(self, findings: list[reviewer.Finding], empty: str,
             marked: Callable[[reviewer.Finding], bool] | None = None) -> None:
        """`marked`: which go into the reply ([x]); None shows no marks."""
        lines: list[Line] = []
        for f in findings:
            where = f"{f.file}:{f.line}" if f.file and f.line else f.file or "(patch)"
            if f.patch is None:
                where = "(revision)"
            text = Text("[x] " if marked(f) else "[ ] ", style="bold") if marked else Text()
            text.append_text(finding_text(f)).append(f"  {clean(where)}", style="dim")
            lines.append(Line(text, tag=("finding", f), indent=6 if marked else 2))
        self.set_lines(lines or [Line(Text(empty, style="dim italic"))])

    @property
    def findings(self) -> list[reviewer.Finding]:
        return [line.tag[1] for line in self.lines if line.tag]

    def point_at(self, finding: reviewer.Finding) -> None:
        """Put the cursor on `finding` (without choosing it)."""
        for i, line in enumerate(self.lines):
            if line.tag and line.tag[1] == finding:
                self.goto_line(i, center=False)
                return

    def chosen(self, value: Any) -> Message:
        return self.FindingChosen(value)


class ReplyList(ChoiceList):
    """The replies a patch received; Enter opens one in the thread reader."""

    BINDINGS = [
        Binding("enter", "choose", "Open", show=False, id="replies.open",
                tooltip="Read the reply under the cursor in the thread"),
    ]

    class ReplyChosen(Message):
        def __init__(self, msgid: str) -> None:
            super().__init__()
            self.msgid = msgid

    def show(self, replies: list[reviewer.Reply]) -> None:
        lines: list[Line] = []
        for reply in replies:
            msg = reply.message
            tag = ("reply", msg.msgid)
            head = Text(clean(msg.sender.name or msg.sender.email), style="yellow")
            head.append(f" {when(msg.date)}", style="dim")
            lines.append(Line(head, tag=tag))
            for t in msg.trailers:
                if t.lname.endswith("-by"):
                    lines.append(Line(Text(f"  {clean(t.name)}", style="bold magenta"),
                                      tag=tag))
            first = next((ln.strip() for ln in msg.body.splitlines()
                          if sum(c.isalpha() for c in ln) > 3
                          and not ln.lstrip().startswith(">")
                          and not ln.rstrip().endswith("wrote:")), "")
            if first:
                lines.append(Line(Text("  " + clean(first[:120]), style="italic"), tag=tag,
                                  indent=2))
        self.set_lines(lines or [Line(Text("no replies to this patch", style="dim italic"))])

    def chosen(self, value: Any) -> Message:
        return self.ReplyChosen(value)


PAIR_STYLE = {"same": "green", "changed": "yellow", "added": "cyan", "removed": "red"}


class PairList(ChoiceList):
    """How the patches of two revisions pair up: `old new status title`;
    Enter opens the pair's patch (the new one, else the old)."""
    BINDINGS = [
        Binding("enter", "choose", "Open", show=False, id="pairs.open",
                tooltip="Open the patch of the pair under the cursor"),
    ]

    class PairChosen(Message):
        def __init__(self, pair: reviewer.PatchPair) -> None:
            super().__init__()
            self.pair = pair

    def show(self, pairs: tuple[reviewer.PatchPair, ...] | list[reviewer.PatchPair],
             trailers: dict[int, reviewer.TrailerCounts] | None = None) -> None:
        """`trailers`: Acked·Reviewed·Tested given on each old patch."""
        lines: list[Line] = []
        for p in pairs:
            text = Text(f"{'-' if p.old is None else p.old:>3}  "
                        f"{'-' if p.new is None else p.new:>3}  ", no_wrap=True)
            text.append(f"{p.status:<8}", style=PAIR_STYLE.get(p.status, ""))
            counts = (trailers or {}).get(p.old or 0)
            text.append(f" {str(counts) if counts else '':5}", style="magenta")
            text.append(f" {clean(p.title)}")
            lines.append(Line(text, wrap=False, tag=("pair", p)))
        self.set_lines(lines)

    @property
    def pairs(self) -> list[reviewer.PatchPair]:
        return [line.tag[1] for line in self.lines if line.tag]

    def chosen(self, value: Any) -> Message:
        return self.PairChosen(value)


class ReviewList(ChoiceList):
    """The compare screen's review: a request's lines are tagged with its
    review mail; Enter reads that mail in the thread."""
    BINDINGS = [
        Binding("enter", "choose", "Read", show=False, id="review.read",
                tooltip="Read the review mail of the request under the cursor"),
    ]
    DEFAULT_CSS = "ReviewList { overflow-x: hidden; }"

    class MailChosen(Message):
        def __init__(self, msgid: str) -> None:
            super().__init__()
            self.msgid = msgid

    def next_request(self, backwards: bool = False) -> None:
        """The cursor to the next (previous) request's first line."""
        heads = [i for i, line in enumerate(self.lines) if line.tag and (
            i == 0 or self.lines[i - 1].tag != line.tag)]
        here = self.current_line
        later = [i for i in heads if (i < here if backwards else i > here)]
        if later:
            self.goto_line(later[-1] if backwards else later[0])

    def chosen(self, value: Any) -> Message:
        return self.MailChosen(value)
