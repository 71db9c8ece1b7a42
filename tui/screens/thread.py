"""The thread reader: the reply tree beside a mutt-like reader pane.  As in
mutt, `/` searches the whole thread (the mail shown, then the next ones in
tree order; n/N go on, wrapping), Space pages and then goes on to the next
mail, and `q` backs out one level (reader → tree → previous screen).
Times are in UTC on every screen."""

from __future__ import annotations

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Header, Static

import reviewer
from tui.render import mail_lines
from tui.screens.base import BaseScreen, PatchAt, ThreadAt
from tui.widgets.keyfooter import KeyFooter
from tui.widgets.lineview import LineView
from tui.widgets.searchbar import SearchBar
from tui.widgets.threadtree import ThreadTree


class ThreadScreen(BaseScreen):
    # Narrower than this, the reader would have less than 70 columns beside
    # the tree: the two take turns, as mutt's index and pager
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (117, "-wide")]
    HELP = ("The thread: every message in its reply tree (revision, author, time in UTC) "
            "and the selected mail as mutt shows it, quotes coloured by depth.  In the "
            "tree Space folds a branch; in the reader Space pages, then goes to the next "
            "mail.  / searches the whole thread (n/N: next/previous match, in this mail "
            "and then the others).  q goes back from the reader to the tree, then out.")
    BINDINGS = [
        Binding("slash", "search", "Search", id="thread.search",
                tooltip="Search the whole thread, from the mail in the reader on"),
        Binding("n", "search_next", "Next match", id="thread.next-match",
                tooltip="Next match of the search, in this mail or the next ones"),
        Binding("N", "search_previous", "Prev match", show=False, id="thread.previous-match",
                tooltip="Previous match of the search, in this mail or the ones before"),
        Binding("d", "open_patch", "Patch", id="thread.patch",
                tooltip="Open the patch this message is (or answers) with its findings"),
    ]

    def __init__(self, msgid: str | None = None) -> None:
        super().__init__()
        self._start = msgid
        self._shown: str | None = None
        self._term = ""
        self._texts: dict[str, str] = {}  # msgid → its text, lower-cased, for the search

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
        if self.aimed:
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

    def show_message(self, msgid: str, force: bool = False) -> None:
        """Show `msgid` in the reader (`force`: again, cursor at the top)."""
        opened = self.session.opened
        if opened is None or (msgid == self._shown and not force) \
                or msgid not in opened.thread.messages:
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
        title.append("  (times in UTC)", style="dim")
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
        self._reading()
        self.query_one(LineView).focus()

    def _reading(self, reading: bool = True) -> None:
        """On a narrow terminal the reader takes the whole width while it
        (or its search prompt) is in use, the tree the rest of the time."""
        if self.has_class("-narrow"):  # a class change restyles the screen (~30 ms)
            self.set_class(reading, "-reading")

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        self._reading(self.query_one("#reader-pane").has_focus_within)

    def on_resize(self, event: events.Resize) -> None:
        # before Screen's own handler sets the width's class: a -reading left
        # over from a wide screen would hide the focused tree (a resize
        # restyles the screen anyway)
        self.set_class(self.query_one("#reader-pane").has_focus_within, "-reading")

    def action_search(self) -> None:
        self._reading()
        self.query_one(SearchBar).open()

    @on(SearchBar.SearchRequested)
    def _search(self, event: SearchBar.SearchRequested) -> None:
        self._term = event.term
        self._reading()
        self.query_one(LineView).focus()
        if event.term:
            self._search_thread(event.term)

    def _search_thread(self, term: str, backwards: bool = False) -> None:
        """The next match after the cursor in the mail shown, else the first
        (last, backwards) in the next mail holding it, in tree order."""
        reader = self.query_one(LineView)
        if reader.search(term, backwards, wrap=False):
            return
        opened = self.session.opened
        if opened is None or self._shown is None:
            return
        order = [m.msgid for _depth, m in opened.thread.walk()]
        here = order.index(self._shown)
        step = -1 if backwards else 1
        needle = term.lower()
        for i in range(1, len(order) + 1):
            msgid = order[(here + step * i) % len(order)]
            if needle not in self._haystack(opened.thread.messages[msgid]):
                continue
            self.show_message(msgid, force=True)
            if reader.search(term, backwards, wrap=False, from_edge=True):
                self.query_one(ThreadTree).reveal(msgid)
                return
        self.notify(f"not found: {term}", markup=False)

    def _haystack(self, msg: reviewer.Message) -> str:
        """A mail not shown, lower-cased, for the search to skip it fast (the
        reader then searches what it shows, and on a miss the next mail)."""
        if msg.msgid not in self._texts:
            text = "\n".join((str(msg.sender), msg.subject.full, msg.body))
            self._texts[msg.msgid] = text.lower()
        return self._texts[msg.msgid]

    @on(SearchBar.SearchClosed)
    def _search_closed(self) -> None:
        self._term = ""
        reader = self.query_one(LineView)
        reader.clear_search()
        reader.focus()

    def action_search_next(self) -> None:
        if self._term:
            self._search_thread(self._term)

    def action_search_previous(self) -> None:
        if self._term:
            self._search_thread(self._term, backwards=True)

    @on(LineView.PagedPastEnd, "#reader")
    def _next_mail(self) -> None:
        """Space at the end of a mail: the next one in tree order, as mutt."""
        opened = self.session.opened
        if opened is None or self._shown is None:
            return
        order = [m.msgid for _depth, m in opened.thread.walk()]
        here = order.index(self._shown)
        if here + 1 < len(order):
            self.show_message(order[here + 1])
            self.query_one(ThreadTree).reveal(order[here + 1])

    def action_back(self) -> None:
        """From the reader to the tree, from the tree out (mutt's pager, index)."""
        reader = self.query_one(LineView)
        if reader.has_focus:  # at once (focus() waits a turn): a second q leaves
            self.set_focus(self.query_one(ThreadTree))
        else:
            self.dismiss()

    def action_open_patch(self) -> None:
        place = self.session.place(self._shown) if self._shown else None
        if place is None or not place.patch:
            self.notify("this message is not a patch nor a reply to one", markup=False)
            return
        self.open(PatchAt((place.series, place.label), place.patch))
