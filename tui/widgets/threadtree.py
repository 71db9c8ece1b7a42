"""The reply tree of a thread, filled lazily: a node's children are added the
first time it is expanded, so a 1,000-message thread costs only the visible
nodes on mount."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

import reviewer
from tui.render import clean, when

EXPAND_ALL_BELOW = 300  # threads up to this size open fully expanded


def _norm(subject: str) -> str:
    s = subject.strip()
    while s.lower().startswith(("re:", "aw:", "fwd:")):
        s = s[s.index(":") + 1:].strip()
    return s


def message_label(msg: reviewer.Message, parent: reviewer.Message | None, revision: str) -> Text:
    """`v3 Anika Rosen 2024-03-12 13:34 subject` — the subject only when it
    is new in this branch, as mutt does."""
    text = Text(no_wrap=True)
    if revision:
        text.append(f"{revision} ", style="bold cyan")
    author = msg.sender.name or msg.sender.email
    text.append(clean(author), style="bold" if msg.subject.is_patch and not msg.subject.is_reply
                else "yellow")
    text.append(f" {when(msg.date).removesuffix(' UTC')}", style="dim")  # the title says UTC
    subject = msg.subject
    if subject.is_patch and not subject.is_reply:
        counter = f"{subject.counter}/{subject.total} " if subject.counters_given else ""
        text.append(f"  {counter}{clean(subject.summary)}")
    elif parent is None or _norm(parent.subject.full) != _norm(subject.full):
        text.append(f"  {clean(subject.full)}", style="italic")
    return text


class ThreadTree(Tree[str]):
    """Node data is the Message-ID."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="tree.down", tooltip="Next message"),
        Binding("k", "cursor_up", "Up", show=False, id="tree.up", tooltip="Previous message"),
        Binding("g,home", "first", "First", show=False, id="tree.first",
                tooltip="First message"),
        Binding("G,end", "last", "Last", show=False, id="tree.last",
                tooltip="Last visible message"),
        Binding("h,left", "collapse", "Collapse", show=False, id="tree.collapse",
                tooltip="Collapse this branch (or go to its parent)"),
        Binding("l,right", "expand", "Expand", show=False, id="tree.expand",
                tooltip="Expand this branch"),
        Binding("space", "toggle_node", "Fold", show=False, id="tree.fold",
                tooltip="Fold or unfold this branch"),
        Binding("enter", "select_cursor", "Read", show=False, id="tree.read",
                tooltip="Read this message: moves the focus to the reader"),
    ]

    class MessageHighlighted(Message):
        """The cursor is on another message."""

        def __init__(self, msgid: str) -> None:
            super().__init__()
            self.msgid = msgid

    class MessageChosen(Message):
        """Enter on a message: read it."""

        def __init__(self, msgid: str) -> None:
            super().__init__()
            self.msgid = msgid

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("thread", id=id)
        self.show_root = False
        self.auto_expand = False
        self.guide_depth = 2
        self._thread: reviewer.Thread | None = None
        self._label_of: Callable[[str], str] = lambda _msgid: ""
        self._by_id: dict[str, TreeNode[str]] = {}
        self._loaded: set[str] = set()
        self._styled_focus = False  # has_focus at the last style update

    def notify_style_update(self) -> None:
        """Tree rebuilds its lines and lays the screen out again on any style
        change; gaining or losing the focus (Tab) only changes colours, so
        then repaint from an empty line cache (a Tab cost ~15 ms more)."""
        focused = self.has_focus
        if focused == self._styled_focus or self._tree_lines_cached is None:
            self._styled_focus = focused
            super().notify_style_update()
            return
        self._styled_focus = focused
        Widget.notify_style_update(self)  # skip Tree's relayout, keep the base's work
        self._line_cache.clear()
        self._updates += 1
        self.refresh()

    def show_thread(self, thread: reviewer.Thread, revision_of: Callable[[str], str]) -> None:
        """Attributes down: the screen hands over the thread once."""
        self._thread, self._label_of = thread, revision_of
        self.clear()
        self._by_id.clear()
        self._loaded.clear()
        for msgid in thread.roots:
            self._add(self.root, msgid)
        if len(thread) <= EXPAND_ALL_BELOW:
            for msgid in list(self._by_id):
                self._expand_loaded(msgid, recursive=True)
        self.root.expand()

    def _add(self, parent: TreeNode[str], msgid: str) -> TreeNode[str]:
        assert self._thread is not None
        msg = self._thread.messages[msgid]
        parent_msg = self._thread.messages.get(parent.data) if parent.data else None
        kids = self._thread.children.get(msgid, ())
        node = parent.add(message_label(msg, parent_msg, self._label_of(msgid)), data=msgid,
                          allow_expand=bool(kids))
        self._by_id[msgid] = node
        return node

    def _load(self, msgid: str) -> None:
        if msgid in self._loaded or self._thread is None:
            return
        self._loaded.add(msgid)
        node = self._by_id[msgid]
        for child in self._thread.children.get(msgid, ()):
            self._add(node, child)

    def _expand_loaded(self, msgid: str, recursive: bool) -> None:
        stack = [msgid]
        while stack:
            mid = stack.pop()
            self._load(mid)
            node = self._by_id[mid]
            if node.allow_expand and not node.is_expanded:  # each expand() lays the
                node.expand()  # screen out again, even of a node open already
            if recursive and self._thread is not None:
                stack.extend(self._thread.children.get(mid, ()))

    def reveal(self, msgid: str) -> None:
        """Load and expand the ancestors of `msgid`, then put the cursor on it."""
        if self._thread is None or msgid not in self._thread.messages:
            return
        for ancestor in reversed(self._thread.ancestors(msgid)):
            self._expand_loaded(ancestor, recursive=False)
        node = self._by_id.get(msgid)
        if node is not None:
            self.call_after_refresh(self.move_cursor, node)

    @property
    def current(self) -> str | None:
        node = self.cursor_node
        return node.data if node is not None else None

    @on(Tree.NodeExpanded)
    def _expanded(self, event: Tree.NodeExpanded[str]) -> None:
        event.stop()
        if event.node.data:
            self._load(event.node.data)

    @on(Tree.NodeHighlighted)
    def _highlighted(self, event: Tree.NodeHighlighted[str]) -> None:
        event.stop()
        if event.node.data:
            self.post_message(self.MessageHighlighted(event.node.data))

    @on(Tree.NodeSelected)
    def _selected(self, event: Tree.NodeSelected[str]) -> None:
        event.stop()
        if event.node.data:
            self.post_message(self.MessageChosen(event.node.data))

    def action_first(self) -> None:
        if self.last_line >= 0:
            self.move_cursor_to_line(0)

    def action_last(self) -> None:
        if self.last_line >= 0:
            self.move_cursor_to_line(self.last_line)

    def action_collapse(self) -> None:
        node = self.cursor_node
        if node is None:
            return
        if node.is_expanded and node.allow_expand:
            node.collapse()
        elif node.parent is not None and node.parent is not self.root:
            self.move_cursor(node.parent)

    def action_expand(self) -> None:
        node = self.cursor_node
        if node is not None and node.data:
            self._load(node.data)
            node.expand()
