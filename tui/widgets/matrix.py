"""The triage matrix: one row per revision; apply status, each check family
and counts by severity as columns, coloured by the worst severity.

Drawn with the Line API rather than as a DataTable: a DataTable renders every
cell anew (through a Rich console) whenever any cell changes, ~15 ms a paint
on 20 revisions, and results change cells several times a second while the
work runs.  Here each row is rendered once per change of its cells, and a
cursor move repaints two rows.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

import reviewer
from tui.render import (
    ATTEST_MARK,
    SEVERITY_MARK,
    SEVERITY_STYLE,
    inert,
    revision_signatures,
)
from tui.session import Key, Session

SEVERITIES = tuple(reviewer.Severity)
DIFF_ONLY = " diff"  # not applied: only diff-level findings
SHORT = {reviewer.Severity.ERROR: "err", reviewer.Severity.WARNING: "warn",
         reviewer.Severity.INFO: "info"}


def family_of(rule_id: str) -> str:
    return rule_id.rstrip("0123456789")


def worst(findings: tuple[reviewer.Finding, ...] | list[reviewer.Finding]
          ) -> reviewer.Severity | None:
    return max((f.severity for f in findings), key=lambda s: s.rank, default=None)


def _waiting(session: Session) -> Text:
    running = session.state in ("loading", "applying", "checking")
    return Text("…" if running else "–", style="dim")


def apply_cell(session: Session, key: Key) -> Text:
    """✓ when every patch applied; otherwise the checks read the diffs
    alone, which the cell says ("diff")."""
    result = session.applies.get(key)
    if result is None:
        if session.tree is None or session.problem is not None:
            return Text("diff only", style="yellow")
        return _waiting(session)
    if result.error:
        return Text("✗ base", style="bold red").append(DIFF_ONLY, style="yellow")
    total = len(result.patches)
    if result.applied:
        three_way = any(p.status is reviewer.PatchStatus.APPLIED_3WAY for p in result.patches)
        return Text(f"✓ {total}/{total}" + (" 3w" if three_way else ""),
                    style="yellow" if three_way else "green")
    failed = result.failed
    return Text(f"✗ {failed.index if failed else '?'}/{total}",
                style="bold red").append(DIFF_ONLY, style="yellow")


def base_cell(session: Session, key: Key) -> Text:
    """The commit the revision was put on (its evidence: the cell's detail)."""
    result = session.applies.get(key)
    if result is None:
        return Text("–", style="dim") if session.tree is None else _waiting(session)
    if result.base is None:
        return Text("none found", style="bold red")
    if result.base.source is reviewer.BaseSource.HEAD:  # nothing in the mails chose it
        return inert(f"{result.base.label}?", "yellow")
    return inert(result.base.label, "" if result.applied else "dim")


def trailers_cell(session: Session, key: Key) -> Text:
    counts = session.trailers(key)
    return Text(str(counts), style="magenta" if any(
        (counts.acked, counts.reviewed, counts.tested)) else "dim")


def family_cell(session: Session, key: Key, family: str) -> Text:
    report = session.reports.get(key)
    if report is None:
        return _waiting(session)
    outcomes = [o for o in report.outcomes if family_of(o.rule_id) == family]
    if not outcomes:
        return Text("no rules", style="dim")
    found = [f for f in report.findings if family_of(f.rule_id) == family]
    sev = worst(found)
    text = (Text(f"{len(found)} {SEVERITY_MARK[sev]}", style=SEVERITY_STYLE[sev]) if sev
            else Text("✓", style="green"))
    broken = sum(o.status == "error" for o in outcomes)
    skipped = sum(o.status == "skipped" for o in outcomes)
    if broken:
        text.append(f" {broken}!", style="magenta")
    if skipped:
        text.append(f" {skipped} skip", style="dim")
    return text


def severity_cell(session: Session, key: Key, severity: reviewer.Severity) -> Text:
    report = session.reports.get(key)
    if report is None:
        return _waiting(session)
    n = sum(f.severity is severity for f in report.findings)
    return Text(str(n), style=SEVERITY_STYLE[severity]) if n else Text("0", style="dim")


def attest_cell(session: Session, key: Key) -> Text:
    """The mark of the signature told first, and how many patches have it
    when not all do."""
    found = session.attested.get(key)
    mails = revision_signatures(found) if found is not None else []
    if not mails:
        return Text("–" if session.attest_problem or found is not None else "…", style="dim")
    status = mails[0][1].status
    count = sum(a.status is status for _, a in mails)
    mark, style = ATTEST_MARK[status]
    return Text(mark if count == len(mails) else f"{mark} {count}/{len(mails)}", style=style)


def rev_cell(session: Session, key: Key, rev: reviewer.Revision) -> Text:
    """The label in the colour of the revision's own worst finding; green
    only when it applied and was checked without one."""
    label = rev.label if len(session.opened.series if session.opened else ()) < 2 \
        else f"S{key[0] + 1} {rev.label}"
    flags = "".join(f" {f}" for f, on in (("RFC", rev.rfc), ("RESEND", rev.resend)) if on)
    sev = worst(session.findings(key))
    result = session.applies.get(key)
    clean_and_applied = key in session.reports and result is not None and result.applied
    style = (f"bold {SEVERITY_STYLE[sev]}" if sev else "bold green" if clean_and_applied
             else "bold")
    return Text(label, style=style).append(flags, style="dim")


def patches_cell(rev: reviewer.Revision) -> Text:
    text = Text(f"{len(rev.patches)}/{rev.expected}")
    if rev.missing:
        text.append(f" -{','.join(map(str, rev.missing))}", style="bold red")
    return text


def _look(text: Text) -> tuple[str, str, list[object]]:
    """What a cell looks like (Text's == ignores its base style, which is
    how a row's label shows its worst severity)."""
    return text.plain, str(text.style), list(text.spans)


class RevisionMatrix(ScrollView, can_focus=True):
    """Revisions × results with a cell cursor; the header row stays put.
    A click on the cursor's cell opens what is behind it (Enter is the
    screen's)."""

    DEFAULT_CSS = """
    RevisionMatrix {
        background: $surface;
        height: auto;
        overflow: auto auto;
        &:focus {
            background-tint: $foreground 5%;
            & > .matrix--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
        }
        & > .matrix--header { text-style: bold; background: $panel; color: $foreground; }
        & > .matrix--even-row { background: $surface-lighten-1 50%; }
        &:dark > .matrix--even-row { background: $surface-darken-1 40%; }
        & > .matrix--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """
    COMPONENT_CLASSES = {"matrix--header", "matrix--even-row", "matrix--cursor"}
    BINDINGS = [
        Binding("j,down", "cursor_down", "Down", show=False, id="matrix.down",
                tooltip="Next revision"),
        Binding("k,up", "cursor_up", "Up", show=False, id="matrix.up", tooltip="Previous revision"),
        Binding("h,left", "cursor_left", "Left", show=False, id="matrix.left",
                tooltip="Previous column"),
        Binding("l,right", "cursor_right", "Right", show=False, id="matrix.right",
                tooltip="Next column"),
        Binding("g,home", "first", "First", show=False, id="matrix.top",
                tooltip="First revision"),
        Binding("G,end", "last", "Last", show=False, id="matrix.bottom",
                tooltip="Last revision"),
    ]
    PAD = 1  # blank columns before each cell

    cursor: reactive[tuple[int, int]] = reactive((0, 0), repaint=False)

    class CellOpened(Message):
        """Enter (or a click) on a cell: open what is behind it."""

        def __init__(self, key: Key, column: str) -> None:
            super().__init__()
            self.key = key
            self.column = column

    class CellFocused(Message):
        """The cursor is on another cell: explain it."""

        def __init__(self, key: Key, column: str) -> None:
            super().__init__()
            self.key = key
            self.column = column

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._keys: list[Key] = []
        self._families: tuple[str, ...] = ()
        self._columns: list[tuple[str, str, int]] = []
        self._edges: list[int] = [0]  # x where each column starts; the last: the width
        self._rows: list[list[Text]] = []
        self._strips: dict[int, Strip] = {}  # row (-1: header) → its cells, unstyled

    @staticmethod
    def columns_for(families: tuple[str, ...]) -> list[tuple[str, str, int]]:
        """(key, label, width): fixed widths, so an update never re-measures;
        every column fits in 120 terminal columns (the cursor scrolls to the
        rest on a smaller one)."""
        return ([("rev", "rev", 8), ("title", "title", 14), ("patches", "patches", 7),
                 ("base", "base", 11), ("apply", "apply", 10)]
                + [(s.value, f"{SEVERITY_MARK[s]} {SHORT[s]}", 6) for s in SEVERITIES]
                + [(f, f, 11) for f in families]
                + [("replies", "rep", 3), ("trailers", "A·R·T", 5), ("sig", "sig", 4)])

    # -- content --------------------------------------------------------------

    def show(self, session: Session) -> None:
        """Fill or update the matrix from the session (keeps the cursor)."""
        revisions = session.revisions()
        keys = [key for key, _ in revisions]
        if keys != self._keys or session.families != self._families:
            self._keys, self._families = keys, session.families
            self._columns = self.columns_for(session.families)
            self._edges = [0]
            for _, _, width in self._columns:
                self._edges.append(self._edges[-1] + width + self.PAD)
            self._rows = [self._cells(session, key, rev) for key, rev in revisions]
            self._strips.clear()
            self.virtual_size = Size(self._edges[-1], len(self._rows) + 1)
            self.cursor = (min(self.cursor[0], max(0, len(keys) - 1)),
                           min(self.cursor[1], len(self._columns) - 1))
            self.refresh(layout=True)  # the height follows the rows
            return
        top = int(self.scroll_y)
        for row, (key, rev) in enumerate(revisions):
            cells = self._cells(session, key, rev)
            if list(map(_look, cells)) != list(map(_look, self._rows[row])):  # changed?
                self._rows[row] = cells
                self._strips.pop(row, None)
                self.refresh(Region(0, row - top + 1, self.size.width, 1))

    def _cells(self, session: Session, key: Key, rev: reviewer.Revision) -> list[Text]:
        title = rev.title
        return ([rev_cell(session, key, rev), inert(title),
                 patches_cell(rev), base_cell(session, key), apply_cell(session, key)]
                + [severity_cell(session, key, s) for s in SEVERITIES]
                + [family_cell(session, key, f) for f in self._families]
                + [Text(str(len(rev.replies))), trailers_cell(session, key),
                   attest_cell(session, key)])

    @property
    def row_count(self) -> int:
        return len(self._rows)

    def cells(self, row: int) -> list[Text]:
        """The cells of `row` as shown."""
        return list(self._rows[row])

    def current(self) -> tuple[Key, str] | None:
        if not self._keys:
            return None
        row, col = self.cursor
        return self._keys[min(row, len(self._keys) - 1)], self._columns[col][0]

    # -- rendering ------------------------------------------------------------

    def _row_strip(self, row: int) -> Strip:
        strip = self._strips.get(row)
        if strip is None:
            cells = ([Text(label) for _, label, _ in self._columns] if row < 0
                     else self._rows[row])
            pad = " " * self.PAD
            line = Text(no_wrap=True, overflow="ellipsis")
            for (_, _, width), cell in zip(self._columns, cells, strict=True):
                cell = cell.copy()
                cell.truncate(width, overflow="ellipsis", pad=True)
                line.append(pad).append_text(cell)
            strip = self._strips[row] = Strip(list(line.render(self.app.console)),
                                              self._edges[-1])
        return strip

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        base = self.rich_style
        row = -1 if y == 0 else scroll_y + y - 1
        if row >= len(self._rows) or not self._columns:
            return Strip.blank(width, base)
        strip = self._row_strip(row)
        if row == self.cursor[0]:
            x0, x1 = self._edges[self.cursor[1]], self._edges[self.cursor[1] + 1]
            left, cell, right = strip.divide([x0, x1, strip.cell_length])
            post = self.get_component_rich_style("matrix--cursor")
            cell = Strip(Segment.apply_style(cell, post_style=post), x1 - x0)
            strip = Strip.join([left, cell, right])
        if row < 0:
            strip = strip.apply_style(self.get_component_rich_style("matrix--header"))
        elif row % 2 == 0:
            strip = strip.apply_style(self.get_component_rich_style("matrix--even-row"))
        return strip.crop_extend(scroll_x, scroll_x + width, None).apply_style(base)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()  # cells render against the theme's colours

    # -- cursor ---------------------------------------------------------------

    def watch_cursor(self, old: tuple[int, int], new: tuple[int, int]) -> None:
        if not self._rows:
            return
        height = max(1, self.scrollable_content_region.height - 1)  # less the header
        top, left = int(self.scroll_y), int(self.scroll_x)
        width = self.scrollable_content_region.width
        x0, x1 = self._edges[new[1]], self._edges[new[1] + 1]
        scroll_y = min(new[0], max(top, new[0] - height + 1))
        scroll_x = min(x0, max(left, x1 - width))
        if (scroll_x, scroll_y) != (left, top):
            self.scroll_to(scroll_x, scroll_y, animate=False)
            self.refresh()
        else:  # repaint only the rows the cursor left and entered
            self.refresh(*(Region(0, row - top + 1, self.size.width, 1)
                           for row in {old[0], new[0]}))
        if (where := self.current()) is not None:
            self.post_message(self.CellFocused(*where))

    def _move(self, rows: int, cols: int) -> None:
        if self._rows:
            row, col = self.cursor
            self.cursor = (max(0, min(len(self._rows) - 1, row + rows)),
                           max(0, min(len(self._columns) - 1, col + cols)))

    def action_cursor_down(self) -> None:
        self._move(1, 0)

    def action_cursor_up(self) -> None:
        self._move(-1, 0)

    def action_cursor_left(self) -> None:
        self._move(0, -1)

    def action_cursor_right(self) -> None:
        self._move(0, 1)

    def action_first(self) -> None:
        self._move(-len(self._rows), 0)

    def action_last(self) -> None:
        self._move(len(self._rows), 0)

    def on_click(self, event: events.Click) -> None:
        row = int(self.scroll_y) + event.y - 1
        x = int(self.scroll_x) + event.x
        if event.y < 1 or row >= len(self._rows) or not 0 <= x < self._edges[-1]:
            return
        col = next(i for i in range(len(self._columns)) if x < self._edges[i + 1])
        if (row, col) != self.cursor:
            self.cursor = (row, col)
        elif (where := self.current()) is not None:
            self.post_message(self.CellOpened(*where))

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()
