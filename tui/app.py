"""The Textual application: screens are installed here, work happens in the
`reviewer` core called from workers."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Header, Static

import reviewer


class ReviewerApp(App[int]):
    """Open a thread (and optionally a tree) for review."""

    CSS_PATH = "styles/app.tcss"
    TITLE = "reviewer"
    BINDINGS = [Binding("q", "quit", "Quit", id="quit", tooltip="Leave reviewer")]

    def __init__(self, source: str, tree: str | None = None) -> None:
        super().__init__()
        self.source = source
        self.tree = tree

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="body")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = self.source
        try:
            opened = reviewer.open_source(self.source)
        except reviewer.ReviewerError as exc:
            self.query_one("#body", Static).update(f"error: {exc}")
            return
        lines = [f"{s.title}: {', '.join(r.label for r in s.revisions)}" for s in opened.series]
        self.query_one("#body", Static).update("\n".join(lines))


def run_app(source: str, tree: str | None = None) -> int:
    return ReviewerApp(source, tree).run() or 0
