"""The `/` prompt of the reader: Enter searches, Esc closes."""

from __future__ import annotations

from textual import on
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input


class SearchBar(Input):
    # hidden, not display:none: showing it then only repaints one line
    # instead of laying the screen out again
    DEFAULT_CSS = """
    SearchBar { dock: bottom; height: 1; border: none; padding: 0 1; visibility: hidden; }
    SearchBar:focus { border: none; }
    SearchBar.-open { visibility: visible; }
    """
    BINDINGS = [
        Binding("escape", "close", "Close search", id="search.close",
                tooltip="Close the search prompt and clear the highlight"),
    ]

    class SearchRequested(Message):
        def __init__(self, term: str) -> None:
            super().__init__()
            self.term = term

    class SearchClosed(Message):
        """The prompt was dismissed with Esc."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(placeholder="search (Enter: find, n/N: next/previous, Esc: close)",
                         id=id)
        self.cursor_blink = False  # deterministic screenshots

    def open(self) -> None:
        self.add_class("-open")
        self.focus()

    def action_close(self) -> None:
        self.remove_class("-open")
        self.post_message(self.SearchClosed())

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.remove_class("-open")
        self.post_message(self.SearchRequested(event.value))
