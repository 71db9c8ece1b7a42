"""A read-only, virtualised view of styled lines with a cursor and search.

Used for the mail reader, the diff with findings and the range-diff.  Only
the rows on screen are rendered (Line API), so a 10,000-line patch costs
what 40 lines cost; wrapping is redone when the width changes.
"""

from __future__ import annotations

from rich.console import Console
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.render import Line


def _wrap(text: Text, width: int, indent: int, console: Console) -> list[Text]:
    """Wrap to `width`; continuation rows start `indent` columns in."""
    indent = indent if indent < width // 2 else 0
    parts = list(text.wrap(console, width, overflow="fold"))
    if indent == 0 or len(parts) < 2:
        return parts
    for part in parts:
        part.rstrip()  # wrap() keeps the space it broke at
    rest = Text(" ").join(parts[1:])
    out = [parts[0]]
    for part in rest.wrap(console, width - indent, overflow="fold"):
        part.rstrip()
        out.append(Text(" " * indent).append_text(part))
    return out


class LineView(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    LineView {
        background: $surface;
        /* scroll bars that came and went with the content cost two relayouts
           of the whole screen on the key that changed it (~30 ms) */
        overflow: scroll scroll;
    }
    LineView > .lineview--cursor { background: $boost; }
    LineView:focus > .lineview--cursor { background: $primary 45%; }
    LineView > .lineview--match { background: $warning 45%; color: $text; }
    """
    COMPONENT_CLASSES = {"lineview--cursor", "lineview--match"}
    BINDINGS = [
        Binding("j,down", "cursor_down", "Down", show=False, id="view.down",
                tooltip="Move the cursor one line down"),
        Binding("k,up", "cursor_up", "Up", show=False, id="view.up",
                tooltip="Move the cursor one line up"),
        Binding("g,home", "top", "Top", show=False, id="view.top", tooltip="Go to the first line"),
        Binding("G,end", "bottom", "Bottom", show=False, id="view.bottom",
                tooltip="Go to the last line"),
        Binding("space,pagedown", "page_down", "Page down", show=False, id="view.page-down",
                tooltip="Scroll one page down"),
        Binding("b,pageup", "page_up", "Page up", show=False, id="view.page-up",
                tooltip="Scroll one page up"),
    ]

    cursor: reactive[int] = reactive(0, always_update=True, repaint=False)

    class CursorMoved(Message):
        """The cursor is on another line; `tag` says what that line is."""

        def __init__(self, view: LineView, line: int, tag: object) -> None:
            super().__init__()
            self.view = view
            self.line = line
            self.tag = tag

        @property
        def control(self) -> LineView:
            return self.view

    class PagedPastEnd(Message):
        """Page down at the last page: a reader may go on to what follows."""

        def __init__(self, view: LineView) -> None:
            super().__init__()
            self.view = view

        @property
        def control(self) -> LineView:
            return self.view

    class Clicked(Message):
        """A mouse click put the cursor on `line`."""

        def __init__(self, view: LineView, line: int) -> None:
            super().__init__()
            self.view = view
            self.line = line

        @property
        def control(self) -> LineView:
            return self.view

    def __init__(self, *, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._source: list[Line] = []
        self._rows: list[tuple[int, Text]] = []  # (logical line, visual row text)
        self._first_row: list[int] = []
        self._plain: list[str] = []
        self._built_width = -1
        self._match = ""
        self._cache: LRUCache[tuple[int, int], Strip] = LRUCache(1024)
        self._generation = 0
        self._pending_goto: int | None = None

    # -- content (attributes down) -------------------------------------------

    def set_lines(self, lines: list[Line], keep_cursor: bool = False) -> None:
        self._source = list(lines)  # splice() changes ours, not the caller's
        self._pending_goto = None
        self._built_width = -1
        self._ensure_rows()
        if not keep_cursor:
            self.cursor = 0
            self.scroll_to(0, 0, animate=False)
        else:
            self.cursor = min(self.cursor, max(0, len(self._rows) - 1))
        self.refresh()

    def splice(self, start: int, stop: int, lines: list[Line]) -> None:
        """Replace logical lines [start, stop) with `lines`, wrapping only
        those: a note added or changed under the cursor costs its own lines,
        not the whole view's.  The cursor stays on what it was on."""
        self._source[start:stop] = lines
        width = self._wrap_width()
        if self._built_width != width:  # never laid out at this width: wrap all anyway
            self._ensure_rows()
            return
        count = len(self._first_row)
        first = self._first_row[start] if start < count else len(self._rows)
        end = self._first_row[stop] if stop < count else len(self._rows)
        rows, starts = self._wrapped(lines, start, first, width)
        lines_delta, rows_delta = len(lines) - (stop - start), len(rows) - (end - first)
        tail = self._rows[end:]
        if lines_delta:
            tail = [(n + lines_delta, t) for n, t in tail]
        self._rows = self._rows[:first] + rows + tail
        self._first_row[start:] = starts + [r + rows_delta for r in self._first_row[stop:]]
        self._plain[first:end] = [t.plain.lower() for _, t in rows]
        if self.cursor >= end:
            self.set_reactive(LineView.cursor, self.cursor + rows_delta)
        widest = max((t.cell_len for _, t in rows), default=0)
        self._set_virtual_size(Size(max(self.virtual_size.width, widest, width), len(self._rows)))
        if self.cursor >= len(self._rows):
            self.cursor = max(0, len(self._rows) - 1)
        self._invalidate()

    def _wrapped(self, lines: list[Line], index: int, row: int, width: int
                 ) -> tuple[list[tuple[int, Text]], list[int]]:
        """The visual rows of `lines` (the first is logical line `index`,
        starting at visual row `row`), and where each line starts."""
        rows: list[tuple[int, Text]] = []
        starts: list[int] = []
        for i, line in enumerate(lines, index):
            starts.append(row + len(rows))
            text = line.text
            if line.wrap and text.cell_len > width:
                rows.extend((i, part) for part in _wrap(text, width, line.indent,
                                                        self.app.console))
            else:
                rows.append((i, text))
        return rows, starts

    @property
    def lines(self) -> list[Line]:
        return self._source

    @property
    def row_count(self) -> int:
        self._ensure_rows()
        return len(self._rows)

    @property
    def current_line(self) -> int:
        """The logical line under the cursor."""
        self._ensure_rows()
        return self._rows[self.cursor][0] if self._rows else 0

    def row_text(self, row: int) -> str:
        self._ensure_rows()
        return self._rows[row][1].plain

    def text(self) -> str:
        """Everything, as plain text (for tests and copying)."""
        return "\n".join(line.text.plain for line in self._source)

    def goto_line(self, index: int, center: bool = True) -> None:
        """Put the cursor on logical line `index` and bring it into view."""
        if not self.size.height:  # not laid out yet: do it once we have a size
            self._pending_goto = index
            return
        self._ensure_rows()
        if not self._first_row:
            return
        row = self._first_row[max(0, min(index, len(self._first_row) - 1))]
        self.cursor = row
        if center:
            self.scroll_to(y=max(0, row - self.size.height // 3), animate=False)

    # -- search ---------------------------------------------------------------

    def search(self, term: str, backwards: bool = False, wrap: bool = True,
               from_edge: bool = False) -> bool:
        """Move to the next row holding `term` (case-insensitive); `wrap`
        past the end to the start; `from_edge`: from the first row (the last
        one backwards) rather than after the cursor."""
        self._ensure_rows()
        self._match = term
        self._invalidate()
        needle = term.lower()
        if not needle or not self._rows:
            return False
        count = len(self._rows)
        step = -1 if backwards else 1
        start = (count if backwards else -1) if from_edge else self.cursor
        for i in range(1, count + 1):
            row = start + step * i
            if not wrap and not 0 <= row < count:
                return False
            if needle in self._plain[row % count]:
                self.cursor = row % count
                return True
        return False

    def clear_search(self) -> None:
        self._match = ""
        self._invalidate()

    # -- layout ---------------------------------------------------------------

    def _wrap_width(self) -> int:
        if not self.size.width:  # not laid out yet: do not wrap to a bogus width
            return 1 << 30
        return max(10, self.size.width - self.styles.scrollbar_size_vertical)

    def _ensure_rows(self) -> None:
        width = self._wrap_width()
        if self._built_width == width:
            return
        # the cursor stays on its logical line when the wrapping changes
        keep = self._rows[self.cursor][0] if 0 <= self.cursor < len(self._rows) else None
        rows, first = self._wrapped(self._source, 0, 0, width)
        widest = max((t.cell_len for _, t in rows), default=0)
        self._rows, self._first_row = rows, first
        self._plain = [t.plain.lower() for _, t in rows]
        self._built_width = width
        self._set_virtual_size(Size(max(widest, width), len(rows)))
        if keep is not None and keep < len(first) and first[keep] != self.cursor:
            self.set_reactive(LineView.cursor, first[keep])
        self._invalidate()

    def _set_virtual_size(self, size: Size) -> None:
        """New content size without a relayout of the whole screen (the
        reactive would ask for one): only a scrollbar that appears or goes
        changes the layout, and `_scroll_update` asks for that itself."""
        if size == self.virtual_size:
            return
        if not self.container_size:  # not laid out yet
            self.virtual_size = size
            return
        self.set_reactive(LineView.virtual_size, size)
        self._scroll_update(size)
        self.refresh()

    def _invalidate(self) -> None:
        self._generation += 1
        self._cache.clear()
        self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        self._ensure_rows()
        if self._pending_goto is not None and self.size.height:
            index, self._pending_goto = self._pending_goto, None
            self.goto_line(index)

    # -- rendering ------------------------------------------------------------

    def _strip(self, row: int) -> Strip:
        key = (row, self._generation)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        text = self._rows[row][1]
        if self._match and self._match.lower() in self._plain[row]:
            text = text.copy()
            text.highlight_words([self._match], self.get_component_rich_style("lineview--match"),
                                 case_sensitive=False)
        strip = Strip(list(text.render(self.app.console)), text.cell_len)
        self._cache[key] = strip
        return strip

    def render_line(self, y: int) -> Strip:
        self._ensure_rows()
        scroll_x, scroll_y = self.scroll_offset
        row = scroll_y + y
        width = self.scrollable_content_region.width
        base = self.rich_style
        if row >= len(self._rows):
            return Strip.blank(width, base)
        strip = self._strip(row).crop_extend(scroll_x, scroll_x + width, None)
        if row == self.cursor:  # apply_style goes *under* the text's own styles
            strip = strip.apply_style(self.get_component_rich_style("lineview--cursor"))
        return strip.apply_style(base)

    # -- cursor ---------------------------------------------------------------

    def watch_cursor(self, old: int, new: int) -> None:
        if not self._rows:
            return
        height = self.scrollable_content_region.height or 1
        top = int(self.scroll_y)
        if new < top:
            self.scroll_to(y=new, animate=False)
            self.refresh()
        elif new >= top + height:
            self.scroll_to(y=new - height + 1, animate=False)
            self.refresh()
        else:  # no scrolling: repaint only the two rows the cursor left and entered
            width = self.size.width
            self.refresh(*(Region(0, row - top, width, 1) for row in {old, new}
                           if top <= row < top + height))
        line = self._rows[new][0]
        self.post_message(self.CursorMoved(self, line, self._source[line].tag))

    def _move(self, delta: int) -> None:
        self._ensure_rows()
        if self._rows:
            self.cursor = max(0, min(len(self._rows) - 1, self.cursor + delta))

    def action_cursor_down(self) -> None:
        self._move(1)

    def action_cursor_up(self) -> None:
        self._move(-1)

    def action_top(self) -> None:
        self._move(-len(self._rows))

    def action_bottom(self) -> None:
        self._move(len(self._rows))

    def action_page_down(self) -> None:
        self._ensure_rows()
        if self.cursor >= len(self._rows) - 1:
            self.post_message(self.PagedPastEnd(self))
        self._move(max(1, self.scrollable_content_region.height - 1))

    def action_page_up(self) -> None:
        self._move(-max(1, self.scrollable_content_region.height - 1))

    def on_click(self, event: events.Click) -> None:
        self._ensure_rows()
        row = int(self.scroll_y) + event.y
        if 0 <= row < len(self._rows):
            self.cursor = row
            self.post_message(self.Clicked(self, self._rows[row][0]))

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()
