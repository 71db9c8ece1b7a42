"""`e`: a rule's documentation (What it does / Why is this bad? / Example)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown, Static

import reviewer


class ExplainScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q,e", "close", "Close", id="explain.close",
                tooltip="Close the explanation"),
        Binding("j,down", "scroll(1)", "Down", show=False, id="explain.down",
                tooltip="Scroll down"),
        Binding("k,up", "scroll(-1)", "Up", show=False, id="explain.up", tooltip="Scroll up"),
    ]

    def __init__(self, rule_id: str) -> None:
        super().__init__()
        self.rule_id = rule_id

    def compose(self) -> ComposeResult:
        try:
            rule = reviewer.get_rule(self.rule_id)
        except (KeyError, reviewer.ReviewerError):
            title = Text(f"{self.rule_id}: unknown rule", style="bold red")
            doc = "This rule is not registered in this version of reviewer."
        else:
            title = Text(f"{rule.id} {rule.name}", style="bold")
            title.append(f"   {rule.severity.value}, {rule.scope.value} scope", style="dim")
            doc = rule.doc  # our own rule docs, not mail text: markdown is safe here
        with Vertical(id="explain-box"):
            yield Static(title, id="explain-title")
            with VerticalScroll(id="explain-scroll"):
                yield Markdown(doc, id="explain-doc")

    def on_mount(self) -> None:
        self.query_one("#explain-scroll").focus()

    def action_close(self) -> None:
        self.dismiss()

    def action_scroll(self, lines: int) -> None:
        self.query_one("#explain-scroll", VerticalScroll).scroll_relative(y=lines,
                                                                         animate=False)
