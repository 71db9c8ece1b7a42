"""The thread reader: the reply tree beside a mutt-like reader pane."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Header, Static

from tui.render import mail_lines
from tui.screens.base import BaseScreen, PatchAt, ThreadAt
from tui.widgets.keyfooter import KeyFooter
from tui.widgets.lineview import LineView
from tui.widgets.searchbar import SearchBar
from tui.widgets.threadtree import ThreadTree


class ThreadScreen(BaseScreen):
    HELP = ("The thread: every message in its reply tree (author, date, revision) and "
            "the selected mail as mutt shows it.  Space folds a branch; / searches the mail.")
    BINDINGS = [
        Binding("slash", "search", "Search", id="thread.search",
                tooltip="Search the mail in the reader"),
        Binding("n", "search_next", "Next match", id="thread.next-match",
                tooltip="Next match of the search"),
        Binding("N", "search_previous", "Prev match", show=False, id="thread.previous-match",
                tooltip="Previous match of the search"),
        Binding("d", "open_patch", "Patch", id="thread.patch",
                tooltip="Open the patch this message is (or answers) with its findings"),
    ]

    def __init__(self, msgid: str | None = None) -> None:
        super().__init__()
        self._start = msgid
        self._shown: str | None = None
        self._term = ""

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="thread-body"):
            yield ThreadTree(id="thread-tree")
            with Vertical(id="reader-pane"):
                yield Static(id="reader-title")
                yield LineView(id="reader")
                yield SearchBar(id="search")
        yield KeyFooter()

    def on_mount(self) -> None:
        self._goto()

    def show_target(self, target: ThreadAt) -> None:
        """Reuse this screen for another visit: start over at `msgid`."""
        self._start = target.msgid
        if self.is_mounted:
            self._goto()

    def _goto(self) -> None:
        """What a fresh screen shows: the tree folded as new, no search."""
        opened = self.session.opened
        tree = self.query_one(ThreadTree)
        if opened is None:
            self.query_one("#reader-title", Static).update(Text("still loading…", style="dim"))
            return
        self._shown = None
        self._term = ""
        self.query_one(SearchBar).close()
        self.query_one(LineView).clear_search()
        tree.show_thread(opened.thread, self.session.label)
        tree.scroll_to(0, 0, animate=False)
        start = self._start or (opened.thread.roots[0] if opened.thread.roots else None)
        if start:
            tree.reveal(start)
            self.show_message(start)
        tree.focus()

    def show_message(self, msgid: str) -> None:
        opened = self.session.opened
        if opened is None or msgid == self._shown or msgid not in opened.thread.messages:
            return
        msg = opened.thread.messages[msgid]
        self._shown = msgid
        place = self.session.place(msgid)
        where = ""
        if place is not None:
            where = place.label + (f" patch {place.patch}" if place.patch else
                                           " cover" if place.patch == 0 else "")
        self.query_one(LineView).set_lines(mail_lines(msg, where))
        depth = len(opened.thread.ancestors(msgid))
        title = Text(f"{where or 'not in a revision'}", style="bold cyan")
        title.append(f"  reply depth {depth}" if depth else "  thread start", style="dim")
        self.query_one("#reader-title", Static).update(title, layout=False)

    @property
    def shown(self) -> str | None:
        return self._shown

    def current_series(self) -> int | None:
        place = self.session.place(self._shown) if self._shown else None
        return place.series if place else None

    @on(ThreadTree.MessageHighlighted)
    def _highlighted(self, event: ThreadTree.MessageHighlighted) -> None:
        self.show_message(event.msgid)

    @on(ThreadTree.MessageChosen)
    def _chosen(self, event: ThreadTree.MessageChosen) -> None:
        self.show_message(event.msgid)
        self.query_one(LineView).focus()

    def action_search(self) -> None:
        self.query_one(SearchBar).open()

    @on(SearchBar.SearchRequested)
    def _search(self, event: SearchBar.SearchRequested) -> None:
        self._term = event.term
        reader = self.query_one(LineView)
        reader.focus()
        if event.term and not reader.search(event.term):
            self.notify(f"not found: {event.term}", markup=False)

    @on(SearchBar.SearchClosed)
    def _search_closed(self) -> None:
        self._term = ""
        reader = self.query_one(LineView)
        reader.clear_search()
        reader.focus()

    def action_search_next(self) -> None:
        if self._term:
            self.query_one(LineView).search(self._term)

    def action_search_previous(self) -> None:
        if self._term:
            self.query_one(LineView).search(self._term, backwards=True)

    def action_open_patch(self) -> None:
        place = self.session.place(self._shown) if self._shown else None
        if place is None or not place.patch:
            self.notify("this message is not a patch nor a reply to one", markup=False)
            return
        self.open(PatchAt((place.series, place.label), place.patch))
