"""`?`: every binding of the app, the current screen's first."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.helpdata import HelpEntry, HelpSection, sections
from tui.render import Line
from tui.screens.base import BaseScreen
from tui.screens.compare import CompareScreen
from tui.screens.explain import ExplainScreen
from tui.screens.patch import PatchScreen
from tui.screens.prompts import STATE_HELP, Confirm, StateMenu, TextPrompt
from tui.screens.revisions import RevisionsScreen
from tui.screens.thread import ThreadScreen
from tui.widgets.lineview import LineView
from tui.widgets.matrix import RevisionMatrix
from tui.widgets.searchbar import SearchBar
from tui.widgets.sidelists import FindingList, PairList, ReplyList, ReviewList
from tui.widgets.threadtree import ThreadTree


def help_lines(sections: Sequence[HelpSection]) -> list[Line]:
    lines: list[Line] = []
    for section in sections:
        lines.append(Line(Text(section.title, style="bold cyan"), tag=("section", section.title)))
        if section.text:
            lines.append(Line(Text(section.text, style="italic")))
        for e in section.entries:
            text = Text(f"  {' '.join(e.keys):<16}", style="bold")
            text.append(f"{e.description:<16}", style="yellow")
            text.append(f" {e.tooltip}")
            lines.append(Line(text, tag=("binding", e.id)))
        lines.append(Line(Text("")))
    return lines


def app_help(app: type, current: type | None,
             show_key: Callable[[str], str]) -> list[HelpSection]:
    """The help of `app`: the bindings of each screen and widget, grouped by
    where they apply, the `current` screen's first."""
    contexts: list[tuple[str, str, list[type]]] = [
        ("Everywhere", "", [app, BaseScreen]),
        ("Revisions", RevisionsScreen.HELP, [RevisionsScreen, RevisionMatrix]),
        ("Lists", "The findings and replies lists also move with j/k/g/G.",
         [FindingList, ReplyList]),
        ("Thread", ThreadScreen.HELP, [ThreadScreen, ThreadTree, LineView, SearchBar]),
        ("Patch", PatchScreen.HELP, [PatchScreen]),
        ("Compare", CompareScreen.HELP, [CompareScreen, PairList, ReviewList]),
        ("Review state", STATE_HELP, [StateMenu]),
        ("Pop-ups", "The help, the rule explanation, questions and text prompts.",
         [HelpScreen, ExplainScreen, Confirm, TextPrompt]),
    ]
    contexts.sort(key=lambda c: current not in c[2])  # the current screen first
    palette = HelpEntry(("^p",), "Commands", "Open the command palette", "command-palette")
    return sections(contexts, show_key, {"Everywhere": [palette]})


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss", "Close", id="help.close",
                tooltip="Close the help"),
    ]

    def __init__(self, sections: Sequence[HelpSection]) -> None:
        super().__init__()
        self.sections = list(sections)

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield Static(Text("Keys  (j/k scroll, Esc or q closes)", style="bold"),
                         id="help-title")
            yield LineView(id="help-lines")

    def on_mount(self) -> None:
        view = self.query_one(LineView)
        view.set_lines(help_lines(self.sections))
        view.focus()

    @property
    def entries(self) -> list[HelpEntry]:
        return [e for s in self.sections for e in s.entries]

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
