"""The `/` prompt of the reader: Enter searches, Esc closes."""

from __future__ import annotations

from textual import on
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input


class SearchBar(Input):
    # Always there, see-through while closed: showing it then only repaints
    # one line (display and visibility both lay the screen out again)
    DEFAULT_CSS = """
    SearchBar { dock: bottom; height: 1; border: none; padding: 0 1; opacity: 0%; }
    SearchBar:focus { border: none; }
    SearchBar.-open { opacity: 100%; }
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

    PROMPT = "search (Enter: find, n/N: next/previous, Esc: close)"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.cursor_blink = False  # deterministic screenshots
        self.can_focus = False  # while closed: Tab must not land on it

    def open(self) -> None:
        self.add_class("-open")
        self.placeholder = self.PROMPT  # empty while closed: no text to see without colours
        self.can_focus = True
        self.focus()

    def close(self) -> None:
        self.remove_class("-open")
        self.placeholder = self.value = ""
        self.can_focus = False

    def action_close(self) -> None:
        self.close()
        self.post_message(self.SearchClosed())

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.close()
        self.post_message(self.SearchRequested(event.value))
